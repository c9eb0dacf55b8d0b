"""Queries of the study loop (bot.study), and its serialization: one learner's updates take turns.

Every study-loop unit of work (a rating, /skip, /stop, /undo, bury, suspend, /study) calls
`lock_learner` before it reads anything of the learner's, so each one sees everything the
previous one committed and decides on that, never on a read that a concurrent update has
since made stale. An answer, the most frequent, is guarded by its conditional UPDATE instead
(`take_turn_to_answer`).

Answering, rating and picking the next card run for nearly every update, so they use Core
statements built once at import (below), not ORM objects and flushes: building and flushing
cost several times the CPU of the database work itself. The rarer use cases keep the ORM.
Table columns, not model attributes, so SQLAlchemy skips the ORM's per-call setup; their
types (TZDateTime) still convert values both ways. Each statement is built once: SQLAlchemy
then finds its compiled form without rebuilding and re-keying it on every call.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.store.db import begin_transaction, defer, owns_transaction, pipeline, pipelining
from bot.store.models import CardState, Learner, LearnerDeck, ReviewLog, StudyPrompt, table_of

_LEARNER = table_of(Learner)
_PROMPT = table_of(StudyPrompt)
_STATE = table_of(CardState)
_LOG = table_of(ReviewLog)
_DECK_CHOICE = table_of(LearnerDeck)

# FOR NO KEY UPDATE, not FOR UPDATE: a row inserted elsewhere that refers to the learner (a
# push, a prompt) takes a KEY SHARE lock on it, which this lock lets through.
_LOCK = sa.select(_LEARNER.c.id).where(
    _LEARNER.c.telegram_id == bindparam("telegram_id")).with_for_update(key_share=True)


def lock_learner(session: Session, *, telegram_id: int) -> None:
    """Hold this learner's study loop until the session ends (commit or rollback).

    PostgreSQL: a row lock on the learner, so the same learner's other units wait and the
    other learners do not. SQLite has one writer at a time anyway: `BEGIN IMMEDIATE` takes
    the write lock before the first read instead of at the first write. Taken again in the
    same session it is a no-op on both.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        # The driver opens a transaction only at the first write; one already open here has
        # written (the learner's registration), so it holds the write lock already.
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    begin_transaction(session)
    connection.execute(_LOCK, {"telegram_id": telegram_id})


def take_turn_to_answer(session: Session, *, telegram_id: int) -> None:
    """What an answer holds before it reads: on SQLite the write lock, as `lock_learner`; on
    PostgreSQL nothing, so an answer costs no lock and no transaction: `record_answer` stores
    it only on a prompt still open, and the answer is read and graded again otherwise."""
    if session.connection().dialect.name == "sqlite":
        lock_learner(session, telegram_id=telegram_id)


@dataclass(frozen=True, slots=True)
class Studier:
    """What the study loop needs of a learner, read with their open prompt."""

    id: int
    current_prompt_id: int | None
    timezone: str
    day_boundary_hour: int
    new_per_day: int
    max_reviews_per_day: int
    desired_retention: float
    fsrs_parameters: str | None
    decks_version: int
    # The card of the current prompt and when it was asked, if that prompt is still open.
    open_card_id: int | None
    open_asked_at: datetime | None
    # What registration checks (bot.learners.register_seen): whether a push found the bot
    # blocked, and the chat pushes go to.
    active: bool
    chat_id: int


# The learner with their open prompt (if the current one is still open): one read per use.
_STUDIER = sa.select(
    _LEARNER.c.id, _LEARNER.c.current_prompt_id, _LEARNER.c.timezone,
    _LEARNER.c.day_boundary_hour, _LEARNER.c.new_per_day, _LEARNER.c.max_reviews_per_day,
    _LEARNER.c.desired_retention, _LEARNER.c.fsrs_parameters, _LEARNER.c.decks_version,
    _PROMPT.c.card_id, _PROMPT.c.asked_at, _LEARNER.c.active, _LEARNER.c.chat_id,
).select_from(_LEARNER.outerjoin(_PROMPT, sa.and_(
    _PROMPT.c.id == _LEARNER.c.current_prompt_id, _PROMPT.c.closed_at.is_(None),
))).where(_LEARNER.c.telegram_id == bindparam("telegram_id"))
# The same read under the learner's lock (see lock_learner): one statement for both.
_LOCKED_STUDIER = _STUDIER.with_for_update(key_share=True, of=_LEARNER)
_SET_CURRENT = sa.update(_LEARNER).where(_LEARNER.c.id == bindparam("learner_id")).values(
    current_prompt_id=bindparam("prompt_id"))


