"""Pure scheduling: fsrs through our wrapper, and the learner's local study day across DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.scheduling import (
    Rating,
    SchedulerConfig,
    State,
    day_start,
    local_day,
    new_memory,
    review,
)

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CONFIG = SchedulerConfig(fuzzing=False)


def test_review_is_pure_and_deterministic() -> None:
    """A review returns a new memory, leaves the input alone and repeats exactly."""
    memory = new_memory(NOW)
    first = review(memory, Rating.GOOD, NOW, CONFIG)
    assert memory.reps == 0 and memory.state == State.LEARNING
    assert first == review(memory, Rating.GOOD, NOW, CONFIG)
    assert first.reps == 1 and first.due > NOW


def test_easy_schedules_later_than_hard() -> None:
    """Ratings order the next interval: Again < Hard < Good < Easy."""
    dues = [review(new_memory(NOW), r, NOW, CONFIG).due for r in Rating]
    assert dues == sorted(dues)


def test_lapse_counts_only_from_review_state() -> None:
    """Forgetting a graduated card is a lapse; failing a learning step is not."""
    memory = review(new_memory(NOW), Rating.EASY, NOW, CONFIG)
    assert memory.state == State.REVIEW
    lapsed = review(memory, Rating.AGAIN, memory.due, CONFIG)
    assert lapsed.lapses == 1
    assert review(new_memory(NOW), Rating.AGAIN, NOW, CONFIG).lapses == 0


def test_higher_retention_means_shorter_intervals() -> None:
    """Desired retention changes the interval the way the learner expects."""
    graduated = review(new_memory(NOW), Rating.EASY, NOW, CONFIG)
    low = review(graduated, Rating.GOOD, graduated.due, SchedulerConfig(0.75, fuzzing=False))
    high = review(graduated, Rating.GOOD, graduated.due, SchedulerConfig(0.97, fuzzing=False))
    assert high.due < low.due


@pytest.mark.parametrize(
    ("instant", "tz", "expected"),
    [
        # 03:59 local belongs to the day before (boundary 04:00), 04:00 to the new day.
        (datetime(2026, 3, 2, 2, 59, tzinfo=UTC), "Europe/Berlin", date(2026, 3, 1)),
        (datetime(2026, 3, 2, 3, 0, tzinfo=UTC), "Europe/Berlin", date(2026, 3, 2)),
        # Berlin springs forward on 2026-03-29: 04:00 CEST is 02:00 UTC.
        (datetime(2026, 3, 29, 1, 59, tzinfo=UTC), "Europe/Berlin", date(2026, 3, 28)),
        (datetime(2026, 3, 29, 2, 0, tzinfo=UTC), "Europe/Berlin", date(2026, 3, 29)),
        # Kathmandu is +05:45 all year.
        (datetime(2026, 3, 1, 22, 14, tzinfo=UTC), "Asia/Kathmandu", date(2026, 3, 1)),
        (datetime(2026, 3, 1, 22, 15, tzinfo=UTC), "Asia/Kathmandu", date(2026, 3, 2)),
        # Sao Paulo (no DST since 2019) is -03:00.
        (datetime(2026, 11, 1, 6, 59, tzinfo=UTC), "America/Sao_Paulo", date(2026, 10, 31)),
        (datetime(2026, 11, 1, 7, 0, tzinfo=UTC), "America/Sao_Paulo", date(2026, 11, 1)),
    ],
)
def test_local_day_boundary(instant: datetime, tz: str, expected: date) -> None:
    """The study day turns over at 04:00 local time, DST included."""
    assert local_day(instant, tz) == expected


def test_day_start_across_dst() -> None:
    """Study days are 23 or 25 hours long around DST changes, never off by an hour."""
    spring = day_start(date(2026, 3, 29), "Europe/Berlin")
    next_day = day_start(date(2026, 3, 30), "Europe/Berlin")
    assert (next_day - spring).total_seconds() == 24 * 3600
    before = day_start(date(2026, 3, 28), "Europe/Berlin")
    assert (spring - before).total_seconds() == 23 * 3600
    autumn = day_start(date(2026, 10, 25), "Europe/Berlin")
    assert (autumn - day_start(date(2026, 10, 24), "Europe/Berlin")).total_seconds() == 25 * 3600
