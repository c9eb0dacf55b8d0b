"""Learner statistics, computed in the learner's own days: the data behind /stats."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.scheduling import Rating, State, day_start, local_day
from bot.store import learners
from bot.store import stats as store
from bot.store.session import Session

HISTORY_DAYS = 182
FORECAST_DAYS = 30


@dataclass(frozen=True, slots=True)
class Stats:
    today: date
    reviews_per_day: dict[date, int]
    forecast: list[int]  # cards due on each of the next FORECAST_DAYS days, today first
    true_retention: float | None  # share of mature recalls passed, last 30 days
    retention_reviews: int
    streak: int
    total_reviews: int
    cards_started: int
    reviews_today: int
    # Today's answers by rating (Again, Hard, Good, Easy): the chart's news from day one.
    ratings_today: tuple[int, int, int, int] = (0, 0, 0, 0)


def learner_stats(session: Session, *, telegram_id: int, now: datetime) -> Stats | None:
    learner = learners.by_telegram_id(session, telegram_id=telegram_id)
    if learner is None or learner.id is None:
        return None
    tz, boundary = learner.timezone, learner.day_boundary_hour
    today = local_day(now, tz, boundary)
    since = day_start(today - timedelta(days=HISTORY_DAYS), tz, boundary)
    logs = store.reviews_since(session, learner_id=learner.id, since=since)
    per_day = Counter(local_day(at, tz, boundary) for at, _, _ in logs)
    rated_today = Counter(rating for at, rating, _ in logs if local_day(at, tz, boundary) == today)
    month_ago = now - timedelta(days=30)
    # True retention counts only reviews of cards that had graduated (Anki's definition):
    # failing a card still in its learning steps says nothing about long-term memory.
    mature = [rating for at, rating, before in logs
              if at >= month_ago and f'"state": {int(State.REVIEW)}' in before]
    passed = sum(rating != Rating.AGAIN for rating in mature)
    states = store.due_dates(session, learner_id=learner.id)
    forecast = [0] * FORECAST_DAYS
    for due in states:
        offset = max(0, (local_day(due, tz, boundary) - today).days)
        if offset < FORECAST_DAYS:
            forecast[offset] += 1
    streak, day = 0, today if per_day.get(today) else today - timedelta(days=1)
    while per_day.get(day):
        streak += 1
        day -= timedelta(days=1)
    total = store.review_count(session, learner_id=learner.id)
    return Stats(
        today=today, reviews_per_day=dict(per_day), forecast=forecast,
        true_retention=(passed / len(mature)) if mature else None,
        retention_reviews=len(mature), streak=streak, total_reviews=total,
        cards_started=len(states), reviews_today=per_day.get(today, 0),
        ratings_today=(rated_today[Rating.AGAIN], rated_today[Rating.HARD],
                       rated_today[Rating.GOOD], rated_today[Rating.EASY]),
    )


def chart_payload(stats: Stats) -> str:
    """The figures the worker needs to draw the /stats picture, as compact JSON."""
    return json.dumps({
        "today": stats.today.isoformat(),
        "per_day": {day.isoformat(): n for day, n in stats.reviews_per_day.items()},
        "forecast": stats.forecast,
        "retention": stats.true_retention,
        "streak": stats.streak,
        "ratings_today": list(stats.ratings_today),
    }, separators=(",", ":"))
