"""The daily push's queries: candidates, claim rows and their states, holders, and the facts
a quiz push reads to open its study prompt.

The rules (who is due, what kind of push, which card comes first) live in bot.pushes; this
module only reads and writes rows, so it imports nothing above the store. The row states
and the crash semantics they carry are described in bot.pushes.claims.

Every function takes the session first and keyword-only arguments, and never commits.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot.store.db import upsert_insert
from bot.store.models import (
    Card,
    CardState,
    ClassMember,
    Deck,
    Learner,
    LearnerDeck,
    PushClaim,
    PushHolder,
    ReviewLog,
    StudyPrompt,
    TZDateTime,
    table_of,
)

# A claim without a holder, not flipped to `sending` (or finished) within this long, belongs
# to a dead process.
LEASE = timedelta(minutes=10)
# Holders beat this often (bot.jobs.pushes) and are gone once silent this long; the
# margin covers a loaded host and clock skew between hosts.
HOLDER_BEAT = timedelta(seconds=10)
HOLDER_STALE = timedelta(seconds=45)
# Statuses of a push that (may have) reached the learner.
DELIVERED = ("sent", "unknown")


class PushStatus(StrEnum):
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    RETRY = "retry"
    UNKNOWN = "unknown"
    SNOOZED = "snoozed"


class WindowLike(Protocol):
    """A coarse push-time filter (bot.pushes.rules.Window): learners in `zones` whose push
    time lies in [after, upto] may be due for `local_date`."""

    @property
    def local_date(self) -> date: ...
    @property
    def after(self) -> str: ...
    @property
    def upto(self) -> str: ...
    @property
    def zones(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class Candidate:
    """A learner whose push for `local_date` may be due, with what counting needs."""

    learner_id: int
    chat_id: int
    timezone: str
    push_time: str
    local_date: date
    created_at: datetime
    new_per_day: int
    max_reviews_per_day: int
    day_boundary_hour: int
    telegram_id: int = 0
    # When the learner's open card was last asked or answered (None: no open card).
    last_step: datetime | None = None


_PUSH_CLAIM = table_of(PushClaim)
_LEARNER = table_of(Learner)
_PROMPT = table_of(StudyPrompt)
_STATE = table_of(CardState)
_LOG = table_of(ReviewLog)
_DECK_CHOICE = table_of(LearnerDeck)


def _eligible() -> list[sa.ColumnElement[bool]]:
    return [col(Learner.active) == sa.true(), col(Learner.reminders_paused) == sa.false()]


_CANDIDATE_COLUMNS: tuple[Any, ...] = (
    col(Learner.id), col(Learner.chat_id), col(Learner.timezone), col(Learner.push_time),
    col(Learner.created_at), col(Learner.new_per_day), col(Learner.max_reviews_per_day),
    col(Learner.day_boundary_hour), col(Learner.telegram_id),
    sa.func.coalesce(col(StudyPrompt.answered_at), col(StudyPrompt.asked_at)),
)
# The learner's open card, if any: when it was last asked or answered (held for a session).
_WITH_OPEN_PROMPT = sa.outerjoin(
    Learner, StudyPrompt,
    sa.and_(col(StudyPrompt.id) == col(Learner.current_prompt_id),
            col(StudyPrompt.closed_at).is_(None)))


def _candidate(row: Any, local_date: date) -> Candidate:
    return Candidate(row[0], row[1], row[2], row[3], local_date, row[4], row[5], row[6], row[7],
                     row[8], row[9])


# -- candidates ---------------------------------------------------------------------------


def eligible_zones(session: Session, *, telegram_id: int | None = None) -> list[str]:
    """Distinct time zones of learners who get pushes (computed once per zone per tick)."""
    return list(session.execute(zones_query(telegram_id=telegram_id)).scalars())


def zones_query(*, telegram_id: int | None = None) -> sa.Select[Any]:
    """One pass over eligible learners per tick (no skip scan in PostgreSQL 15), cheap
    next to the sends; the per-window lookups are what use `ix_learner_push_schedule`."""
    query = sa.select(col(Learner.timezone)).where(*_eligible()).distinct()
    if telegram_id is not None:
        query = query.where(col(Learner.telegram_id) == telegram_id)
    return query


def find_candidates(
    session: Session, *, generations: Sequence[Sequence[WindowLike]],
    telegram_id: int | None = None, limit: int | None = None,
) -> list[Candidate]:
    """Eligible learners with no claim yet for the date of a window they fall in.

    One statement per generation of windows (bot.pushes.rules.generations: no zone twice in
    one), not one per window: a CASE gives each learner's date.
    """
    found: list[Candidate] = []
    sqlite = session.connection().dialect.name == "sqlite"
    for generation in generations:
        params: dict[str, Any] = {}
        if sqlite:
            query = _SQLITE_CANDIDATES
            if telegram_id is not None:
                query = query.where(_LEARNER.c.telegram_id == telegram_id)
            params["windows"] = json.dumps([
                [zone, w.local_date.isoformat(), w.after, w.upto]
                for w in generation for zone in w.zones])
        else:
            query = candidates_query(generation, telegram_id=telegram_id)
        if limit is not None:
            query = query.limit(limit - len(found))
        for row in session.execute(query, params):
            found.append(_candidate(row, row[10]))
        if limit is not None and len(found) >= limit:
            break
    return found


def candidates_query(
    generation: Sequence[WindowLike], *, telegram_id: int | None = None,
) -> sa.Select[Any]:
    """Learners of one window generation who are due and not yet claimed for that date.

    Its filters match `ix_learner_push_schedule` (zone, push time; active and not paused).
    """
    local_date = sa.case(
        *[(col(Learner.timezone).in_(w.zones), sa.literal(w.local_date, sa.Date))
          for w in generation],
    )
    in_window = sa.or_(*[
        sa.and_(col(Learner.timezone).in_(w.zones), col(Learner.push_time) >= w.after,
                col(Learner.push_time) <= w.upto)
        for w in generation
    ])
    no_claim = ~sa.exists().where(
        col(PushClaim.learner_id) == col(Learner.id), col(PushClaim.local_date) == local_date,
    )
    query = sa.select(*_CANDIDATE_COLUMNS, local_date).select_from(
        _WITH_OPEN_PROMPT).where(*_eligible(), in_window, no_claim).order_by(col(Learner.id))
    if telegram_id is not None:
        query = query.where(col(Learner.telegram_id) == telegram_id)
    return query


# SQLite's form of `candidates_query`: the generation's windows, one (zone, date, after, upto)
# row each, arrive as one JSON parameter and are joined to the learners. SQLite then searches
# `ix_learner_push_schedule` once per zone, where the CASE and OR of `candidates_query` made it
# read every learner on every tick (it has no statistics to prefer the index), and the
# statement's text no longer changes with the windows, so it is compiled once.
_WINDOWS = sa.func.json_each(sa.bindparam("windows", type_=sa.String)).table_valued(
    "value", name="w")


def _window_field(index: int) -> sa.ColumnElement[Any]:
    return sa.func.json_extract(_WINDOWS.c.value, f"$[{index}]")


_W_ZONE, _W_DATE, _W_AFTER, _W_UPTO = (_window_field(i) for i in range(4))
_SQLITE_CANDIDATES = sa.select(*_CANDIDATE_COLUMNS, sa.type_coerce(_W_DATE, sa.Date)).select_from(
    _WINDOWS.join(_LEARNER, sa.and_(
        _LEARNER.c.timezone == _W_ZONE, _LEARNER.c.push_time >= _W_AFTER,
        _LEARNER.c.push_time <= _W_UPTO,
    )).outerjoin(_PROMPT, sa.and_(_PROMPT.c.id == _LEARNER.c.current_prompt_id,
                                  _PROMPT.c.closed_at.is_(None)))
).where(*_eligible(), ~sa.exists().where(
    _PUSH_CLAIM.c.learner_id == _LEARNER.c.id, _PUSH_CLAIM.c.local_date == _W_DATE,
)).order_by(_LEARNER.c.id)


def learners_by_id(session: Session, *, ids: Iterable[int]) -> dict[int, Candidate]:
    """Eligible learners by id (the date is filled in by the caller)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        sa.select(*_CANDIDATE_COLUMNS).select_from(_WITH_OPEN_PROMPT)
        .where(col(Learner.id).in_(wanted), *_eligible())
    ).all()
    return {r[0]: _candidate(r, date.min) for r in rows}


