"""Study use cases: each takes a session and `now`, does one thing, and returns a result.

Every showing of a card is a StudyPrompt row. Rating buttons name the prompt, and the first
press closes it with a conditional UPDATE, so double presses, stale buttons and concurrent
instances all record at most one review, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot import grading
from bot.catalog import Catalog, CatalogCard
from bot.deck_choice import disabled_decks
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
from bot.store.models import CardState, Learner, ReviewLog, StudyPrompt

MAX_ANSWER_CHARS = 2000  # what we store and grade; longer answers are cut, and the reply says so
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
class Undone:
    card: CatalogCard
    rating: Rating


def ensure_learner(
    session: Session, *, telegram_id: int, chat_id: int, first_name: str, now: datetime
) -> Learner:
    """Fetch or create the learner; any message from them also marks them reachable again."""
    learner = session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).first()
    if learner is None:
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
            learner = session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).one()
    elif not learner.active or learner.chat_id != chat_id:
        learner.active = True
        learner.chat_id = chat_id
    return learner


def _learner(session: Session, telegram_id: int) -> Learner | None:
    return session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).first()


def scheduler_config(learner: Learner, *, fuzzing: bool) -> SchedulerConfig:
    parameters = (None if learner.fsrs_parameters is None
                  else tuple(float(w) for w in json.loads(learner.fsrs_parameters)))
    return SchedulerConfig(desired_retention=learner.desired_retention, fuzzing=fuzzing,
                           parameters=parameters)


def _memory(state: CardState) -> Memory:
    return Memory(
        state=State(state.state), step=state.step, stability=state.stability,
        difficulty=state.difficulty, due=state.due, last_review=state.last_review,
        reps=state.reps, lapses=state.lapses,
    )


def _open_prompt(session: Session, learner: Learner) -> StudyPrompt | None:
    if learner.current_prompt_id is None:
        return None
    prompt = session.get(StudyPrompt, learner.current_prompt_id)
    if prompt is None or prompt.closed_at is not None:
        return None
    return prompt


def _pick_card(
    session: Session, learner: Learner, catalog: Catalog, now: datetime
) -> tuple[CatalogCard, bool] | NothingDue:
    """Reviews first, then new cards within today's limit; skipped cards go last."""
    assert learner.id is not None
    start = day_start(local_day(now, learner.timezone, learner.day_boundary_hour),
                      learner.timezone, learner.day_boundary_hour)
    set_aside = session.exec(
        select(StudyPrompt.card_id, StudyPrompt.outcome).where(
            StudyPrompt.learner_id == learner.id,
            col(StudyPrompt.outcome).in_(("skipped", "buried")),
            StudyPrompt.asked_at >= start,
        )
    ).all()
    skipped_today = {card_id for card_id, _ in set_aside}
    # Buried cards wait for tomorrow; skipped ones only go to the back of today's queue.
    buried_today = {card_id for card_id, outcome in set_aside if outcome == "buried"}
    reviews_today = session.exec(
        select(func.count()).select_from(ReviewLog).where(
            ReviewLog.learner_id == learner.id, ReviewLog.reviewed_at >= start
        )
    ).one()
    states = session.exec(
        select(CardState).where(
            CardState.learner_id == learner.id, CardState.suspended == False,  # noqa: E712
            CardState.due <= now + LEARN_AHEAD,
        ).order_by(col(CardState.due))
    ).all()
    off = disabled_decks(session, learner_id=learner.id)
    # Only this learner's decks: everybody's personal decks are in the catalog too.
    mine = catalog.cards_for(learner.id, skip_decks=off)
    allowed = {card.id for card in mine if card.id not in buried_today}
    live = [s for s in states if s.card_id in allowed]
    due = [s for s in live if s.due <= now or s.state != State.REVIEW]
    if reviews_today < learner.max_reviews_per_day:
        fresh = [s for s in due if s.card_id not in skipped_today and s.due <= now]
        if fresh:
            return catalog.cards[fresh[0].card_id], False
    introduced_today = session.exec(
        select(func.count()).select_from(CardState).where(
            CardState.learner_id == learner.id, CardState.introduced_at >= start
        )
    ).one()
    if introduced_today < learner.new_per_day:
        seen = set(session.exec(
            select(CardState.card_id).where(CardState.learner_id == learner.id)
        ).all())
        unseen = [c for c in mine if c.id not in seen and c.id in allowed]
        unseen.sort(key=lambda c: c.id in skipped_today)
        if unseen:
            return unseen[0], True
    # Learning steps due within the next minutes, then anything skipped earlier today.
    ahead = [s for s in due if s.card_id not in skipped_today] or due
    if ahead:
        return catalog.cards[ahead[0].card_id], False
    upcoming = session.exec(
        select(func.min(CardState.due)).where(
            CardState.learner_id == learner.id, CardState.suspended == False  # noqa: E712
        )
    ).one()
    return NothingDue(next_due=upcoming, tz=learner.timezone)


