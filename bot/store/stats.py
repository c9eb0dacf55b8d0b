"""Queries behind /stats: a learner's recent reviews, card due dates and review count."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, func, select

from bot.store.models import CardState, ReviewLog


def reviews_since(session: Session, *, learner_id: int, since: datetime
                  ) -> Sequence[tuple[datetime, int, str]]:
    """(reviewed at, rating, state before as JSON) of the learner's reviews since `since`."""
    return session.exec(
        select(ReviewLog.reviewed_at, ReviewLog.rating, ReviewLog.state_before)
        .where(ReviewLog.learner_id == learner_id, col(ReviewLog.reviewed_at) >= since)
    ).all()


def due_dates(session: Session, *, learner_id: int) -> Sequence[datetime]:
    """When each of the learner's started, unsuspended cards is due."""
    return session.exec(
        select(CardState.due).where(
            CardState.learner_id == learner_id, CardState.suspended == False  # noqa: E712
        )
    ).all()


def review_count(session: Session, *, learner_id: int) -> int:
    return int(session.exec(
        select(func.count()).select_from(ReviewLog).where(ReviewLog.learner_id == learner_id)
    ).one())
