"""Study use cases: each takes a session and `now`, does one thing, and returns a result.

Every showing of a card is a StudyPrompt row. Rating buttons name the prompt, and the first
press closes it with a conditional UPDATE, so double presses, stale buttons and concurrent
instances all record at most one review, on SQLite and on PostgreSQL alike.

One learner's study-loop updates take turns: each use case below first takes the learner's
lock (`bot.store.study.lock_learner`, or `locked_studier`, which reads the learner with it) and
only then reads what it decides on, so an /undo
racing a rating press, or two /undo at once, each see the other's committed result and act
on it (or answer that it is already done), never on a stale read.

Answering, rating and picking the next card run for nearly every update: their queries
(bot.store.study) are Core statements built once, not ORM objects and flushes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from bot import grading, learners
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
from bot.store import study as store
from bot.store.learners import by_telegram_id
from bot.store.models import CardState, Learner
from bot.store.session import Session
from bot.store.study import DayFacts, Studier, lock_learner

LEARN_AHEAD = timedelta(minutes=20)
# Reads of an answer whose card closed before it was stored (PostgreSQL, store.study.
# take_turn_to_answer); each close is another update of the learner's, so a few suffice.
ANSWER_TRIES = 3


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


def _learner(session: Session, telegram_id: int) -> Learner | None:
    return by_telegram_id(session, telegram_id=telegram_id)


def scheduler_config(learner: Learner, *, fuzzing: bool) -> SchedulerConfig:
    return _config(learner.desired_retention, learner.fsrs_parameters, fuzzing=fuzzing)


def _config(desired_retention: float, fsrs_parameters: str | None, *, fuzzing: bool
            ) -> SchedulerConfig:
    parameters = (None if fsrs_parameters is None
                  else tuple(float(w) for w in json.loads(fsrs_parameters)))
    return SchedulerConfig(desired_retention=desired_retention, fuzzing=fuzzing,
                           parameters=parameters)


def _set_current_prompt(session: Session, learner: Studier, prompt_id: int | None) -> None:
    if learner.current_prompt_id != prompt_id:
        store.set_current_prompt(session, learner_id=learner.id, prompt_id=prompt_id)


def _pick_card(
    session: Session, learner: Studier, catalog: Catalog, now: datetime,
    *, avoid: int | None = None,
) -> tuple[CatalogCard, bool] | NothingDue:
    """Reviews first, then new cards within today's limit; skipped cards go last, and the
    card `avoid` (the one just skipped) comes only when nothing else may be shown."""
    start = day_start(local_day(now, learner.timezone, learner.day_boundary_hour),
                      learner.timezone, learner.day_boundary_hour)
    facts = DayFacts(session, learner_id=learner.id, start=start, now=now,
                     ahead=now + LEARN_AHEAD)
    today = facts.today()
    skipped_today = today.skipped
    off = set(today.decks_off)
    # The learner's view (Catalog.for_learner) holds the decks of others they joined.
    decks = catalog.decks_for(learner.id)
    if decks and all(deck_id in off for deck_id, _, _ in decks):
        return NothingDue(next_due=None, tz=learner.timezone, all_decks_off=True)
    # Only this learner's decks: everybody's personal decks are in the catalog too.
    mine = catalog.cards_for(learner.id, skip_decks=off)
    # Buried cards wait for tomorrow; skipped ones only go to the back of today's queue.
    allowed = {card.id for card in mine if card.id not in today.buried}
    review_room = today.reviews < learner.max_reviews_per_day
    # Due cards that may be shown but wait: learning steps due within minutes, cards skipped
    # today, and reviews over today's limit.
    waiting: list[int] = []
    with facts.due_cards() as rows:
        for card_id, state, due_now in rows:
            if card_id not in allowed or not (due_now or state != State.REVIEW):
                continue
            if review_room and due_now and card_id not in skipped_today:
                return catalog.cards[card_id], False
            waiting.append(card_id)
    introduced_today, seen, upcoming = facts.states_summary()
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
    session: Session, learner: Studier, catalog: Catalog, now: datetime,
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
    prompt_id = store.open_current_prompt(session, learner_id=learner.id, card_id=card.id,
                                          now=now)
    return Question(prompt_id, card, catalog.title(card.deck_id), is_new)


def next_card(
    session: Session, *, telegram_id: int, catalog: Catalog, now: datetime
) -> Question | NothingDue:
    learner = store.locked_studier(session, telegram_id=telegram_id)
    if learner is None:
        return NothingDue(None)
    catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    return _next(session, learner, catalog, now, open_card_id=learner.open_card_id)


def _registered(session: Session, learner: Studier) -> None:
    """The registration of the update's sender, from the learner row just read
    (bot.learners.registers_with)."""
    learners.register_seen(session, learner_id=learner.id, active=learner.active,
                           chat_id=learner.chat_id)


@learners.registers_with
def submit_answer(
    session: Session, *, telegram_id: int, text: str, catalog: Catalog, now: datetime
) -> Graded | NoOpenCard:
    store.take_turn_to_answer(session, telegram_id=telegram_id)
    truncated = len(text) > grading.MAX_ANSWER_CHARS
    answer = text[:grading.MAX_ANSWER_CHARS].replace("\x00", "")  # PostgreSQL text cannot hold NUL
    for _ in range(ANSWER_TRIES):
        learner = store.studier(session, telegram_id=telegram_id)
        if learner is not None:
            _registered(session, learner)
        if (learner is None or learner.current_prompt_id is None
                or learner.open_asked_at is None or learner.open_card_id is None):
            return NoOpenCard()
        view = catalog.for_learner(session, learner.id, learner.decks_version)
        card = view.cards.get(learner.open_card_id)
        if card is None:
            return NoOpenCard()
        elapsed = (now - learner.open_asked_at).total_seconds()
        result = grading.grade(card, answer, deck=view.siblings(card), elapsed_s=elapsed)
        if store.record_answer(session, prompt_id=learner.current_prompt_id, answer=answer,
                               now=now, score=result.score, label=result.label.value,
                               suggested_rating=int(result.rating)):
            return Graded(learner.current_prompt_id, card, result, truncated)
        # Rated, skipped or set aside since the read: the answer is for what is open now.
    return NoOpenCard()


@learners.registers_with
def rate(
    session: Session, *, telegram_id: int, prompt_id: int, rating: Rating, catalog: Catalog,
    now: datetime, fuzzing: bool,
) -> Recorded | AlreadyRated | StaleButton:
    learner, claimed = store.claim_locked(session, telegram_id=telegram_id,
                                          prompt_id=prompt_id, now=now)
    if learner is None:
        return StaleButton()
    _registered(session, learner)
    if claimed is None:
        if store.prompt_owner(session, prompt_id=prompt_id) == (learner.id, "rated"):
            return AlreadyRated()
        return StaleButton()
    card_id, state = claimed.card_id, claimed.state
    catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    before = None if state is None else _memory(state.memory)
    memory = review(before or new_memory(now), rating, now,
                    _config(learner.desired_retention, learner.fsrs_parameters,
                            fuzzing=fuzzing))
    was_suspended = state is not None and state.suspended
    leech = is_leech(memory) and rating == Rating.AGAIN and not was_suspended
    duration = claimed.answered_at - claimed.asked_at
    store.record_review(
        session, store.Review(learner.id, card_id, prompt_id, int(rating), now,
                              int(duration.total_seconds() * 1000), claimed.score,
                              claimed.label, dump_memory(before)),
        state_id=None if state is None else state.id, suspended=was_suspended or leech,
        memory=_memory_values(memory))
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
    return by_telegram_id(session, telegram_id=telegram_id)


def close_prompt(session: Session, *, telegram_id: int, outcome: str, now: datetime) -> bool:
    """End the open card without a review (skip or stop). Returns whether one was open."""
    learner = store.locked_studier(session, telegram_id=telegram_id)
    if learner is None or learner.open_card_id is None:
        return False
    assert learner.current_prompt_id is not None
    store.close_prompt(session, prompt_id=learner.current_prompt_id, now=now, outcome=outcome)
    _set_current_prompt(session, learner, None)
    return True


def skip(
    session: Session, *, telegram_id: int, catalog: Catalog, now: datetime
) -> Question | NothingDue:
    """Close the open card and show another: the skipped one comes back only when nothing
    else may be shown today."""
    learner = store.locked_studier(session, telegram_id=telegram_id)
    if learner is None:
        return NothingDue(None)
    skipped = learner.open_card_id
    catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    if skipped is not None:
        assert learner.current_prompt_id is not None
        store.close_prompt(session, prompt_id=learner.current_prompt_id, now=now,
                           outcome="skipped")
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
    assert learner.id is not None
    last = store.last_review(session, learner_id=learner.id)
    if last is None:
        return None
    state = store.card_state_row(session, learner_id=learner.id, card_id=last.card_id)
    before = _load(last.state_before)
    if state is not None and before is None:
        store.delete(session, [state])
    elif state is not None and before is not None:
        store_memory(state, before)
        state.suspended = False
    prompt = store.prompt(session, prompt_id=last.prompt_id)
    if prompt is not None:
        prompt.outcome = "undone"
    store.delete(session, [last])
    card = catalog.for_learner(session, learner.id, learner.decks_version).cards.get(last.card_id)
    if card is None:
        return None
    open_prompt = (None if learner.current_prompt_id is None
                   else store.prompt(session, prompt_id=learner.current_prompt_id))
    card_open = open_prompt is not None and open_prompt.closed_at is None
    return Undone(card, Rating(last.rating), card_open=card_open)


def prompt_card(
    session: Session, *, telegram_id: int, prompt_id: int, catalog: Catalog
) -> CatalogCard | None:
    """The card shown by one of this learner's prompts (None for anyone else's)."""
    learner = _learner(session, telegram_id)
    prompt = store.prompt(session, prompt_id=prompt_id)
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
    prompt = store.prompt(session, prompt_id=prompt_id)
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
        state = store.card_state_row(session, learner_id=learner.id, card_id=prompt.card_id)
        if state is None:
            state = CardState(learner_id=learner.id, card_id=prompt.card_id, due=now,
                              introduced_at=now)
            store.add(session, state)
        state.suspended = True
    if prompt.closed_at is None:
        prompt.closed_at = now
        prompt.outcome = "buried" if action == "bury" else "suspended"
    elif action == "bury" and prompt.outcome != "rated":
        prompt.outcome = "buried"
    if learner.current_prompt_id == prompt_id:
        learner.current_prompt_id = None
    store.save(session)
    following = next_card(session, telegram_id=telegram_id, catalog=catalog, now=now)
    return CardSetAside(catalog.cards[prompt.card_id], action, following)
