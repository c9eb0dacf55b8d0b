"""Daily push bookkeeping in the database: claims, due counts, outcomes.

The database, not the scheduler, guarantees one push per learner per local day. Every push
is a `push_claim` row, unique on (learner_id, local_date), that moves through:

    claimed --(just before the send)--> sending --> sent
       |                                   |------> failed   (surely not delivered: Telegram
       |                                   |                 refused it, or we gave up)
       |                                   |------> unknown  (may have been delivered: a
       |                                   |                 timeout mid-send, or a crash)
       |                                   |------> retry    (429 outlived the rate limiter)
       |--> skipped  (nothing due, missed beyond the catch-up window, or before signup)
    sent --(💤 Later)--> snoozed --(its `not_before` has passed: reclaimed)--> claimed ...

* Quiz: a push carries the first due card's question. The flip to ``sending`` opens that
  card's study prompt (bot.study.next_card) in the same transaction and records it on the
  row, so a crash cannot send a question whose prompt was never stored, and a row flipped
  once cannot open a second prompt. A learner whose open card was asked or answered within
  `bot.reminders.SESSION_IDLE` is not claimed yet: the push waits until the session is idle.
  After a week of ignored pushes the day's push is a check-in, then one a week
  (bot.reminders.push_kind); the days between are settled `skipped` silently.

* Claim: a batched ``INSERT .. ON CONFLICT DO NOTHING RETURNING``. Whoever inserts the row
  owns the push; another instance (or a tick after a restart) inserts nothing and moves on.
  Rows are inserted in learner order so two PostgreSQL instances never deadlock.
* Fencing: `attempts` is bumped on every (re)claim, and the flip to ``sending`` is a
  conditional UPDATE on (id, attempts, status='claimed'). Only the current owner can send.
* Holders: each row names the process that claimed it (`holder`, a `push_holder` row with a
  heartbeat every `HOLDER_BEAT`). A holder is gone when its beat is older than
  `HOLDER_STALE`, or at once when it ran on this host and its process no longer runs
  (bot.liveness). Its rows are then taken over without waiting for the lease, which remains
  only for rows without a holder.
* Crash semantics, at-most-once: a row is flipped to ``sending`` (and committed) before
  Telegram is called. A crash leaves either
    - ``claimed``: Telegram was certainly not called. Once its holder is gone (or after
      `LEASE`) any instance may reclaim it and send: nothing is lost.
    - ``sending``: the message may or may not have gone out. It is never sent again; once
      its holder is gone it is swept to ``unknown``, not ``failed``: most such rows were
      delivered and their outcome was still buffered when the process died. A lost
      reminder is cheaper than a duplicate.
  The same reasoning applies to an ambiguous network failure (a read timeout after the
  request left): no retry, and the row is ``unknown``.
* ``retry`` (Telegram kept answering 429 after the rate limiter's own retries): the send
  certainly did not happen, so the next tick reclaims it while the catch-up window lasts.

Every function takes the session first and keyword-only arguments, and never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from bot import study
from bot.catalog import Catalog
from bot.liveness import Holder, ProcessIdentity, runs_here
from bot.reminders import (
    IGNORED_FOR,
    SESSION_IDLE,
    Decision,
    PushKind,
    Window,
    decide,
    held_for_session,
    push_kind,
)
from bot.scheduling import day_start, local_day
from bot.store import quiz_push
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
)

# A claim without a holder, not flipped to `sending` (or finished) within this long, belongs
# to a dead process.
LEASE = timedelta(minutes=10)
MAX_ATTEMPTS = 5
# Holders beat this often (bot.jobs.pushes) and are gone once silent this long; the
# margin covers a loaded host and clock skew between hosts.
HOLDER_BEAT = timedelta(seconds=10)
HOLDER_STALE = timedelta(seconds=45)


class PushStatus(StrEnum):
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    RETRY = "retry"
    UNKNOWN = "unknown"
    SNOOZED = "snoozed"


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


@dataclass(frozen=True, slots=True)
class Batch:
    """What one claiming step did: candidates seen, claims won to send, rows skipped."""

    found: int
    claims: list[Claim]
    skipped: int


@dataclass(frozen=True, slots=True)
class Claim:
    """A push this process owns and should send (due_count > 0)."""

    claim_id: int
    attempts: int
    learner_id: int
    chat_id: int
    local_date: date
    due_count: int
    telegram_id: int = 0
    kind: PushKind = PushKind.QUIZ


@dataclass(frozen=True, slots=True)
class Sending:
    """A claim flipped to `sending`, with the question its push carries (None: a check-in,
    or a reminder-only push)."""

    claim: Claim
    question: study.Question | None


def _eligible() -> list[sa.ColumnElement[bool]]:
    return [col(Learner.active) == sa.true(), col(Learner.reminders_paused) == sa.false()]


_CANDIDATE_COLUMNS: tuple[Any, ...] = (
    col(Learner.id), col(Learner.chat_id), col(Learner.timezone), col(Learner.push_time),
    col(Learner.created_at), col(Learner.new_per_day), col(Learner.max_reviews_per_day),
    col(Learner.day_boundary_hour), col(Learner.telegram_id),
    sa.func.coalesce(col(StudyPrompt.answered_at), col(StudyPrompt.asked_at)),
)
# The learner's open card, if any: when it was last asked or answered (held_for_session).
_WITH_OPEN_PROMPT = sa.outerjoin(
    Learner, StudyPrompt,
    sa.and_(col(StudyPrompt.id) == col(Learner.current_prompt_id),
            col(StudyPrompt.closed_at).is_(None)))


def _candidate(row: Any, local_date: date) -> Candidate:
    return Candidate(row[0], row[1], row[2], row[3], local_date, row[4], row[5], row[6], row[7],
                     row[8], row[9])


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
    session: Session, *, windows: Sequence[Window], telegram_id: int | None = None,
    limit: int | None = None,
) -> list[Candidate]:
    """Eligible learners with no claim yet for the date of a window they fall in.

    One statement per pass over the learners, not one per window: each zone is in at most
    one window per date "generation" (today / yesterday), so a CASE gives a learner's date.
    """
    found: list[Candidate] = []
    for generation in _generations(windows):
        query = candidates_query(generation, telegram_id=telegram_id)
        if limit is not None:
            query = query.limit(limit - len(found))
        for row in session.execute(query):
            found.append(_candidate(row, row[10]))
        if limit is not None and len(found) >= limit:
            break
    return found


def candidates_query(
    generation: Sequence[Window], *, telegram_id: int | None = None,
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


def _generations(windows: Sequence[Window]) -> list[list[Window]]:
    """Split windows so no zone appears twice in a group (latest dates first)."""
    groups: list[list[Window]] = []
    seen: list[set[str]] = []
    for window in sorted(windows, key=lambda w: w.local_date, reverse=True):
        for group, zones in zip(groups, seen, strict=True):
            if zones.isdisjoint(window.zones):
                group.append(window)
                zones.update(window.zones)
                break
        else:
            groups.append([window])
            seen.append(set(window.zones))
    return groups


_PUSH_CLAIM: sa.Table = PushClaim.__table__  # type: ignore[attr-defined]


def _insert(session: Session) -> Any:
    return upsert_insert(session, _PUSH_CLAIM)


def claim(
    session: Session, *, decided: Sequence[tuple[Candidate, Decision]], now: datetime,
    holder: str | None = None,
) -> tuple[list[Claim], int]:
    """Insert the day's row for each decided candidate; return the claims this call won
    that have cards due, and how many rows were recorded as skipped.

    Rows for learners with nothing due, or decided too late / before signup, go in as
    `skipped` so the day is settled and never looked at again.
    """
    todo = sorted(((c, d) for c, d in decided if d is not Decision.NOT_YET),
                  key=lambda cd: (cd[0].learner_id, cd[0].local_date))
    if not todo:
        return [], 0
    rows = [
        {"learner_id": c.learner_id, "local_date": c.local_date, "claimed_at": now,
         "status": PushStatus.CLAIMED if d is Decision.SEND else PushStatus.SKIPPED,
         "attempts": 1 if d is Decision.SEND else 0, "due_count": 0, "holder": holder}
        for c, d in todo
    ]
    cols = _PUSH_CLAIM.c
    stmt = _insert(session).on_conflict_do_nothing(
        index_elements=["learner_id", "local_date"]
    ).returning(cols.id, cols.learner_id, cols.local_date, cols.status)
    # Parameters as a list, not .values(rows): the statement is compiled once and cached,
    # and SQLAlchemy batches it into multi-row INSERTs ("insertmanyvalues"). A 1,000-row
    # VALUES clause was compiled afresh for every batch, a fifth of the push path's CPU.
    won = session.connection().execute(stmt, rows).all()
    by_key = {(c.learner_id, c.local_date): c for c, _ in todo}
    mine = [(row[0], 1, by_key[(row[1], row[2])]) for row in won
            if row[3] == PushStatus.CLAIMED]
    skipped = len(won) - len(mine)
    claims, nothing_due = _settle(session, owned=mine, now=now)
    return claims, skipped + nothing_due


def reclaim(
    session: Session, *, now: datetime, since: date, holder: str, wall_now: datetime,
    limit: int = 1000,
) -> list[tuple[int, int, int, date, datetime | None]]:
    """Take over `retry` rows, `snoozed` rows whose time has come, and `claimed` rows whose
    owner died (holder gone, or lease expired for rows without a holder).

    Returns (claim_id, attempts, learner_id, local_date, not_before) of the rows this call
    won (not_before is set for a snoozed push). Retry and claimed rows certainly never
    reached Telegram, so sending them cannot duplicate; a snoozed one is a second push the
    learner asked for. One UPDATE, so the
    transaction starts by writing (SQLite then waits for the lock instead of failing), and
    on PostgreSQL a row another instance just took no longer matches and is skipped.
    """
    stmt = reclaim_statement(now=now, since=since, limit=limit, holder=holder,
                             wall_now=wall_now)
    return [(r[0], r[1], r[2], r[3], r[4]) for r in session.execute(stmt).all()]


def _abandoned(*, now: datetime, wall_now: datetime) -> sa.ColumnElement[bool]:
    """A row whose holder is gone: no fresh heartbeat row (gone processes' rows are deleted by
    `forget_gone_holders`), or, for a row without a holder, an expired lease."""
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


def settle_reclaimed(
    session: Session, *, rows: Sequence[tuple[int, int, int, date, datetime | None]],
    now: datetime, catchup: timedelta,
) -> tuple[list[Claim], int]:
    """Recount and send reclaimed rows still worth sending; settle the rest (paused or
    inactive since, past the catch-up window, or out of attempts).

    A snoozed push is sent when its time comes, whatever the catch-up window says, unless
    the learner is studying right then: it then waits for the session to be idle.
    """
    learners = learners_by_id(session, ids=[r[2] for r in rows])
    owned: list[tuple[int, int, Candidate]] = []
    skip: list[int] = []
    give_up: list[int] = []
    held: list[int] = []
    snoozed: set[int] = set()
    for claim_id, attempts, learner_id, day, not_before in rows:
        cand = learners.get(learner_id)
        if attempts > MAX_ATTEMPTS:
            give_up.append(claim_id)
            continue
        if not_before is not None and cand is not None:
            if held_for_session(cand.last_step, now):
                held.append(claim_id)
            else:
                snoozed.add(claim_id)
                owned.append((claim_id, attempts, replace(cand, local_date=day)))
            continue
        verdict = None if cand is None else decide(
            day=day, push_time=cand.push_time, tz=cand.timezone, created_at=cand.created_at,
            now=now, catchup=catchup)
        if cand is None or verdict is not Decision.SEND:
            skip.append(claim_id)
            continue
        owned.append((claim_id, attempts, replace(cand, local_date=day)))
    if held:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(held))
                        .values(status=PushStatus.SNOOZED, not_before=now + SESSION_IDLE))
    if skip:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(skip))
                        .values(status=PushStatus.SKIPPED))
    if give_up:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(give_up))
                        .values(status=PushStatus.FAILED))
    claims, nothing_due = _settle(session, owned=owned, now=now, always_quiz=snoozed)
    return claims, len(skip) + len(held) + nothing_due


def claim_due(
    session: Session, *, candidates: Sequence[Candidate], now: datetime, catchup: timedelta,
    holder: str | None = None,
) -> Batch:
    """Decide and claim a batch found by `find_candidates` (in a separate, read-only session:
    this one must start by writing)."""
    decided = [(c, _decide_or_hold(c, now=now, catchup=catchup)) for c in candidates]
    claims, skipped = claim(session, decided=decided, now=now, holder=holder)
    return Batch(len(candidates), claims, skipped)


def _decide_or_hold(c: Candidate, *, now: datetime, catchup: timedelta) -> Decision:
    """`decide`, except that a learner in the middle of a session is not claimed yet: a
    later tick finds them again once the session is idle (or the catch-up window is over)."""
    verdict = decide(day=c.local_date, push_time=c.push_time, tz=c.timezone,
                     created_at=c.created_at, now=now, catchup=catchup)
    if verdict is Decision.SEND and held_for_session(c.last_step, now):
        return Decision.NOT_YET
    return verdict


def reclaim_due(
    session: Session, *, now: datetime, catchup: timedelta, limit: int, holder: str,
    wall_now: datetime,
) -> Batch:
    """Reclaim retryable rows of today and yesterday and settle them in one transaction."""
    rows = reclaim(session, now=now, since=(now - timedelta(days=2)).date(), limit=limit,
                   holder=holder, wall_now=wall_now)
    claims, skipped = settle_reclaimed(session, rows=rows, now=now, catchup=catchup)
    return Batch(len(rows), claims, skipped)


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


def _settle(
    session: Session, *, owned: Sequence[tuple[int, int, Candidate]], now: datetime,
    always_quiz: set[int] | frozenset[int] = frozenset(),
) -> tuple[list[Claim], int]:
    if not owned:
        return [], 0
    counts = count_due_many(session, learners=[c for _, _, c in owned], now=now)
    due_now = [(i, a, c) for i, a, c in owned if counts.get(c.learner_id, 0) > 0]
    kinds = _push_kinds(session, owned=due_now, now=now, always_quiz=always_quiz)
    claims: list[Claim] = []
    empty: list[int] = []
    by_kind: dict[str, list[int]] = defaultdict(list)
    by_count: dict[int, list[int]] = defaultdict(list)
    for claim_id, attempts, cand in owned:
        due = counts.get(cand.learner_id, 0)
        kind = kinds.get(claim_id, PushKind.QUIZ)
        if due <= 0 or kind is PushKind.QUIET:
            empty.append(claim_id)
            if kind is PushKind.QUIET:
                by_kind[kind].append(claim_id)
            continue
        if kind is not PushKind.QUIZ:
            by_kind[kind].append(claim_id)
        by_count[due].append(claim_id)
        claims.append(Claim(claim_id, attempts, cand.learner_id, cand.chat_id,
                            cand.local_date, due, cand.telegram_id, kind))
    quiz_push.set_kinds(session, kinds=by_kind)
    if empty:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(empty))
                        .values(status=PushStatus.SKIPPED, due_count=0))
    # Learners mostly share a handful of counts, so this is a few statements per batch.
    for due, ids in by_count.items():
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(ids))
                        .values(due_count=due))
    return claims, len(empty)


def _push_kinds(
    session: Session, *, owned: Sequence[tuple[int, int, Candidate]], now: datetime,
    always_quiz: set[int] | frozenset[int],
) -> dict[int, PushKind]:
    """Each claim's kind, from the pushes delivered since the learner's last review.

    Two small indexed reads per batch. Only two weeks of pushes are read: with weekly
    check-ins, a learner who has ignored pushes for longer always has one in that range.
    """
    wanted = [c for i, _, c in owned if i not in always_quiz]
    if not wanted:
        return {}
    ids = [c.learner_id for c in wanted]
    reviewed = quiz_push.last_reviews(session, learner_ids=ids)
    earliest = min(c.local_date for c in wanted) - 2 * IGNORED_FOR
    pushed = quiz_push.delivered_pushes(session, learner_ids=ids, since=earliest)
    kinds: dict[int, PushKind] = {}
    for claim_id, _, cand in owned:
        if claim_id in always_quiz or not pushed.get(cand.learner_id):
            continue
        studied = reviewed.get(cand.learner_id, cand.created_at)
        ignored = [(day, kind) for day, at, kind in pushed[cand.learner_id]
                   if at > studied and day < cand.local_date]
        kinds[claim_id] = push_kind(
            today=cand.local_date, ignored_days=[day for day, _ in ignored],
            checkin_days=[day for day, kind in ignored if kind == PushKind.CHECKIN])
    return kinds


def count_due_many(
    session: Session, *, learners: Sequence[Candidate], now: datetime,
) -> dict[int, int]:
    """Cards each learner could study now: due reviews (within today's review limit) plus
    new cards still allowed today (within `new_per_day`, and that exist).

    The same rules as `bot.study._pick_card`, counted for many learners in a few queries:
    only decks the learner has on (/decks) count, and a personal deck only for its owner and
    the learners who joined it (bot.classes).
    """
    if not learners:
        return {}
    starts: dict[datetime, list[int]] = defaultdict(list)
    for c in learners:
        day = local_day(now, c.timezone, c.day_boundary_hour)
        starts[day_start(day, c.timezone, c.day_boundary_hour)].append(c.learner_id)
    ids = sorted({c.learner_id for c in learners})
    ts = TZDateTime()

    def since_start(column: Any) -> sa.ColumnElement[int]:
        # Each learner's study day starts at a different instant; the CASE picks theirs.
        whens = [
            (sa.and_(col(column.table.c.learner_id).in_(group),
                     column >= sa.literal(start, ts)), 1)
            for start, group in starts.items()
        ]
        return sa.func.sum(sa.case(*whens, else_=0))

    live = col(Card.retired) == sa.false()
    # Per learner and deck, so decks switched off can be left out below.
    state_rows = session.execute(
        sa.select(
            col(CardState.learner_id), col(Card.deck_id),
            sa.func.sum(sa.case((sa.and_(live, col(CardState.due) <= sa.literal(now, ts),
                                         col(CardState.suspended) == sa.false()), 1), else_=0)),
            since_start(CardState.__table__.c.introduced_at),  # type: ignore[attr-defined]
            sa.func.sum(sa.case((live, 1), else_=0)),
        ).join(Card, col(Card.id) == col(CardState.card_id))
        .where(col(CardState.learner_id).in_(ids))
        .group_by(col(CardState.learner_id), col(Card.deck_id))
    ).all()
    earliest = min(starts)
    review_rows = session.execute(
        sa.select(col(ReviewLog.learner_id),
                  since_start(ReviewLog.__table__.c.reviewed_at))  # type: ignore[attr-defined]
        .where(col(ReviewLog.learner_id).in_(ids),
               col(ReviewLog.reviewed_at) >= sa.literal(earliest, ts))
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
    decks = _live_cards_per_deck(session, owners=ids,
                                 joined=sorted(set().union(*joined.values())))

    def visible(deck_id: int, learner_id: int) -> bool:
        return _visible(decks.get(deck_id), learner_id) or (
            deck_id in decks and deck_id in joined[learner_id])

    shared_cards = sum(n for owner, n in decks.values() if owner is None)
    own_cards: dict[int, int] = defaultdict(int)
    for owner, n in decks.values():
        if owner is not None:
            own_cards[owner] += n
    due_reviews: dict[int, int] = defaultdict(int)
    introduced_today: dict[int, int] = defaultdict(int)
    seen_live: dict[int, int] = defaultdict(int)
    for learner_id, deck_id, due, introduced, seen in state_rows:
        # The daily new-card limit counts cards introduced in any deck, as study does.
        introduced_today[learner_id] += int(introduced or 0)
        if deck_id in off[learner_id] or not visible(deck_id, learner_id):
            continue
        due_reviews[learner_id] += int(due or 0)
        seen_live[learner_id] += int(seen or 0)
    reviewed = {r[0]: int(r[1] or 0) for r in review_rows}
    counts: dict[int, int] = {}
    for c in learners:
        lid = c.learner_id
        available = shared_cards + own_cards[lid] + sum(
            decks[d][1] for d in joined[lid] if d in decks) - sum(
            decks[d][1] for d in off[lid] if visible(d, lid))
        review_room = max(0, c.max_reviews_per_day - reviewed.get(lid, 0))
        new_room = max(0, min(c.new_per_day - introduced_today[lid], available - seen_live[lid]))
        counts[lid] = min(due_reviews[lid], review_room) + new_room
    return counts


def _live_cards_per_deck(session: Session, *, owners: Sequence[int], joined: Sequence[int] = ()
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


def _visible(deck: tuple[int | None, int] | None, learner_id: int) -> bool:
    return deck is not None and deck[0] in (None, learner_id)


def start_sending(session: Session, *, claims: Sequence[Claim]) -> set[int]:
    """Flip owned claims to `sending`; returns the ids this process may now send.

    Committed before any send: from here on a crash means "maybe sent", never resent.
    """
    if not claims:
        return set()
    return _flip_to_sending(session, claims=claims)


def start_quiz_sending(session: Session, *, claims: Sequence[Claim], catalog: Catalog,
                       now: datetime) -> list[Sending]:
    """Flip owned claims to `sending` and open each quiz push's study prompt, in one
    transaction: what is returned may be sent, and every question in it has its prompt.

    The prompt is the study loop's own (bot.study.next_card): the learner's open card if one
    is still open, else the next due card, so the typed answer is graded like any other.
    A claim whose learner has nothing to study after all (the count and the pick disagree
    at a deck's edge) is settled `skipped` and not sent.
    """
    if not claims:
        return []
    mine = _flip_to_sending(session, claims=claims)
    ready: list[Sending] = []
    prompts: dict[int, int] = {}
    nothing: list[int] = []
    for c in claims:
        if c.claim_id not in mine:
            continue
        if c.kind is not PushKind.QUIZ:
            ready.append(Sending(c, None))
            continue
        asked = study.next_card(session, telegram_id=c.telegram_id, catalog=catalog, now=now)
        if isinstance(asked, study.NothingDue):
            nothing.append(c.claim_id)
            continue
        prompts[c.claim_id] = asked.prompt_id
        ready.append(Sending(c, asked))
    quiz_push.set_prompts(session, prompts=prompts)
    if nothing:
        session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(nothing))
                        .values(status=PushStatus.SKIPPED))
    return ready


def _flip_to_sending(session: Session, *, claims: Sequence[Claim]) -> set[int]:
    pairs = [(c.claim_id, c.attempts) for c in claims]
    stmt = sa.update(PushClaim).where(
        # The plain id list lets SQLite search the primary key; on its own, the (id, attempts)
        # fence makes it scan the whole table, once per group of sends.
        col(PushClaim.id).in_([c.claim_id for c in claims]),
        sa.tuple_(col(PushClaim.id), col(PushClaim.attempts)).in_(pairs),
        # `status || ''`, not `status`: the same test, but one that `ix_push_claim_open`
        # cannot serve. PostgreSQL otherwise ANDs that index in, and its 'claimed' range
        # holds a dead entry for every row flipped since the last vacuum: 2-3 ms a flip,
        # thousands of flips a peak hour, against ~0.2 ms by the primary key alone.
        col(PushClaim.status).concat("") == PushStatus.CLAIMED,
    ).values(status=PushStatus.SENDING).returning(col(PushClaim.id))
    return {r[0] for r in session.execute(stmt).all()}


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


def sweep_stale_sending(session: Session, *, now: datetime, wall_now: datetime,
                        me: ProcessIdentity) -> int:
    """Rows left `sending` by a dead process: maybe sent, so settle them as `unknown`.

    Holders known gone are forgotten first, in the same transaction, so their rows count as
    abandoned here and in the reclaims that follow.
    """
    forget_gone_holders(session, me=me, wall_now=wall_now)
    result = session.execute(sweep_statement(now=now, wall_now=wall_now))
    return int(result.rowcount)  # type: ignore[attr-defined]


def sweep_statement(*, now: datetime, wall_now: datetime) -> sa.Update:
    """The UPDATE behind `sweep_stale_sending` (reads `ix_push_claim_open` only)."""
    return (sa.update(PushClaim).where(col(PushClaim.status) == PushStatus.SENDING,
                                       _abandoned(now=now, wall_now=wall_now))
            .values(status=PushStatus.UNKNOWN))


# -- holders -----------------------------------------------------------------------------


def beat(session: Session, *, holder: Holder, wall_now: datetime) -> None:
    """Say this holder is alive (and register it on its first beat)."""
    found = session.execute(sa.update(PushHolder).where(col(PushHolder.id) == holder.id)
                            .values(seen_at=wall_now))
    if found.rowcount:  # type: ignore[attr-defined]
        return
    session.add(PushHolder(id=holder.id, host=holder.process.host, pid=holder.process.pid,
                           pid_started=holder.process.started, started_at=wall_now,
                           seen_at=wall_now))


def drop_holder(session: Session, *, holder_id: str) -> None:
    """A holder stopping cleanly: whatever it still holds is free at once."""
    session.execute(sa.delete(PushHolder).where(col(PushHolder.id) == holder_id))


def forget_gone_holders(session: Session, *, me: ProcessIdentity, wall_now: datetime) -> int:
    """Delete the rows of holders known gone: silent for `LEASE`, or on this host with their
    process no longer running. Their claims then count as abandoned."""
    rows = session.execute(sa.select(
        col(PushHolder.id), col(PushHolder.host), col(PushHolder.pid),
        col(PushHolder.pid_started), col(PushHolder.seen_at))).all()
    gone = [
        holder_id for holder_id, host, pid, started, seen in rows
        if seen < wall_now - LEASE or (
            (host, pid) != (me.host, me.pid)
            and runs_here(ProcessIdentity(host=host, pid=pid, started=started)) is False)
    ]
    if gone:
        session.execute(sa.delete(PushHolder).where(col(PushHolder.id).in_(gone)))
    return len(gone)


def claim_rows(session: Session, *, learner_id: int | None = None) -> list[PushClaim]:
    """Push rows, oldest first (for the CLI, tests and the benchmark)."""
    query = select(PushClaim).order_by(col(PushClaim.local_date), col(PushClaim.id))
    if learner_id is not None:
        query = query.where(PushClaim.learner_id == learner_id)
    return list(session.exec(query).all())