def studier(session: Session, *, telegram_id: int) -> Studier | None:
    row = session.execute(_STUDIER, {"telegram_id": telegram_id}).first()
    return None if row is None else Studier(*row)


def _studier(rows: Sequence[Sequence[Any]]) -> Studier | None:
    return Studier(*rows[0]) if rows else None


def locked_studier(session: Session, *, telegram_id: int) -> Studier | None:
    """`studier`, read after taking the learner's lock (`lock_learner`).

    PostgreSQL: the lock is the read (FOR NO KEY UPDATE OF the learner row), and a unit
    that starts outside a transaction sends its BEGIN in the same round trip (bot.store.db.
    pipeline)."""
    if session.connection().dialect.name == "sqlite":
        lock_learner(session, telegram_id=telegram_id)
        return studier(session, telegram_id=telegram_id)
    params = {"telegram_id": telegram_id}
    if pipelining(session):
        (rows,) = pipeline(session, [(_LOCKED_STUDIER, params)], begin=_outside(session))
        return _studier(rows)
    return _studier(session.execute(_LOCKED_STUDIER, params).all())


def _outside(session: Session) -> bool:
    """Whether the unit has no transaction open on the server yet."""
    raw = session.connection().connection.dbapi_connection
    return raw is not None and raw.info.transaction_status == 0  # psycopg's IDLE


def claim_locked(session: Session, *, telegram_id: int, prompt_id: int, now: datetime
                 ) -> tuple[Studier | None, Claimed | None]:
    """`locked_studier`, then `claim_prompt` for that learner: on PostgreSQL in one round
    trip, the claim naming its owner by Telegram id (it runs after the lock, which it
    follows in the pipeline)."""
    if not (session.connection().dialect.name == "postgresql" and pipelining(session)):
        learner = locked_studier(session, telegram_id=telegram_id)
        if learner is None:
            return None, None
        return learner, claim_prompt(session, prompt_id=prompt_id, learner_id=learner.id,
                                     now=now)
    studier_rows, claimed = pipeline(session, [
        (_LOCKED_STUDIER, {"telegram_id": telegram_id}),
        (_CLAIM_BY_TELEGRAM_ID_WITH_STATE, {"prompt_id": prompt_id, "telegram_id": telegram_id,
                                            "now": now})], begin=_outside(session))
    return _studier(studier_rows), (_claimed(claimed[0]) if claimed else None)


def set_current_prompt(session: Session, *, learner_id: int, prompt_id: int | None) -> None:
    params = {"learner_id": learner_id, "prompt_id": prompt_id}
    if pipelining(session):
        defer(session, _SET_CURRENT, params)
        return
    session.execute(_SET_CURRENT, params)


@dataclass(frozen=True, slots=True)
class Today:
    """The small facts about a learner's day that picking a card needs."""

    reviews: int
    skipped: frozenset[int]  # cards skipped or buried today
    buried: frozenset[int]
    decks_off: frozenset[int]


# Kinds of rows in _TODAY, which brings the small facts about today in one round trip.
_REVIEWED, _SKIPPED, _BURIED, _DECK_OFF = 0, 1, 2, 3


def _kind(kind: int) -> sa.ColumnElement[int]:
    return sa.literal_column(str(kind), sa.Integer)


