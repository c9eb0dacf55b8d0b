"""A learner's review history as CSV: the export learners download and operators back up."""

from __future__ import annotations

import csv
import io

from bot.store import export as store
from bot.store import learners
from bot.store.session import Session
from bot.timezones import label, zone

# What `tutorbot restore` reads back; reviewed_at is UTC, so a backup means the same anywhere.
COLUMNS = ("reviewed_at", "deck", "card_id", "question", "rating", "label", "score",
           "duration_ms")
# For the learner reading the file: the same moment on their own clock, and which clock.
LOCAL_COLUMNS = ("reviewed_at_local", "time_zone")
RATING_NAMES = {1: "again", 2: "hard", 3: "good", 4: "easy"}


def export_reviews(session: Session, *, telegram_id: int) -> str | None:
    """The learner's reviews, oldest first; None when there is no such learner."""
    learner = learners.by_telegram_id(session, telegram_id=telegram_id)
    if learner is None or learner.id is None:
        return None
    rows = store.reviews_with_cards(session, learner_id=learner.id)
    tz, tz_label = zone(learner.timezone), label(learner.timezone)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS + LOCAL_COLUMNS)
    for log, card, deck in rows:
        writer.writerow([
            log.reviewed_at.isoformat(), deck.slug, card.key, card.question,
            RATING_NAMES.get(log.rating, str(log.rating)), log.label or "",
            "" if log.score is None else f"{log.score:.3f}",
            "" if log.duration_ms is None else log.duration_ms,
            log.reviewed_at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S"), tz_label,
        ])
    return buffer.getvalue()


def count_reviews(text: str) -> int:
    """The reviews in an export: its records but the header (a question may span lines)."""
    return max(0, sum(1 for record in csv.reader(io.StringIO(text, newline="")) if record) - 1)