# -- claims -------------------------------------------------------------------------------


def insert_claims(session: Session, *, rows: Sequence[Mapping[str, Any]]
                  ) -> list[tuple[int, int, date, str]]:
    """`INSERT .. ON CONFLICT DO NOTHING RETURNING` the day's rows, in the order given (the
    caller sorts by learner, so two PostgreSQL instances never deadlock). Returns
    (id, learner_id, local_date, status) of the rows this call inserted: whoever inserts a
    row owns that push."""
    if not rows:
        return []
    cols = _PUSH_CLAIM.c
    stmt = upsert_insert(session, _PUSH_CLAIM).on_conflict_do_nothing(
        index_elements=["learner_id", "local_date"]
    ).returning(cols.id, cols.learner_id, cols.local_date, cols.status)
    # Parameters as a list, not .values(rows): the statement is compiled once and cached,
    # and SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues"); a VALUES clause
    # of a whole batch would be compiled afresh every time.
    won = session.connection().execute(stmt, list(rows)).all()
    return [(r[0], r[1], r[2], r[3]) for r in won]


def set_status(session: Session, *, claim_ids: Sequence[int], status: PushStatus,
               **values: Any) -> None:
    """Move rows to `status` (with any other column values given)."""
    if claim_ids:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(claim_ids))
                        .values(status=status, **values))


