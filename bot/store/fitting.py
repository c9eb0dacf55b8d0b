"""Queries for personal FSRS parameters: the learner's log for a fit, and the proposal's fate."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.store.models import Learner, ReviewLog


def review_count(session: Session, *, learner_id: int) -> int:
    return int(session.exec(select(func.count()).select_from(ReviewLog)
                            .where(ReviewLog.learner_id == learner_id)).one())


def review_rows(session: Session, *, learner_id: int
                ) -> Sequence[tuple[int, int, datetime, int | None]]:
    """(card id, rating, reviewed at, duration ms) of every review, oldest first."""
    return session.exec(
        select(ReviewLog.card_id, ReviewLog.rating, ReviewLog.reviewed_at, ReviewLog.duration_ms)
        .where(ReviewLog.learner_id == learner_id)
        .order_by(col(ReviewLog.reviewed_at), col(ReviewLog.id))
    ).all()


def settle_proposal(session: Session, *, learner: Learner, proposed: str, use: bool) -> bool:
    """Use or drop the proposal, only if it is still `proposed`: one conditional UPDATE, so two
    presses (or two bot instances) settle it once. True if this call settled it."""
    values: dict[str, str | None] = {"fsrs_parameters_proposed": None}
    if use:
        values["fsrs_parameters"] = proposed
    result = session.execute(
        sa.update(Learner)
        .where(col(Learner.id) == learner.id,
               col(Learner.fsrs_parameters_proposed) == proposed)
        .values(**values)
    )
    session.expire(learner)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]