def next_card(
    session: Session, *, telegram_id: int, catalog: Catalog, now: datetime
) -> Question | NothingDue:
    learner = _learner(session, telegram_id)
    if learner is None:
        return NothingDue(None)
    open_prompt = _open_prompt(session, learner)
    if open_prompt is not None and open_prompt.card_id in catalog.cards:
        card = catalog.cards[open_prompt.card_id]
        return Question(open_prompt.id or 0, card, catalog.title(card.deck_id),
                        is_new=False, repeated=True)
    picked = _pick_card(session, learner, catalog, now)
    if isinstance(picked, NothingDue):
        learner.current_prompt_id = None
        return picked
    card, is_new = picked
    assert learner.id is not None
    prompt = StudyPrompt(learner_id=learner.id, card_id=card.id, asked_at=now)
    session.add(prompt)
    session.flush()
    learner.current_prompt_id = prompt.id
    assert prompt.id is not None
    return Question(prompt.id, card, catalog.title(card.deck_id), is_new)


def submit_answer(
    session: Session, *, telegram_id: int, text: str, catalog: Catalog, now: datetime
) -> Graded | NoOpenCard:
    learner = _learner(session, telegram_id)
    prompt = _open_prompt(session, learner) if learner else None
    if prompt is None or prompt.card_id not in catalog.cards:
        return NoOpenCard()
    card = catalog.cards[prompt.card_id]
    truncated = len(text) > MAX_ANSWER_CHARS
    answer = text[:MAX_ANSWER_CHARS].replace("\x00", "")  # PostgreSQL text cannot hold NUL
    elapsed = (now - prompt.asked_at).total_seconds()
    result = grading.grade(card, answer, deck=catalog.siblings(card), elapsed_s=elapsed)
    prompt.answer = answer
    prompt.answered_at = now
    prompt.score = result.score
    prompt.label = result.label.value
    prompt.suggested_rating = int(result.rating)
    assert prompt.id is not None
    return Graded(prompt.id, card, result, truncated)