_TODAY = sa.union_all(
    sa.select(_kind(_REVIEWED), sa.func.count()).where(
        _LOG.c.learner_id == bindparam("learner_id"), _LOG.c.reviewed_at >= bindparam("start")),
    sa.select(sa.case((_PROMPT.c.outcome == "buried", _kind(_BURIED)), else_=_kind(_SKIPPED)),
              _PROMPT.c.card_id).where(
        _PROMPT.c.learner_id == bindparam("learner_id"),
        # or_, not in_(): an IN list is re-rendered into the SQL on every execution.
        sa.or_(_PROMPT.c.outcome == "skipped", _PROMPT.c.outcome == "buried"),
        _PROMPT.c.asked_at >= bindparam("start")),
    sa.select(_kind(_DECK_OFF), _DECK_CHOICE.c.deck_id).where(
        _DECK_CHOICE.c.learner_id == bindparam("learner_id"),
        _DECK_CHOICE.c.enabled == sa.false()),
)


def today(session: Session, *, learner_id: int, start: datetime) -> Today:
    """Reviews since `start`, cards skipped or buried since then, and decks switched off."""
    return _today(session.execute(_TODAY, {"learner_id": learner_id, "start": start}).all())


def _today(rows: Sequence[Sequence[Any]]) -> Today:
    return Today(
        reviews=sum(n for kind, n in rows if kind == _REVIEWED),
        skipped=frozenset(card_id for kind, card_id in rows if kind in (_SKIPPED, _BURIED)),
        buried=frozenset(card_id for kind, card_id in rows if kind == _BURIED),
        decks_off=frozenset(deck_id for kind, deck_id in rows if kind == _DECK_OFF))


# Reviews and learning steps due by `ahead`, soonest first: an index range, read only as far
# as the first card that may be shown.
_DUE = sa.select(_STATE.c.card_id, _STATE.c.state, _STATE.c.due <= bindparam("now")).where(
    _STATE.c.learner_id == bindparam("learner_id"), _STATE.c.suspended == sa.false(),
    _STATE.c.due <= bindparam("ahead"),
).order_by(_STATE.c.due, _STATE.c.id)


@contextmanager
def due_cards(session: Session, *, learner_id: int, now: datetime, ahead: datetime
              ) -> Iterator[Iterator[tuple[int, int, bool]]]:
    """(card id, state, due by `now`) of the cards due by `ahead`, soonest first, streamed:
    the caller stops reading at the first card it may show."""
    with session.execute(_DUE, {"learner_id": learner_id, "now": now, "ahead": ahead}) as rows:
        yield (tuple(row) for row in rows)


# All of the learner's states in one row: cards introduced today, the ids seen (one string,
# not a row per card: a learner may have thousands) and the next due date.
_STATES_SUMMARY = sa.select(
    sa.func.coalesce(sa.func.sum(sa.case((_STATE.c.introduced_at >= bindparam("start"), 1),
                                         else_=0)), 0),
    sa.func.aggregate_strings(sa.cast(_STATE.c.card_id, sa.String), ","),
    sa.func.min(sa.case((_STATE.c.suspended == sa.false(), _STATE.c.due))),
).where(_STATE.c.learner_id == bindparam("learner_id"))


def states_summary(session: Session, *, learner_id: int, start: datetime
                   ) -> tuple[int, set[int], datetime | None]:
    """(cards introduced since `start`, every card seen, the next due date)."""
    return _summary(session.execute(
        _STATES_SUMMARY, {"learner_id": learner_id, "start": start}).one())


def _summary(row: Sequence[Any]) -> tuple[int, set[int], datetime | None]:
    introduced, seen_ids, upcoming = row
    seen = {int(card_id) for card_id in seen_ids.split(",")} if seen_ids else set()
    return int(introduced), seen, upcoming


