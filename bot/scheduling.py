"""FSRS scheduling and the learner's local day. Pure: `now` is always passed in.

fsrs works in UTC. What a learner calls "today" depends on their time zone and on a day
boundary (04:00 local by default, as in Anki), so late-night reviews count for the day before.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import IntEnum
from functools import lru_cache

import fsrs

from bot.timezones import zone

LEECH_LAPSES = 8


class Rating(IntEnum):
    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class State(IntEnum):
    LEARNING = 1
    REVIEW = 2
    RELEARNING = 3


@dataclass(frozen=True, slots=True)
class Memory:
    """What the scheduler knows about one learner's card."""

    state: State
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None
    reps: int = 0
    lapses: int = 0


@dataclass(frozen=True, slots=True)
class SchedulerConfig:
    desired_retention: float = 0.9
    maximum_interval_days: int = 36500
    fuzzing: bool = True
    learning_steps_min: tuple[int, ...] = (1, 10)
    relearning_steps_min: tuple[int, ...] = (10,)
    # The learner's fitted FSRS weights; None keeps fsrs's defaults.
    parameters: tuple[float, ...] | None = None


def new_memory(now: datetime) -> Memory:
    return Memory(State.LEARNING, 0, None, None, now, None)


@lru_cache(maxsize=64)
def _scheduler(config: SchedulerConfig) -> fsrs.Scheduler:
    extra = {} if config.parameters is None else {"parameters": config.parameters}
    return fsrs.Scheduler(
        **extra,
        desired_retention=config.desired_retention,
        learning_steps=tuple(timedelta(minutes=m) for m in config.learning_steps_min),
        relearning_steps=tuple(timedelta(minutes=m) for m in config.relearning_steps_min),
        maximum_interval=config.maximum_interval_days,
        enable_fuzzing=config.fuzzing,
    )


def review(memory: Memory, rating: Rating, now: datetime, config: SchedulerConfig) -> Memory:
    """Return the memory after one review; the input is left untouched."""
    card = fsrs.Card(
        # Any id: without one fsrs makes one from the clock and sleeps 1 ms so the next
        # differs, which would block the caller (the event loop, on SQLite) on every review.
        card_id=0,
        state=fsrs.State(int(memory.state)),
        step=memory.step,
        stability=memory.stability,
        difficulty=memory.difficulty,
        due=memory.due,
        last_review=memory.last_review,
    )
    updated, _log = _scheduler(config).review_card(card, fsrs.Rating(int(rating)), now)
    lapse = rating == Rating.AGAIN and memory.state == State.REVIEW
    return replace(
        memory,
        state=State(int(updated.state)),
        step=updated.step,
        stability=updated.stability,
        difficulty=updated.difficulty,
        due=updated.due,
        last_review=updated.last_review,
        reps=memory.reps + 1,
        lapses=memory.lapses + (1 if lapse else 0),
    )


def is_leech(memory: Memory) -> bool:
    return memory.lapses >= LEECH_LAPSES


def local_day(now: datetime, tz: str, boundary_hour: int = 4) -> date:
    """The learner's study day: a review at 02:00 local belongs to the day before."""
    local = now.astimezone(zone(tz))
    return (local - timedelta(hours=boundary_hour)).date()


def day_start(day: date, tz: str, boundary_hour: int = 4) -> datetime:
    """The UTC instant the given study day begins (DST-safe: built in local time)."""
    local = datetime.combine(day, time(hour=boundary_hour), tzinfo=zone(tz))
    return local.astimezone(UTC)