def rate(
    session: Session, *, telegram_id: int, prompt_id: int, rating: Rating, catalog: Catalog,
    now: datetime, fuzzing: bool,
) -> Recorded | AlreadyRated | StaleButton:
    learner = _learner(session, telegram_id)
    if learner is None or learner.id is None:
        return StaleButton()
    claimed = session.execute(
        sa.update(StudyPrompt)
        .where(
            col(StudyPrompt.id) == prompt_id, col(StudyPrompt.learner_id) == learner.id,
            col(StudyPrompt.closed_at).is_(None), col(StudyPrompt.answered_at).is_not(None),
        )
        .values(closed_at=now, outcome="rated")
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        prompt = session.get(StudyPrompt, prompt_id)
        if prompt is not None and prompt.learner_id == learner.id and prompt.outcome == "rated":
            return AlreadyRated()
        return StaleButton()
    prompt = session.get(StudyPrompt, prompt_id)
    assert prompt is not None
    state = session.exec(
        select(CardState).where(
            CardState.learner_id == learner.id, CardState.card_id == prompt.card_id
        )
    ).first()
    before = _memory(state) if state is not None else None
    memory = review(before or new_memory(now), rating, now,
                    scheduler_config(learner, fuzzing=fuzzing))
    if state is None:
        state = CardState(learner_id=learner.id, card_id=prompt.card_id, due=now,
                          introduced_at=now)
        session.add(state)
    store_memory(state, memory)
    leech = is_leech(memory) and rating == Rating.AGAIN and not state.suspended
    if leech:
        state.suspended = True
    duration = None
    if prompt.answered_at is not None:
        duration = int((prompt.answered_at - prompt.asked_at).total_seconds() * 1000)
    session.add(ReviewLog(
        learner_id=learner.id, card_id=prompt.card_id, prompt_id=prompt_id, rating=int(rating),
        reviewed_at=now, duration_ms=duration, score=prompt.score, label=prompt.label,
        state_before=dump_memory(before),
    ))
    if learner.current_prompt_id == prompt_id:
        learner.current_prompt_id = None
    session.flush()
    following = next_card(session, telegram_id=telegram_id, catalog=catalog, now=now)
    return Recorded(rating, memory.due, leech, following, learner.timezone)


def store_memory(state: CardState, memory: Memory) -> None:
    state.state = int(memory.state)
    state.step = memory.step
    state.stability = memory.stability
    state.difficulty = memory.difficulty
    state.due = memory.due
    state.last_review = memory.last_review
    state.reps = memory.reps
    state.lapses = memory.lapses


def dump_memory(memory: Memory | None) -> str:
    if memory is None:
        return "null"
    data = asdict(memory)
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


def close_prompt(session: Session, *, telegram_id: int, outcome: str, now: datetime) -> bool:
    """End the open card without a review (skip or stop). Returns whether one was open."""
    learner = _learner(session, telegram_id)
    prompt = _open_prompt(session, learner) if learner else None
    if learner is None or prompt is None:
        return False
    prompt.closed_at = now
    prompt.outcome = outcome
    learner.current_prompt_id = None
    return True


def skip(
    session: Session, *, telegram_id: int, catalog: Catalog, now: datetime
) -> Question | NothingDue:
    close_prompt(session, telegram_id=telegram_id, outcome="skipped", now=now)
    return next_card(session, telegram_id=telegram_id, catalog=catalog, now=now)


def undo(session: Session, *, telegram_id: int, catalog: Catalog) -> Undone | None:
    """Revert the last review exactly: the card's state before it, and the log entry."""
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
    ).one()
    before = _load(last.state_before)
    if before is None:
        session.delete(state)
    else:
        store_memory(state, before)
        state.suspended = False
    prompt = session.get(StudyPrompt, last.prompt_id)
    if prompt is not None:
        prompt.outcome = "undone"
    session.delete(last)
    card = catalog.cards.get(last.card_id)
    if card is None:
        return None
    return Undone(card, Rating(last.rating))


def count_due(session: Session, *, learner_id: int, now: datetime) -> int:
    return session.exec(
        select(func.count()).select_from(CardState).where(
            CardState.learner_id == learner_id, CardState.due <= now,
            CardState.suspended == False,  # noqa: E712
        )
    ).one()


def get_learner(session: Session, *, telegram_id: int) -> Learner | None:
    return _learner(session, telegram_id)


def prompt_card(
    session: Session, *, telegram_id: int, prompt_id: int, catalog: Catalog
) -> CatalogCard | None:
    """The card shown by one of this learner's prompts (None for anyone else's)."""
    learner = _learner(session, telegram_id)
    prompt = session.get(StudyPrompt, prompt_id)
    if learner is None or prompt is None or prompt.learner_id != learner.id:
        return None
    return catalog.cards.get(prompt.card_id)


@dataclass(frozen=True, slots=True)
class CardSetAside:
    card: CatalogCard
    action: str
    next: Question | NothingDue


def set_card_aside(
    session: Session, *, telegram_id: int, prompt_id: int, action: str, catalog: Catalog,
    now: datetime,
) -> CardSetAside | StaleButton:
    """Suspend a card (until the learner brings it back) or bury it until tomorrow."""
    learner = _learner(session, telegram_id)
    prompt = session.get(StudyPrompt, prompt_id)
    if (learner is None or learner.id is None or prompt is None
            or prompt.learner_id != learner.id or prompt.card_id not in catalog.cards):
        return StaleButton()
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