class DayFacts:
    """What picking the next card reads of the learner's day: `today`, `due_cards` and
    `states_summary`. Each is read when first asked for, so a pick that stops at the first
    due card reads no summary; a pipelined unit on PostgreSQL (bot.store.db.pipeline) reads
    all three in one round trip instead, with the writes it deferred before them."""

    def __init__(self, session: Session, *, learner_id: int, start: datetime, now: datetime,
                 ahead: datetime) -> None:
        self._session = session
        self._learner_id, self._start, self._now, self._ahead = learner_id, start, now, ahead
        self._today: Today | None = None
        self._due: list[tuple[int, int, bool]] | None = None
        self._summary: tuple[int, set[int], datetime | None] | None = None
        if _postgres(session) and pipelining(session):
            day = {"learner_id": learner_id, "start": start}
            today_rows, due_rows, (summary,) = pipeline(session, [
                (_TODAY, day), (_DUE, {"learner_id": learner_id, "now": now, "ahead": ahead}),
                (_STATES_SUMMARY, day)])
            self._today = _today(today_rows)
            self._due = [(card_id, state, bool(due_now)) for card_id, state, due_now in due_rows]
            self._summary = _summary(summary)

    def today(self) -> Today:
        if self._today is None:
            self._today = today(self._session, learner_id=self._learner_id, start=self._start)
        return self._today

    @contextmanager
    def due_cards(self) -> Iterator[Iterator[tuple[int, int, bool]]]:
        """As `due_cards` (the module's)."""
        if self._due is not None:
            yield iter(self._due)
            return
        with due_cards(self._session, learner_id=self._learner_id, now=self._now,
                       ahead=self._ahead) as rows:
            yield rows

    def states_summary(self) -> tuple[int, set[int], datetime | None]:
        if self._summary is None:
            self._summary = states_summary(self._session, learner_id=self._learner_id,
                                           start=self._start)
        return self._summary


_ASK = sa.insert(_PROMPT).returning(_PROMPT.c.id)
# PostgreSQL: the prompt and the learner's pointer to it in one statement (SQLite has no
# INSERT or UPDATE inside WITH).
_ASKED = sa.insert(_PROMPT).values(
    {column: bindparam(column) for column in ("learner_id", "card_id", "asked_at")},
).returning(_PROMPT.c.id).cte("asked")
_ASK_AS_CURRENT = sa.update(_LEARNER).where(_LEARNER.c.id == bindparam("learner_id")).values(
    current_prompt_id=sa.select(_ASKED.c.id).scalar_subquery(),
).returning(_LEARNER.c.current_prompt_id)


