"""Queries for a learner's settings."""

from __future__ import annotations

from sqlmodel import Session, func, select

from bot.store.models import ReviewLog


def review_count(session: Session, *, learner_id: int) -> int:
    """For the "Personalise schedule" line: how many reviews the fit would have."""
    return int(session.exec(select(func.count()).select_from(ReviewLog)
                            .where(ReviewLog.learner_id == learner_id)).one())