def set_due_counts(session: Session, *, counts: Mapping[int, Sequence[int]]) -> None:
    """due count -> claim ids; learners mostly share a handful of counts, so few statements."""
    for due, ids in counts.items():
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(ids))
                        .values(due_count=due))


def set_kinds(session: Session, *, kinds: Mapping[str, Sequence[int]]) -> None:
    """Store each claim's kind (most are the default, "quiz", and need no write)."""
    for kind, ids in kinds.items():
        if ids:
            session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(ids))
                            .values(kind=kind))


def reclaim(
    session: Session, *, now: datetime, since: date, holder: str, wall_now: datetime,
    limit: int = 1000,
) -> list[tuple[int, int, int, date, datetime | None]]:
    """Take over `retry` rows, `snoozed` rows whose time has come, and `claimed` rows whose
    owner died (holder gone, or lease expired for rows without a holder).

    Returns (claim_id, attempts, learner_id, local_date, not_before) of the rows this call
    won. One UPDATE, so the transaction starts by writing (SQLite then waits for the lock
    instead of failing), and on PostgreSQL a row another instance just took no longer
    matches and is skipped.
    """
    stmt = reclaim_statement(now=now, since=since, limit=limit, holder=holder,
                             wall_now=wall_now)
    return [(r[0], r[1], r[2], r[3], r[4]) for r in session.execute(stmt).all()]


def _abandoned(*, now: datetime, wall_now: datetime) -> sa.ColumnElement[bool]:
    """A row whose holder is gone: no fresh heartbeat row (gone processes' rows are deleted by
    `delete_holders`), or, for a row without a holder, an expired lease."""
    fresh_holder = sa.exists().where(
        col(PushHolder.id) == col(PushClaim.holder),
        col(PushHolder.seen_at) >= wall_now - HOLDER_STALE,
    )
    return sa.or_(
        sa.and_(col(PushClaim.holder).is_not(None), ~fresh_holder),
        sa.and_(col(PushClaim.holder).is_(None), col(PushClaim.claimed_at) < now - LEASE),
    )


def reclaim_statement(*, now: datetime, since: date, limit: int, holder: str,
                      wall_now: datetime) -> sa.Update:
    """The UPDATE behind `reclaim`; it reads only open rows (`ix_push_claim_open`)."""
    takeable = sa.and_(
        col(PushClaim.status).in_([PushStatus.RETRY, PushStatus.CLAIMED, PushStatus.SNOOZED]),
        col(PushClaim.local_date) >= since,
        sa.or_(
            col(PushClaim.status) == PushStatus.RETRY,
            sa.and_(col(PushClaim.status) == PushStatus.SNOOZED,
                    col(PushClaim.not_before) <= sa.literal(now, TZDateTime())),
            sa.and_(col(PushClaim.status) == PushStatus.CLAIMED,
                    _abandoned(now=now, wall_now=wall_now)),
        ),
    )
    some = sa.select(col(PushClaim.id)).where(takeable).order_by(col(PushClaim.id)).limit(limit)
    return sa.update(PushClaim).where(col(PushClaim.id).in_(some.scalar_subquery()), takeable
    ).values(status=PushStatus.CLAIMED, claimed_at=now, holder=holder,
             attempts=col(PushClaim.attempts) + 1).returning(
        col(PushClaim.id), col(PushClaim.attempts), col(PushClaim.learner_id),
        col(PushClaim.local_date), col(PushClaim.not_before),
    )


