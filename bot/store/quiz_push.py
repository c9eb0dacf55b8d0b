"""Queries behind the quiz push: what a learner did since their pushes, snoozed pushes.

Every function takes the session first and keyword-only arguments, and never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Session, col

from bot.store.models import Learner, PushClaim, ReviewLog

# Statuses of a push that (may have) reached the learner.
DELIVERED = ("sent", "unknown")


def last_reviews(session: Session, *, learner_ids: Sequence[int]) -> dict[int, datetime]:
    """Each learner's latest review (`ix_review_log_learner_time` serves the max)."""
    if not learner_ids:
        return {}
    rows = session.execute(
        sa.select(col(ReviewLog.learner_id), sa.func.max(col(ReviewLog.reviewed_at)))
        .where(col(ReviewLog.learner_id).in_(sorted(set(learner_ids))))
        .group_by(col(ReviewLog.learner_id))).all()
    return {r[0]: r[1] for r in rows}


def delivered_pushes(session: Session, *, learner_ids: Sequence[int], since: date
                     ) -> dict[int, list[tuple[date, datetime, str]]]:
    """(local date, claimed at, kind) of each learner's pushes since `since` that reached
    them (or may have)."""
    found: dict[int, list[tuple[date, datetime, str]]] = defaultdict(list)
    if not learner_ids:
        return found
    rows = session.execute(
        sa.select(col(PushClaim.learner_id), col(PushClaim.local_date),
                  col(PushClaim.claimed_at), col(PushClaim.kind))
        .where(col(PushClaim.learner_id).in_(sorted(set(learner_ids))),
               col(PushClaim.local_date) >= since, col(PushClaim.status).in_(DELIVERED))
    ).all()
    for learner_id, day, claimed_at, kind in rows:
        found[learner_id].append((day, claimed_at, kind))
    return found


def set_kinds(session: Session, *, kinds: dict[str, list[int]]) -> None:
    """Store each claim's kind (most are the default, "quiz", and need no write)."""
    for kind, ids in kinds.items():
        if ids:
            session.execute(sa.update(PushClaim).where(col(PushClaim.id).in_(ids))
                            .values(kind=kind))


def set_prompts(session: Session, *, prompts: dict[int, int]) -> None:
    """Remember the prompt each quiz push opened (claim id -> prompt id)."""
    if prompts:
        table = PushClaim.__table__  # type: ignore[attr-defined]
        stmt = sa.update(table).where(table.c.id == sa.bindparam("claim_id")).values(
            prompt_id=sa.bindparam("new_prompt_id"))
        session.connection().execute(
            stmt, [{"claim_id": c, "new_prompt_id": p} for c, p in prompts.items()])


def snooze(session: Session, *, learner_id: int, prompt_id: int, until: datetime) -> bool:
    """Turn the delivered push that opened `prompt_id` into a snoozed one; False when there
    is none (an old or foreign button), or it is already snoozed or back."""
    result = session.execute(
        sa.update(PushClaim).where(
            col(PushClaim.learner_id) == learner_id, col(PushClaim.prompt_id) == prompt_id,
            # `sending`: the learner pressed before the outcome was written.
            col(PushClaim.status).in_((*DELIVERED, "sending")))
        .values(status="snoozed", not_before=until))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def pause_reminders(session: Session, *, learner_id: int) -> None:
    session.execute(sa.update(Learner).where(col(Learner.id) == learner_id)
                    .values(reminders_paused=True))
