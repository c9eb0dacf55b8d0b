"""Study use cases: each takes a session and `now`, does one thing, and returns a result.

Every showing of a card is a StudyPrompt row. Rating buttons name the prompt, and the first
press closes it with a conditional UPDATE, so double presses, stale buttons and concurrent
instances all record at most one review, on SQLite and on PostgreSQL alike.

One learner's study-loop updates take turns: each use case below first takes the learner's
lock (`bot.store.study.lock_learner`) and only then reads what it decides on, so an /undo
racing a rating press, or two /undo at once, each see the other's committed result and act
on it (or answer that it is already done), never on a stale read.

Answering, rating, picking the next card and registering the learner run for nearly every
update, so they use Core statements built once at import (below), not ORM objects and
flushes: building and flushing cost several times the CPU of the database work itself. The
rarer use cases keep the ORM.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot import grading
from bot.catalog import Catalog, CatalogCard
from bot.scheduling import (
    Memory,
    Rating,
    SchedulerConfig,
    State,
    day_start,
    is_leech,
    local_day,
    new_memory,
    review,
)
from bot.store.models import CardState, ClassMember, Learner, LearnerDeck, ReviewLog, StudyPrompt
from bot.store.study import lock_learner

LEARN_AHEAD = timedelta(minutes=20)


@dataclass(frozen=True, slots=True)
class Question:
    prompt_id: int
    card: CatalogCard
    deck_title: str
    is_new: bool
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class NothingDue:
    next_due: datetime | None
    tz: str = "UTC"
    # Why nothing new comes although new cards wait: today's limit (`new_per_day`) is spent
    # and `new_waiting` cards are unseen; or every one of the learner's decks is switched off.
    new_per_day: int = 0
    new_waiting: int = 0
    all_decks_off: bool = False


@dataclass(frozen=True, slots=True)
class Graded:
    prompt_id: int
    card: CatalogCard
    grade: grading.Grade
    truncated: bool


@dataclass(frozen=True, slots=True)
class NoOpenCard:
    pass


@dataclass(frozen=True, slots=True)
class Recorded:
    rating: Rating
    next_due: datetime
    leech: bool
    next: Question | NothingDue
    tz: str


@dataclass(frozen=True, slots=True)
class AlreadyRated:
    pass


@dataclass(frozen=True, slots=True)
class StaleButton:
    pass


@dataclass(frozen=True, slots=True)
class AlreadyDone:
    """A second press of bury or suspend on the same card."""


@dataclass(frozen=True, slots=True)
class Undone:
    card: CatalogCard
    rating: Rating
    # Whether another card is still open: /study asks that one first.
    card_open: bool


# --- Statements for the hot paths --------------------------------------------------------
# Table columns, not model attributes, so SQLAlchemy skips the ORM's per-call setup; their
# types (TZDateTime) still convert values both ways. Each statement is built once: SQLAlchemy
# then finds its compiled form without rebuilding and re-keying it on every call.


def _table(model: type[Any]) -> sa.Table:
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


_LEARNER = _table(Learner)
_PROMPT = _table(StudyPrompt)
_STATE = _table(CardState)
_LOG = _table(ReviewLog)
_DECK_CHOICE = _table(LearnerDeck)
_MEMBER = _table(ClassMember)

_FIND_LEARNER = sa.select(_LEARNER.c.id, _LEARNER.c.active, _LEARNER.c.chat_id).where(
    _LEARNER.c.telegram_id == bindparam("telegram_id"))
_REACHABLE_AGAIN = sa.update(_LEARNER).where(_LEARNER.c.id == bindparam("learner_id")).values(
    active=True, chat_id=bindparam("new_chat_id"))
# The learner with their open prompt (if the current one is still open): one read per use.
_STUDIER = sa.select(
    _LEARNER.c.id, _LEARNER.c.current_prompt_id, _LEARNER.c.timezone,
    _LEARNER.c.day_boundary_hour, _LEARNER.c.new_per_day, _LEARNER.c.max_reviews_per_day,
    _LEARNER.c.desired_retention, _LEARNER.c.fsrs_parameters, _LEARNER.c.decks_version,
    _PROMPT.c.card_id, _PROMPT.c.asked_at,
).select_from(_LEARNER.outerjoin(_PROMPT, sa.and_(
    _PROMPT.c.id == _LEARNER.c.current_prompt_id, _PROMPT.c.closed_at.is_(None),
))).where(_LEARNER.c.telegram_id == bindparam("telegram_id"))
_SET_CURRENT = sa.update(_LEARNER).where(_LEARNER.c.id == bindparam("learner_id")).values(
    current_prompt_id=bindparam("prompt_id"))

# Kinds of rows in _TODAY, which brings the small facts about today in one round trip.
_REVIEWED, _SKIPPED, _BURIED, _DECK_OFF, _JOINED = 0, 1, 2, 3, 4


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
    # Decks of others the learner joined by a share link (bot.classes).
    sa.select(_kind(_JOINED), _MEMBER.c.deck_id).where(
        _MEMBER.c.learner_id == bindparam("learner_id")),
)
# Reviews and learning steps due by `ahead`, soonest first: an index range, read only as far
# as the first card that may be shown.
_DUE = sa.select(_STATE.c.card_id, _STATE.c.state, _STATE.c.due <= bindparam("now")).where(
    _STATE.c.learner_id == bindparam("learner_id"), _STATE.c.suspended == sa.false(),
    _STATE.c.due <= bindparam("ahead"),
).order_by(_STATE.c.due, _STATE.c.id)
# All of the learner's states in one row: cards introduced today, the ids seen (one string,
# not a row per card: a learner may have thousands) and the next due date.
_STATES_SUMMARY = sa.select(
    sa.func.coalesce(sa.func.sum(sa.case((_STATE.c.introduced_at >= bindparam("start"), 1),
                                         else_=0)), 0),
    sa.func.aggregate_strings(sa.cast(_STATE.c.card_id, sa.String), ","),
    sa.func.min(sa.case((_STATE.c.suspended == sa.false(), _STATE.c.due))),
).where(_STATE.c.learner_id == bindparam("learner_id"))
_ASK = sa.insert(_PROMPT).returning(_PROMPT.c.id)

_ANSWER = sa.update(_PROMPT).where(_PROMPT.c.id == bindparam("prompt_id")).values(
    answer=bindparam("new_answer"), answered_at=bindparam("now"), score=bindparam("new_score"),
    label=bindparam("new_label"), suggested_rating=bindparam("new_suggested_rating"))
_CLOSE = sa.update(_PROMPT).where(_PROMPT.c.id == bindparam("prompt_id")).values(
    closed_at=bindparam("now"), outcome=bindparam("new_outcome"))
# The guard: only the first press on this learner's answered, open prompt changes a row.
_CLAIM = sa.update(_PROMPT).where(
    _PROMPT.c.id == bindparam("prompt_id"), _PROMPT.c.learner_id == bindparam("owner_id"),
    _PROMPT.c.closed_at.is_(None), _PROMPT.c.answered_at.is_not(None),
).values(closed_at=bindparam("now"), outcome="rated").returning(
    _PROMPT.c.card_id, _PROMPT.c.asked_at, _PROMPT.c.answered_at, _PROMPT.c.score,
    _PROMPT.c.label)
_PROMPT_OWNER = sa.select(_PROMPT.c.learner_id, _PROMPT.c.outcome).where(
    _PROMPT.c.id == bindparam("prompt_id"))
_MEMORY = (_STATE.c.state, _STATE.c.step, _STATE.c.stability, _STATE.c.difficulty,
           _STATE.c.due, _STATE.c.last_review, _STATE.c.reps, _STATE.c.lapses)
_CARD_STATE = sa.select(_STATE.c.id, _STATE.c.suspended, *_MEMORY).where(
    _STATE.c.learner_id == bindparam("learner_id"), _STATE.c.card_id == bindparam("card_id"))
# inline(): no RETURNING of the new id, which nothing here needs.
_ADD_STATE = sa.insert(_STATE).inline()
_STORE_STATE = sa.update(_STATE).where(_STATE.c.id == bindparam("state_id")).values(
    {column: bindparam(f"new_{column.name}") for column in (*_MEMORY, _STATE.c.suspended)})
_ADD_LOG = sa.insert(_LOG).inline()


def _run(session: Session, statement: sa.Executable, **params: Any) -> sa.Result[*tuple[Any, ...]]:
    return session.execute(statement, params)


def ensure_learner(
    session: Session, *, telegram_id: int, chat_id: int, first_name: str, now: datetime
) -> int:
    """Fetch or create the learner (returning their id); any message from them also marks
    them reachable again. Runs before every update, so a known learner costs one small read.
    """
    known = _run(session, _FIND_LEARNER, telegram_id=telegram_id).first()
    if known is not None:
        learner_id, active, known_chat = known
        if not active or known_chat != chat_id:
            _run(session, _REACHABLE_AGAIN, learner_id=learner_id, new_chat_id=chat_id)
        return int(learner_id)
    learner = Learner(
        telegram_id=telegram_id, chat_id=chat_id,
        first_name=first_name.replace("\x00", "")[:256], created_at=now
    )
    # Added inside the savepoint: begin_nested() flushes pending objects before it opens,
    # so a learner added outside it would fail the whole session, not just the savepoint.
    try:
        with session.begin_nested():
            session.add(learner)
    except sa.exc.IntegrityError:  # another update from the same user won the race
        return int(_run(session, _FIND_LEARNER, telegram_id=telegram_id).one()[0])
    assert learner.id is not None
    return learner.id


def _learner(session: Session, telegram_id: int) -> Learner | None:
    return session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).first()


def scheduler_config(learner: Learner, *, fuzzing: bool) -> SchedulerConfig:
    return _config(learner.desired_retention, learner.fsrs_parameters, fuzzing=fuzzing)


def _config(desired_retention: float, fsrs_parameters: str | None, *, fuzzing: bool
            ) -> SchedulerConfig:
    parameters = (None if fsrs_parameters is None
                  else tuple(float(w) for w in json.loads(fsrs_parameters)))
    return SchedulerConfig(desired_retention=desired_retention, fuzzing=fuzzing,
                           parameters=parameters)


@dataclass(frozen=True, slots=True)
class _Studier:
    """What the study loop needs of a learner, read with their open prompt (_STUDIER)."""

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


def _studier(session: Session, telegram_id: int) -> _Studier | None:
    row = _run(session, _STUDIER, telegram_id=telegram_id).first()
    return None if row is None else _Studier(*row)


def _set_current_prompt(session: Session, learner: _Studier, prompt_id: int | None) -> None:
    if learner.current_prompt_id != prompt_id:
        _run(session, _SET_CURRENT, learner_id=learner.id, prompt_id=prompt_id)


def _pick_card(
    session: Session, learner: _Studier, catalog: Catalog, now: datetime,
    *, avoid: int | None = None,
) -> tuple[CatalogCard, bool] | NothingDue:
    """Reviews first, then new cards within today's limit; skipped cards go last, and the
    card `avoid` (the one just skipped) comes only when nothing else may be shown."""
    start = day_start(local_day(now, learner.timezone, learner.day_boundary_hour),
                      learner.timezone, learner.day_boundary_hour)
    today = _run(session, _TODAY, learner_id=learner.id, start=start).all()
    reviews_today = sum(n for kind, n in today if kind == _REVIEWED)
    skipped_today = {card_id for kind, card_id in today if kind in (_SKIPPED, _BURIED)}
    # Buried cards wait for tomorrow; skipped ones only go to the back of today's queue.
    buried_today = {card_id for kind, card_id in today if kind == _BURIED}
    off = {deck_id for kind, deck_id in today if kind == _DECK_OFF}
    joined = sorted(deck_id for kind, deck_id in today if kind == _JOINED)
    decks = catalog.decks_for(learner.id, joined)
    if decks and all(deck_id in off for deck_id, _, _ in decks):
        return NothingDue(next_due=None, tz=learner.timezone, all_decks_off=True)
    # Only this learner's decks: everybody's personal decks are in the catalog too.
    mine = catalog.cards_for(learner.id, skip_decks=off, joined=joined)
    allowed = {card.id for card in mine if card.id not in buried_today}
    review_room = reviews_today < learner.max_reviews_per_day
    # Due cards that may be shown but wait: learning steps due within minutes, cards skipped
    # today, and reviews over today's limit.
    waiting: list[int] = []
    with _run(session, _DUE, learner_id=learner.id, now=now, ahead=now + LEARN_AHEAD) as rows:
        for card_id, state, due_now in rows:
            if card_id not in allowed or not (due_now or state != State.REVIEW):
                continue
            if review_room and due_now and card_id not in skipped_today:
                return catalog.cards[card_id], False
            waiting.append(card_id)
    introduced_today, seen_ids, upcoming = _run(
        session, _STATES_SUMMARY, learner_id=learner.id, start=start).one()
    seen = {int(card_id) for card_id in seen_ids.split(",")} if seen_ids else set()
    unseen = [c for c in mine if c.id not in seen and c.id in allowed]
    fallback: tuple[CatalogCard, bool] | None = None
    if introduced_today < learner.new_per_day and unseen:
        unseen.sort(key=lambda c: (c.id == avoid, c.id in skipped_today))
        if unseen[0].id != avoid:
            return unseen[0], True
        fallback = unseen[0], True
    # Learning steps due within the next minutes, then anything skipped earlier today.
    ahead = [card_id for card_id in waiting if card_id not in skipped_today] or waiting
    ahead.sort(key=lambda card_id: card_id == avoid)
    if ahead and ahead[0] != avoid:
        return catalog.cards[ahead[0]], False
    if fallback is not None:
        return fallback
    if ahead:
        return catalog.cards[ahead[0]], False
    limit_spent = introduced_today >= learner.new_per_day
    return NothingDue(next_due=upcoming, tz=learner.timezone, new_per_day=learner.new_per_day,
                      new_waiting=len(unseen) if limit_spent else 0)


def _next(
    session: Session, learner: _Studier, catalog: Catalog, now: datetime,
    *, open_card_id: int | None, avoid: int | None = None,
) -> Question | NothingDue:
    """Ask the open card again, or pick the next one and open a prompt for it.

    `learner.current_prompt_id` is what the database holds; `open_card_id` is the card of
    that prompt if it is still open.
    """
    if open_card_id is not None and open_card_id in catalog.cards:
        assert learner.current_prompt_id is not None
        card = catalog.cards[open_card_id]
        return Question(learner.current_prompt_id, card, catalog.title(card.deck_id),
                        is_new=False, repeated=True)
    picked = _pick_card(session, learner, catalog, now, avoid=avoid)
    if isinstance(picked, NothingDue):
        _set_current_prompt(session, learner, None)
        return picked
    card, is_new = picked
    prompt_id = _run(session, _ASK, learner_id=learner.id, card_id=card.id,
                     asked_at=now).scalar_one()
    _set_current_prompt(session, learner, prompt_id)
    return Question(prompt_id, card, catalog.title(card.deck_id), is_new)


def next_card(
    session: Session, *, telegram_id: int, catalog: Catalog, now: datetime
) -> Question | NothingDue:
    lock_learner(session, telegram_id=telegram_id)
    learner = _studier(session, telegram_id)
    if learner is None:
        return NothingDue(None)
    catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    return _next(session, learner, catalog, now, open_card_id=learner.open_card_id)


def submit_answer(
    session: Session, *, telegram_id: int, text: str, catalog: Catalog, now: datetime
) -> Graded | NoOpenCard:
    lock_learner(session, telegram_id=telegram_id)
    learner = _studier(session, telegram_id)
    if (learner is None or learner.current_prompt_id is None or learner.open_asked_at is None
            or learner.open_card_id is None):
        return NoOpenCard()
    catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    card = catalog.cards.get(learner.open_card_id)
    if card is None:
        return NoOpenCard()
    truncated = len(text) > grading.MAX_ANSWER_CHARS
    answer = text[:grading.MAX_ANSWER_CHARS].replace("\x00", "")  # PostgreSQL text cannot hold NUL
    elapsed = (now - learner.open_asked_at).total_seconds()
    result = grading.grade(card, answer, deck=catalog.siblings(card), elapsed_s=elapsed)
    _run(session, _ANSWER, prompt_id=learner.current_prompt_id, new_answer=answer, now=now,
         new_score=result.score, new_label=result.label.value,
         new_suggested_rating=int(result.rating))
    return Graded(learner.current_prompt_id, card, result, truncated)


def rate(
    session: Session, *, telegram_id: int, prompt_id: int, rating: Rating, catalog: Catalog,
    now: datetime, fuzzing: bool,
) -> Recorded | AlreadyRated | StaleButton:
    lock_learner(session, telegram_id=telegram_id)
    learner = _studier(session, telegram_id)
    if learner is None:
        return StaleButton()
    claimed = _run(session, _CLAIM, prompt_id=prompt_id, owner_id=learner.id,
                   now=now).one_or_none()
    if claimed is None:
        prompt = _run(session, _PROMPT_OWNER, prompt_id=prompt_id).first()
        if prompt is not None and tuple(prompt) == (learner.id, "rated"):
            return AlreadyRated()
        return StaleButton()
    card_id, asked_at, answered_at, score, label = claimed
    catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    state = _run(session, _CARD_STATE, learner_id=learner.id, card_id=card_id).first()
    before = None if state is None else _memory(state[2:])
    memory = review(before or new_memory(now), rating, now,
                    _config(learner.desired_retention, learner.fsrs_parameters,
                            fuzzing=fuzzing))
    was_suspended = state is not None and bool(state.suspended)
    leech = is_leech(memory) and rating == Rating.AGAIN and not was_suspended
    values = _memory_values(memory)
    if state is None:
        _run(session, _ADD_STATE, learner_id=learner.id, card_id=card_id, suspended=leech,
             introduced_at=now, **values)
    else:
        _run(session, _STORE_STATE, state_id=state.id, new_suspended=was_suspended or leech,
             **{f"new_{name}": value for name, value in values.items()})
    _run(session, _ADD_LOG, learner_id=learner.id, card_id=card_id, prompt_id=prompt_id,
         rating=int(rating), reviewed_at=now,
         duration_ms=int((answered_at - asked_at).total_seconds() * 1000), score=score,
         label=label, state_before=dump_memory(before))
    # The rated prompt was the open one, unless another card has been shown since.
    still_open = None if learner.current_prompt_id == prompt_id else learner.open_card_id
    following = _next(session, learner, catalog, now, open_card_id=still_open)
    return Recorded(rating, memory.due, leech, following, learner.timezone)


def _memory(row: Sequence[Any]) -> Memory:
    state, step, stability, difficulty, due, last_review, reps, lapses = row
    return Memory(State(state), step, stability, difficulty, due, last_review, reps, lapses)


def _memory_values(memory: Memory) -> dict[str, Any]:
    return {"state": int(memory.state), "step": memory.step, "stability": memory.stability,
            "difficulty": memory.difficulty, "due": memory.due,
            "last_review": memory.last_review, "reps": memory.reps, "lapses": memory.lapses}


def store_memory(state: CardState, memory: Memory) -> None:
    for name, value in _memory_values(memory).items():
        setattr(state, name, value)


def dump_memory(memory: Memory | None) -> str:
    if memory is None:
        return "null"
    # Not asdict(): it deep-copies every value (datetimes too), four times the cost.
    data = {field.name: getattr(memory, field.name) for field in fields(memory)}
    for name in ("due", "last_review"):
        if data[name] is not None:
            data[name] = data[name].isoformat()
    return json.dumps(data)


def _load(text: str) -> Memory | None:
    data = json.loads(text)
    if data is None:
        return None
    for name in ("due", "last_review"):
        if data[name] is not None:
            data[name] = datetime.fromisoformat(data[name])
    data["state"] = State(data["state"])
    return Memory(**data)


def locked_learner(session: Session, *, telegram_id: int) -> Learner | None:
    """The learner, their study loop held for this unit of work (see lock_learner)."""
    lock_learner(session, telegram_id=telegram_id)
    return session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).first()


def close_prompt(session: Session, *, telegram_id: int, outcome: str, now: datetime) -> bool:
    """End the open card without a review (skip or stop). Returns whether one was open."""
    lock_learner(session, telegram_id=telegram_id)
    learner = _studier(session, telegram_id)
    if learner is None or learner.open_card_id is None:
        return False
    _run(session, _CLOSE, prompt_id=learner.current_prompt_id, now=now, new_outcome=outcome)
    _set_current_prompt(session, learner, None)
    return True


def skip(
    session: Session, *, telegram_id: int, catalog: Catalog, now: datetime
) -> Question | NothingDue:
    """Close the open card and show another: the skipped one comes back only when nothing
    else may be shown today."""
    lock_learner(session, telegram_id=telegram_id)
    learner = _studier(session, telegram_id)
    if learner is None:
        return NothingDue(None)
    skipped = learner.open_card_id
    catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    if skipped is not None:
        _run(session, _CLOSE, prompt_id=learner.current_prompt_id, now=now,
             new_outcome="skipped")
    return _next(session, learner, catalog, now, open_card_id=None, avoid=skipped)


def undo(session: Session, *, telegram_id: int, catalog: Catalog) -> Undone | None:
    """Revert the last review exactly: the card's state before it, and the log entry.

    Under the learner's lock, so the last review is the last one committed: an /undo racing
    a rating press undoes one or the other whole, and two /undo undo two reviews.
    """
    lock_learner(session, telegram_id=telegram_id)
    learner = _learner(session, telegram_id)
    if learner is None:
        return None
    last = session.exec(
        select(ReviewLog).where(ReviewLog.learner_id == learner.id)
        .order_by(col(ReviewLog.id).desc()).limit(1)
    ).first()
    if last is None:
        return None
    state = session.exec(
        select(CardState).where(
            CardState.learner_id == learner.id, CardState.card_id == last.card_id
        )
    ).first()
    before = _load(last.state_before)
    if state is not None and before is None:
        session.delete(state)
    elif state is not None and before is not None:
        store_memory(state, before)
        state.suspended = False
    prompt = session.get(StudyPrompt, last.prompt_id)
    if prompt is not None:
        prompt.outcome = "undone"
    session.delete(last)
    assert learner.id is not None
    card = catalog.for_learner(session, learner.id, learner.decks_version).cards.get(last.card_id)
    if card is None:
        return None
    open_prompt = (None if learner.current_prompt_id is None
                   else session.get(StudyPrompt, learner.current_prompt_id))
    card_open = open_prompt is not None and open_prompt.closed_at is None
    return Undone(card, Rating(last.rating), card_open=card_open)


def prompt_card(
    session: Session, *, telegram_id: int, prompt_id: int, catalog: Catalog
) -> CatalogCard | None:
    """The card shown by one of this learner's prompts (None for anyone else's)."""
    learner = _learner(session, telegram_id)
    prompt = session.get(StudyPrompt, prompt_id)
    if learner is None or learner.id is None or prompt is None or prompt.learner_id != learner.id:
        return None
    return catalog.for_learner(session, learner.id, learner.decks_version).cards.get(
        prompt.card_id)


@dataclass(frozen=True, slots=True)
class CardSetAside:
    card: CatalogCard
    action: str
    next: Question | NothingDue


def set_card_aside(
    session: Session, *, telegram_id: int, prompt_id: int, action: str, catalog: Catalog,
    now: datetime,
) -> CardSetAside | StaleButton | AlreadyDone:
    """Suspend a card (until the learner brings it back) or bury it until tomorrow."""
    lock_learner(session, telegram_id=telegram_id)
    learner = _learner(session, telegram_id)
    prompt = session.get(StudyPrompt, prompt_id)
    if learner is not None and learner.id is not None:
        catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    if (learner is None or learner.id is None or prompt is None
            or prompt.learner_id != learner.id or prompt.card_id not in catalog.cards
            # Rated (its buttons are gone) or undone since the buttons were shown.
            or prompt.outcome in ("rated", "undone")):
        return StaleButton()
    if prompt.outcome == ("buried" if action == "bury" else "suspended"):
        return AlreadyDone()
    if action == "suspend":
        state = session.exec(select(CardState).where(
            CardState.learner_id == learner.id, CardState.card_id == prompt.card_id)).first()
        if state is None:
            state = CardState(learner_id=learner.id, card_id=prompt.card_id, due=now,
                              introduced_at=now)
            session.add(state)
        state.suspended = True
    if prompt.closed_at is None:
        prompt.closed_at = now
        prompt.outcome = "buried" if action == "bury" else "suspended"
    elif action == "bury" and prompt.outcome != "rated":
        prompt.outcome = "buried"
    if learner.current_prompt_id == prompt_id:
        learner.current_prompt_id = None
    session.flush()
    following = next_card(session, telegram_id=telegram_id, catalog=catalog, now=now)
    return CardSetAside(catalog.cards[prompt.card_id], action, following)