def record_outcomes(
    session: Session, *, sent: Sequence[int] = (), failed: Sequence[int] = (),
    unknown: Sequence[int] = (), retry: Sequence[int] = (),
    blocked_learners: Sequence[int] = (), now: datetime,
) -> None:
    """Store what happened to each send; learners who blocked the bot stop getting pushes."""
    # A learner may press 💤 Later before the outcome is written: a snoozed row stays so.
    not_snoozed = col(PushClaim.status).concat("") != PushStatus.SNOOZED
    if sent:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(sent), not_snoozed)
                        .values(status=PushStatus.SENT, sent_at=now))
    if failed:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(failed))
                        .values(status=PushStatus.FAILED))
    if unknown:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(unknown), not_snoozed)
                        .values(status=PushStatus.UNKNOWN))
    if retry:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(retry))
                        .values(status=PushStatus.RETRY))
    if blocked_learners:
        mark_inactive(session, learner_ids=blocked_learners)


def mark_inactive(session: Session, *, learner_ids: Sequence[int]) -> None:
    """Telegram said 403: no more pushes until the learner writes again (ensure_learner)."""
    session.execute(sa.update(Learner).where(col(Learner.id).in_(sorted(set(learner_ids))))
                    .values(active=False))


def sweep_stale_sending(session: Session, *, now: datetime, wall_now: datetime) -> int:
    """Rows left `sending` by a dead process: maybe sent, so settle them as `unknown`."""
    result = session.execute(sweep_statement(now=now, wall_now=wall_now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def sweep_statement(*, now: datetime, wall_now: datetime) -> sa.Update:
    """The UPDATE behind `sweep_stale_sending` (reads `ix_push_claim_open` only)."""
    return (sa.update(PushClaim).where(col(PushClaim.status) == PushStatus.SENDING,
                                       _abandoned(now=now, wall_now=wall_now))
            .values(status=PushStatus.UNKNOWN))


def claim_rows(session: Session, *, learner_id: int | None = None) -> list[PushClaim]:
    """Push rows, oldest first (for the CLI, tests and the benchmark)."""
    query = select(PushClaim).order_by(col(PushClaim.local_date), col(PushClaim.id))
    if learner_id is not None:
        query = query.where(PushClaim.learner_id == learner_id)
    return list(session.exec(query).all())


# -- holders ------------------------------------------------------------------------------


def beat(session: Session, *, holder_id: str, host: str, pid: int, pid_started: int | None,
         wall_now: datetime) -> None:
    """Say this holder is alive (and register it on its first beat)."""
    found = session.execute(sa.update(PushHolder).where(col(PushHolder.id) == holder_id)
                            .values(seen_at=wall_now))
    if found.rowcount:  # type: ignore[attr-defined]
        return
    session.add(PushHolder(id=holder_id, host=host, pid=pid, pid_started=pid_started,
                           started_at=wall_now, seen_at=wall_now))


def holders(session: Session) -> list[tuple[str, str, int, int | None, datetime]]:
    """(id, host, pid, pid_started, seen_at) of every registered holder."""
    rows = session.execute(sa.select(
        col(PushHolder.id), col(PushHolder.host), col(PushHolder.pid),
        col(PushHolder.pid_started), col(PushHolder.seen_at))).all()
    return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]


def delete_holders(session: Session, *, holder_ids: Sequence[str]) -> None:
    """Forget holders: whatever they still hold is free at once."""
    if holder_ids:
        session.execute(sa.delete(PushHolder).where(col(PushHolder.id).in_(holder_ids)))


# -- what a learner did since their pushes ------------------------------------------------


def last_reviews(session: Session, *, learner_ids: Sequence[int]) -> dict[int, datetime]:
    """Each learner's latest review (`ix_review_log_learner_time` serves the max)."""
    if not learner_ids:
        return {}
    rows = session.execute(
        sa.select(col(ReviewLog.learner_id), sa.func.max(col(ReviewLog.reviewed_at)))
        .where(col(ReviewLog.learner_id).in_(sorted(set(learner_ids))))
        .group_by(col(ReviewLog.learner_id))).all()
    return {r[0]: r[1] for r in rows}


def delivered_pushes(session: Session, *, learner_ids: Sequence[int], since: date
                     ) -> dict[int, list[tuple[date, datetime, str]]]:
    """(local date, claimed at, kind) of each learner's pushes since `since` that reached
    them (or may have)."""
    found: dict[int, list[tuple[date, datetime, str]]] = defaultdict(list)
    if not learner_ids:
        return found
    rows = session.execute(
        sa.select(col(PushClaim.learner_id), col(PushClaim.local_date),
                  col(PushClaim.claimed_at), col(PushClaim.kind))
        .where(col(PushClaim.learner_id).in_(sorted(set(learner_ids))),
               col(PushClaim.local_date) >= since, col(PushClaim.status).in_(DELIVERED))
    ).all()
    for learner_id, day, claimed_at, kind in rows:
        found[learner_id].append((day, claimed_at, kind))
    return found


def snooze(session: Session, *, learner_id: int, prompt_id: int, until: datetime) -> bool:
    """Turn the delivered push that opened `prompt_id` into a snoozed one; False when there
    is none (an old or foreign button), or it is already snoozed or back."""
    result = session.execute(
        sa.update(PushClaim).where(
            col(PushClaim.learner_id) == learner_id, col(PushClaim.prompt_id) == prompt_id,
            # `sending`: the learner pressed before the outcome was written.
            col(PushClaim.status).in_((*DELIVERED, PushStatus.SENDING)))
        .values(status=PushStatus.SNOOZED, not_before=until))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def pause_reminders(session: Session, *, learner_id: int) -> None:
    session.execute(sa.update(Learner).where(col(Learner.id) == learner_id)
                    .values(reminders_paused=True))


# -- due counts (at claim time) -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DueRows:
    """What counting due cards reads for a batch of learners (bot.pushes.due counts)."""

    # (learner, deck, due reviews now, introduced since the learner's day start, live seen)
    states: list[tuple[int, int, int, int, int]]
    reviewed_today: dict[int, int]
    decks_off: dict[int, set[int]]
    joined: dict[int, set[int]]
    # deck id -> (owner learner id, or None for a shared deck; live cards in it)
    decks: dict[int, tuple[int | None, int]]


def _since_start(column: Any, starts: Mapping[datetime, Sequence[int]]
                 ) -> sa.ColumnElement[int]:
    """How many rows fall after their learner's day start: each learner's study day starts
    at a different instant, and a CASE picks theirs."""
    ts = TZDateTime()
    whens = [
        (sa.and_(column.table.c.learner_id.in_(group), column >= sa.literal(start, ts)), 1)
        for start, group in starts.items()
    ]
    return sa.func.sum(sa.case(*whens, else_=0))


def due_rows(session: Session, *, starts: Mapping[datetime, Sequence[int]], now: datetime
             ) -> DueRows:
    """Read, for the learners in `starts` (day start -> learner ids), what counting their due
    cards needs, in five queries for the whole batch."""
    ids = sorted({i for group in starts.values() for i in group})
    ts = TZDateTime()
    live = col(Card.retired) == sa.false()
    state_rows = session.execute(
        sa.select(
            col(CardState.learner_id), col(Card.deck_id),
            sa.func.sum(sa.case((sa.and_(live, col(CardState.due) <= sa.literal(now, ts),
                                         col(CardState.suspended) == sa.false()), 1), else_=0)),
            _since_start(_STATE.c.introduced_at, starts),
            sa.func.sum(sa.case((live, 1), else_=0)),
        ).join(Card, col(Card.id) == col(CardState.card_id))
        .where(col(CardState.learner_id).in_(ids))
        .group_by(col(CardState.learner_id), col(Card.deck_id))
    ).all()
    review_rows = session.execute(
        sa.select(col(ReviewLog.learner_id), _since_start(_LOG.c.reviewed_at, starts))
        .where(col(ReviewLog.learner_id).in_(ids),
               col(ReviewLog.reviewed_at) >= sa.literal(min(starts), ts))
        .group_by(col(ReviewLog.learner_id))
    ).all()
    off: dict[int, set[int]] = defaultdict(set)
    for learner_id, deck_id in session.execute(
        sa.select(col(LearnerDeck.learner_id), col(LearnerDeck.deck_id))
        .where(col(LearnerDeck.learner_id).in_(ids), col(LearnerDeck.enabled) == sa.false())
    ):
        off[learner_id].add(deck_id)
    joined: dict[int, set[int]] = defaultdict(set)
    for learner_id, deck_id in session.execute(
        sa.select(col(ClassMember.learner_id), col(ClassMember.deck_id))
        .where(col(ClassMember.learner_id).in_(ids))
    ):
        joined[learner_id].add(deck_id)
    decks = live_cards_per_deck(session, owners=ids,
                                joined=sorted(set().union(*joined.values())))
    return DueRows(
        states=[(r[0], r[1], int(r[2] or 0), int(r[3] or 0), int(r[4] or 0))
                for r in state_rows],
        reviewed_today={r[0]: int(r[1] or 0) for r in review_rows},
        decks_off=off, joined=joined, decks=decks)


def live_cards_per_deck(session: Session, *, owners: Sequence[int], joined: Sequence[int] = ()
                        ) -> dict[int, tuple[int | None, int]]:
    """deck id -> (owner learner id or None for a shared deck, live cards in it).

    Only shared decks, the personal decks of `owners` (this batch) and the decks they `joined`
    (bot.classes): the count must not grow with every other learner's imports.
    """
    rows = session.execute(
        sa.select(col(Card.deck_id), col(Deck.owner_learner_id), sa.func.count())
        .join(Deck, col(Deck.id) == col(Card.deck_id))
        .where(col(Card.retired) == sa.false(),
               sa.or_(col(Deck.owner_learner_id).is_(None),
                      col(Deck.owner_learner_id).in_(owners), col(Deck.id).in_(joined)))
        .group_by(col(Card.deck_id), col(Deck.owner_learner_id))
    ).all()
    return {r[0]: (r[1], int(r[2])) for r in rows}


# -- opening quiz prompts (at send time) --------------------------------------------------


# The statements of the send-group path (below) are built once, with expanding id lists:
# SQLAlchemy then finds their compiled form instead of rebuilding and re-keying them for
# every group of a dozen pushes.
_IDS: sa.BindParameter[list[int]] = sa.bindparam("ids", expanding=True)
_FLIP = sa.update(_PUSH_CLAIM).where(
    # The plain id list lets SQLite search the primary key; on its own, the (id, attempts)
    # fence makes it scan the whole table, once per group of sends.
    _PUSH_CLAIM.c.id.in_(_IDS),
    sa.tuple_(_PUSH_CLAIM.c.id, _PUSH_CLAIM.c.attempts).in_(
        sa.bindparam("pairs", expanding=True)),
    # `status || ''`, not `status`: the same test, but one that `ix_push_claim_open`
    # cannot serve. PostgreSQL otherwise ANDs that index in, and its 'claimed' range
    # holds a dead entry for every row flipped since the last vacuum.
    _PUSH_CLAIM.c.status.concat("") == PushStatus.CLAIMED,
).values(status=PushStatus.SENDING).returning(_PUSH_CLAIM.c.id)
# The same flip for a group whose claims share one `attempts` (nearly every group: fresh
# claims all have 1), with that value as one parameter instead of a pair per claim. psycopg
# parses a statement of more than 50 parameters afresh on every run, and the pair list put a
# group of 24 over that.
_FLIP_SAME_ATTEMPTS = sa.update(_PUSH_CLAIM).where(
    _PUSH_CLAIM.c.id.in_(_IDS), _PUSH_CLAIM.c.attempts == sa.bindparam("fence_attempts"),
    _PUSH_CLAIM.c.status.concat("") == PushStatus.CLAIMED,
).values(status=PushStatus.SENDING).returning(_PUSH_CLAIM.c.id)
_STUDIERS = sa.select(
    _LEARNER.c.id, _LEARNER.c.current_prompt_id, _LEARNER.c.timezone,
    _LEARNER.c.day_boundary_hour, _LEARNER.c.new_per_day, _LEARNER.c.max_reviews_per_day,
    _LEARNER.c.decks_version, _PROMPT.c.card_id,
).select_from(_LEARNER.outerjoin(_PROMPT, sa.and_(
    _PROMPT.c.id == _LEARNER.c.current_prompt_id, _PROMPT.c.closed_at.is_(None),
))).where(_LEARNER.c.id.in_(_IDS)).order_by(_LEARNER.c.id)
# FOR NO KEY UPDATE OF learner, as bot.store.study's lock_learner takes it for one learner;
# in id order, so two groups never wait on each other in a cycle.
_STUDIERS_LOCKED = _STUDIERS.with_for_update(key_share=True, of=_LEARNER)
_REVIEWED, _SKIPPED, _BURIED, _DECK_OFF = 0, 1, 2, 3


def _kind(kind: int) -> sa.ColumnElement[int]:
    return sa.literal_column(str(kind), sa.Integer)


_SINCE = sa.bindparam("since", type_=TZDateTime())
# The small facts about the learners' day in one round trip (as bot.study's _TODAY for one).
_TODAY = sa.union_all(
    sa.select(_kind(_REVIEWED), _LOG.c.learner_id, _LOG.c.card_id, _LOG.c.reviewed_at)
    .where(_LOG.c.learner_id.in_(_IDS), _LOG.c.reviewed_at >= _SINCE),
    sa.select(sa.case((_PROMPT.c.outcome == "buried", _kind(_BURIED)), else_=_kind(_SKIPPED)),
              _PROMPT.c.learner_id, _PROMPT.c.card_id, _PROMPT.c.asked_at)
    .where(_PROMPT.c.learner_id.in_(_IDS),
           sa.or_(_PROMPT.c.outcome == "skipped", _PROMPT.c.outcome == "buried"),
           _PROMPT.c.asked_at >= _SINCE),
    sa.select(_kind(_DECK_OFF), _DECK_CHOICE.c.learner_id, _DECK_CHOICE.c.deck_id, sa.null())
    .where(_DECK_CHOICE.c.learner_id.in_(_IDS), _DECK_CHOICE.c.enabled == sa.false()),
)
# Every state of the learners: the ones seen, those introduced today, and those due soon.
_STATES = sa.select(_STATE.c.learner_id, _STATE.c.card_id, _STATE.c.state, _STATE.c.due,
                    _STATE.c.suspended, _STATE.c.introduced_at, _STATE.c.id).where(
    _STATE.c.learner_id.in_(_IDS))
# Each row names its learner (one prompt per learner in a group), so the rows need not come
# back in parameter order: SQLAlchemy then sends the group as one multi-row INSERT on SQLite,
# where the ordered form went one statement per prompt.
_ASK = sa.insert(_PROMPT).returning(_PROMPT.c.learner_id, _PROMPT.c.id)
_SET_CURRENT = sa.update(_LEARNER).where(_LEARNER.c.id == sa.bindparam("learner_id")).values(
    current_prompt_id=sa.bindparam("prompt_id"))
_SET_PROMPT = sa.update(_PUSH_CLAIM).where(_PUSH_CLAIM.c.id == sa.bindparam("claim_id")
                                           ).values(prompt_id=sa.bindparam("new_prompt_id"))


def flip_to_sending(session: Session, *, claims: Sequence[tuple[int, int]]) -> set[int]:
    """Flip (claim id, attempts) rows still `claimed` with those attempts to `sending`;
    returns the ids flipped (the fence: only the current owner can send)."""
    if not claims:
        return set()
    ids = sorted(c for c, _ in claims)
    attempts = {a for _, a in claims}
    if len(attempts) == 1:
        rows = session.connection().execute(
            _FLIP_SAME_ATTEMPTS, {"ids": ids, "fence_attempts": attempts.pop()})
    else:
        rows = session.connection().execute(_FLIP, {"ids": ids, "pairs": list(claims)})
    return {r[0] for r in rows}


@dataclass(frozen=True, slots=True)
class Studier:
    """What picking a learner's next card needs of the learner row."""

    learner_id: int
    current_prompt_id: int | None
    timezone: str
    day_boundary_hour: int
    new_per_day: int
    max_reviews_per_day: int
    decks_version: int
    # The card of the current prompt, if that prompt is still open.
    open_card_id: int | None


def studiers(session: Session, *, learner_ids: Sequence[int], lock: bool = False
             ) -> dict[int, Studier]:
    """The learners with their open prompt's card, in one read.

    With `lock`, their study loops are held until the session ends, as bot.store.study's
    `lock_learner` holds one learner's: what is picked for them then rests on what their
    last update committed, and their next update sees the prompt opened here. On SQLite
    that is the write lock (taken before the first read); on PostgreSQL a row lock each.
    """
    if not learner_ids:
        return {}
    connection = session.connection()
    statement = _STUDIERS
    if lock and connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
    elif lock:
        statement = _STUDIERS_LOCKED
    rows = connection.execute(statement, {"ids": sorted(set(learner_ids))})
    return {r[0]: Studier(*r) for r in rows}


@dataclass
class StudyDay:
    """One learner's study facts since their day start, as the study loop's pick reads them
    (bot.study), gathered for many learners at once."""

    reviews_today: int = 0
    skipped_today: set[int] = field(default_factory=set)
    buried_today: set[int] = field(default_factory=set)
    decks_off: set[int] = field(default_factory=set)
    # (card id, state, due) of unsuspended cards due by the look-ahead, soonest first.
    due: list[tuple[int, int, datetime]] = field(default_factory=list)
    introduced_today: int = 0
    seen: set[int] = field(default_factory=set)


def study_days(session: Session, *, starts: Mapping[int, datetime], ahead: datetime
               ) -> dict[int, StudyDay]:
    """The study facts of the learners in `starts` (learner id -> their day start): two
    queries for the whole group instead of three per learner."""
    ids = sorted(starts)
    days = {i: StudyDay() for i in ids}
    if not ids:
        return days
    connection = session.connection()
    for kind, learner_id, item, at in connection.execute(
            _TODAY, {"ids": ids, "since": min(starts.values())}):
        day = days[learner_id]
        if kind == _DECK_OFF:
            day.decks_off.add(item)
        elif at < starts[learner_id]:
            continue
        elif kind == _REVIEWED:
            day.reviews_today += 1
        else:
            day.skipped_today.add(item)
            if kind == _BURIED:
                day.buried_today.add(item)
    due: dict[int, list[tuple[datetime, int, int, int]]] = defaultdict(list)
    for learner_id, card_id, state, due_at, suspended, introduced_at, state_id in (
            connection.execute(_STATES, {"ids": ids})):
        day = days[learner_id]
        day.seen.add(card_id)
        if introduced_at >= starts[learner_id]:
            day.introduced_today += 1
        if not suspended and due_at <= ahead:
            due[learner_id].append((due_at, state_id, card_id, state))
    for learner_id, day in days.items():
        day.due = [(card_id, state, due_at)
                   for due_at, _, card_id, state in sorted(due.get(learner_id, ()))]
    return days


# On PostgreSQL the group's prompts, the learners' pointers to them and the claims' records
# of them are written by one statement: one round trip where three would wait in turn.
_ASK_POINT_RECORD = sa.text("""
WITH asked AS (
    INSERT INTO study_prompt (learner_id, card_id, asked_at)
    SELECT l, c, :now FROM unnest(CAST(:learners AS integer[]), CAST(:cards AS integer[]))
        AS t(l, c)
    ORDER BY l
    RETURNING id, learner_id
), pointed AS (
    UPDATE learner SET current_prompt_id = asked.id FROM asked
    WHERE learner.id = asked.learner_id
), recorded AS (
    UPDATE push_claim SET prompt_id = asked.id
    FROM asked JOIN unnest(CAST(:learners AS integer[]), CAST(:claims AS integer[]))
        AS p(l, claim_id) ON p.l = asked.learner_id
    WHERE push_claim.id = p.claim_id
)
SELECT learner_id, id FROM asked
""").bindparams(sa.bindparam("now", type_=TZDateTime()))


def open_prompts(session: Session, *, cards: Mapping[int, int], now: datetime,
                 claims: Mapping[int, int] | None = None) -> dict[int, int]:
    """Open a study prompt for each learner (learner id -> card id), make it their current
    one, and record it on their push claim (`claims`: learner id -> claim id); returns
    learner id -> prompt id. One statement on PostgreSQL; elsewhere one multi-row INSERT
    and two batched UPDATEs."""
    if not cards:
        return {}
    learners = sorted(cards)
    claims = claims or {}
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # A learner without a claim gets claim id 0, which names no row.
        return {r[0]: r[1] for r in connection.execute(_ASK_POINT_RECORD, {
            "now": now, "learners": learners, "cards": [cards[i] for i in learners],
            "claims": [claims.get(i, 0) for i in learners]})}
    prompts: dict[int, int] = {r[0]: r[1] for r in connection.execute(
        _ASK, [{"learner_id": i, "card_id": cards[i], "asked_at": now} for i in learners])}
    set_current_prompts(session, prompts=prompts)
    set_prompts(session, prompts={claims[i]: p for i, p in prompts.items() if i in claims})
    return prompts


def set_current_prompts(session: Session, *, prompts: Mapping[int, int | None]) -> None:
    """learner id -> their current prompt (None: no card open)."""
    if prompts:
        session.connection().execute(
            _SET_CURRENT, [{"learner_id": i, "prompt_id": p} for i, p in prompts.items()])


def set_prompts(session: Session, *, prompts: Mapping[int, int]) -> None:
    """Remember the prompt each quiz push opened (claim id -> prompt id)."""
    if prompts:
        session.connection().execute(
            _SET_PROMPT, [{"claim_id": c, "new_prompt_id": p} for c, p in prompts.items()])