def _postgres(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


def open_current_prompt(session: Session, *, learner_id: int, card_id: int, now: datetime
                        ) -> int:
    """A new showing of the card, made the learner's current one; its id."""
    params = {"learner_id": learner_id, "card_id": card_id, "asked_at": now}
    if _postgres(session) and pipelining(session):
        # The unit's last statement (bot.study._next): it travels with the COMMIT.
        (rows,) = pipeline(session, [(_ASK_AS_CURRENT, params)],
                           commit=owns_transaction(session))
        return int(rows[0][0])
    if _postgres(session):
        return int(session.execute(_ASK_AS_CURRENT, params).scalar_one())
    prompt_id = int(session.execute(_ASK, params).scalar_one())
    set_current_prompt(session, learner_id=learner_id, prompt_id=prompt_id)
    return prompt_id


_ANSWER = sa.update(_PROMPT).where(
    _PROMPT.c.id == bindparam("prompt_id"), _PROMPT.c.closed_at.is_(None),
).values(answer=bindparam("new_answer"), answered_at=bindparam("now"),
         score=bindparam("new_score"), label=bindparam("new_label"),
         suggested_rating=bindparam("new_suggested_rating"))


def record_answer(session: Session, *, prompt_id: int, answer: str, now: datetime,
                  score: float, label: str, suggested_rating: int) -> bool:
    """Store the graded answer on the prompt; False if it was closed meanwhile (rated,
    skipped, set aside), which only an answer that holds no lock can see."""
    result = session.execute(_ANSWER, {"prompt_id": prompt_id, "new_answer": answer, "now": now,
                                       "new_score": score, "new_label": label,
                                       "new_suggested_rating": suggested_rating})
    return bool(getattr(result, "rowcount", 0) == 1)


_CLOSE = sa.update(_PROMPT).where(_PROMPT.c.id == bindparam("prompt_id")).values(
    closed_at=bindparam("now"), outcome=bindparam("new_outcome"))


def close_prompt(session: Session, *, prompt_id: int, now: datetime, outcome: str) -> None:
    params = {"prompt_id": prompt_id, "now": now, "new_outcome": outcome}
    if pipelining(session):
        defer(session, _CLOSE, params)
        return
    session.execute(_CLOSE, params)




def _claim(owner: sa.ColumnElement[Any]) -> sa.Update:
    """The guard: only the first press on this learner's answered, open prompt changes a row."""
    return sa.update(_PROMPT).where(
        _PROMPT.c.id == bindparam("prompt_id"), _PROMPT.c.learner_id == owner,
        _PROMPT.c.closed_at.is_(None), _PROMPT.c.answered_at.is_not(None),
    ).values(closed_at=bindparam("now"), outcome="rated").returning(
        _PROMPT.c.card_id, _PROMPT.c.asked_at, _PROMPT.c.answered_at, _PROMPT.c.score,
        _PROMPT.c.label, _PROMPT.c.learner_id)


_CLAIM = _claim(bindparam("owner_id"))


@dataclass(frozen=True, slots=True)
class Claimed:
    """A prompt closed as rated by `claim_prompt`, with its card's state before the rating."""

    card_id: int
    asked_at: datetime
    answered_at: datetime
    score: float | None
    label: str | None
    state: StateRow | None


def claim_prompt(session: Session, *, prompt_id: int, learner_id: int, now: datetime
                 ) -> Claimed | None:
    """Close the learner's answered, open prompt as rated, and read its card's state; None
    when the prompt is not theirs, not answered or closed already."""
    params = {"prompt_id": prompt_id, "owner_id": learner_id, "now": now}
    if _postgres(session):
        row = session.execute(_CLAIM_WITH_STATE, params).one_or_none()
        return None if row is None else _claimed(row)
    claimed = session.execute(_CLAIM, params).one_or_none()
    if claimed is None:
        return None
    card_id, asked_at, answered_at, score, label, _ = claimed
    return Claimed(card_id, asked_at, answered_at, score, label,
                   card_state(session, learner_id=learner_id, card_id=card_id))


_PROMPT_OWNER = sa.select(_PROMPT.c.learner_id, _PROMPT.c.outcome).where(
    _PROMPT.c.id == bindparam("prompt_id"))


def prompt_owner(session: Session, *, prompt_id: int) -> tuple[int, str | None] | None:
    """(learner id, outcome) of a prompt."""
    row = session.execute(_PROMPT_OWNER, {"prompt_id": prompt_id}).first()
    return None if row is None else (row[0], row[1])


MEMORY_COLUMNS = ("state", "step", "stability", "difficulty", "due", "last_review", "reps",
                  "lapses")
_MEMORY = tuple(_STATE.c[name] for name in MEMORY_COLUMNS)
_CARD_STATE = sa.select(_STATE.c.id, _STATE.c.suspended, *_MEMORY).where(
    _STATE.c.learner_id == bindparam("learner_id"), _STATE.c.card_id == bindparam("card_id"))


@dataclass(frozen=True, slots=True)
class StateRow:
    id: int
    suspended: bool
    memory: tuple[Any, ...]  # MEMORY_COLUMNS, in order


def card_state(session: Session, *, learner_id: int, card_id: int) -> StateRow | None:
    row = session.execute(_CARD_STATE, {"learner_id": learner_id, "card_id": card_id}).first()
    return None if row is None else StateRow(row[0], bool(row[1]), tuple(row[2:]))


def _with_state(claim: sa.Update) -> sa.Select[Any]:
    """PostgreSQL: the claim and the state of its card in one statement."""
    claimed = claim.cte("claimed")
    return sa.select(
        claimed.c.card_id, claimed.c.asked_at, claimed.c.answered_at, claimed.c.score,
        claimed.c.label, _STATE.c.id, _STATE.c.suspended, *_MEMORY,
    ).select_from(claimed.outerjoin(_STATE, sa.and_(
        _STATE.c.learner_id == claimed.c.learner_id, _STATE.c.card_id == claimed.c.card_id)))


_CLAIM_WITH_STATE = _with_state(_CLAIM)
_CLAIM_BY_TELEGRAM_ID_WITH_STATE = _with_state(_claim(
    sa.select(_LEARNER.c.id).where(_LEARNER.c.telegram_id == bindparam("telegram_id"))
    .scalar_subquery()))


def _claimed(row: Sequence[Any]) -> Claimed:
    state = None if row[5] is None else StateRow(row[5], bool(row[6]), tuple(row[7:]))
    return Claimed(row[0], row[1], row[2], row[3], row[4], state)

# inline(): no RETURNING of the new id, which nothing here needs.
_ADD_STATE = sa.insert(_STATE).inline()
_STORE_STATE = sa.update(_STATE).where(_STATE.c.id == bindparam("state_id")).values(
    {column: bindparam(f"new_{column.name}") for column in (*_MEMORY, _STATE.c.suspended)})
_ADD_LOG = sa.insert(_LOG).inline()


# PostgreSQL: the state and the log entry in one statement. The log's columns are bound
# under their own names (log_*): a statement's parameters share one namespace.
_LOG_VALUES: dict[str, Any] = {column: bindparam(f"log_{column}") for column in (
    "learner_id", "card_id", "prompt_id", "rating", "reviewed_at", "duration_ms", "score",
    "label", "state_before")}
_ADD_STATE_AND_LOG = sa.insert(_LOG).values(_LOG_VALUES).add_cte(
    sa.insert(_STATE).values({column: bindparam(column) for column in (
        "learner_id", "card_id", "suspended", "introduced_at", *MEMORY_COLUMNS)})
    .cte("added_state"))
_STORE_STATE_AND_LOG = sa.insert(_LOG).values(_LOG_VALUES).add_cte(
    sa.update(_STATE).where(_STATE.c.id == bindparam("state_id")).values(
        {column: bindparam(f"new_{column.name}") for column in (*_MEMORY, _STATE.c.suspended)})
    .cte("stored_state"))


@dataclass(frozen=True, slots=True)
class Review:
    """A review's entry in the log (review_log)."""

    learner_id: int
    card_id: int
    prompt_id: int
    rating: int
    reviewed_at: datetime
    duration_ms: int
    score: float | None
    label: str | None
    state_before: str


def record_review(session: Session, review: Review, *, state_id: int | None, suspended: bool,
                  memory: dict[str, Any]) -> None:
    """Store the card's new state (a new row when `state_id` is None) and log the review."""
    log = {name: getattr(review, name) for name in Review.__slots__}
    if _postgres(session):
        # A pipelined unit reads nothing back: the write goes with its next round trip.
        execute = (functools.partial(defer, session) if pipelining(session)
                   else session.execute)
        if state_id is None:
            execute(_ADD_STATE_AND_LOG, {
                "learner_id": review.learner_id, "card_id": review.card_id,
                "suspended": suspended, "introduced_at": review.reviewed_at, **memory,
                **{f"log_{name}": value for name, value in log.items()}})
        else:
            execute(_STORE_STATE_AND_LOG, {
                "state_id": state_id, "new_suspended": suspended,
                **{f"new_{name}": value for name, value in memory.items()},
                **{f"log_{name}": value for name, value in log.items()}})
        return
    if state_id is None:
        session.execute(_ADD_STATE, {"learner_id": review.learner_id, "card_id": review.card_id,
                                     "suspended": suspended,
                                     "introduced_at": review.reviewed_at, **memory})
    else:
        session.execute(_STORE_STATE, {
            "state_id": state_id, "new_suspended": suspended,
            **{f"new_{name}": value for name, value in memory.items()}})
    session.execute(_ADD_LOG, log)


# --- The rarer use cases, as ORM objects -------------------------------------------------


def last_review(session: Session, *, learner_id: int) -> ReviewLog | None:
    return session.exec(select(ReviewLog).where(ReviewLog.learner_id == learner_id)
                        .order_by(col(ReviewLog.id).desc()).limit(1)).first()


def card_state_row(session: Session, *, learner_id: int, card_id: int) -> CardState | None:
    return session.exec(select(CardState).where(
        CardState.learner_id == learner_id, CardState.card_id == card_id)).first()


def prompt(session: Session, *, prompt_id: int) -> StudyPrompt | None:
    return session.get(StudyPrompt, prompt_id)


def add(session: Session, row: CardState) -> None:
    session.add(row)


def delete(session: Session, rows: Sequence[CardState | ReviewLog]) -> None:
    for row in rows:
        session.delete(row)


def save(session: Session) -> None:
    """Write the ORM changes so far, before the Core statements that follow read them."""
    session.flush()
