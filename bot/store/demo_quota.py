"""Queries for the demo quota: one row per demo a learner started, counted in a window."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.store.models import DemoUse


def forget_uses_before(session: Session, *, learner_id: int, start: datetime) -> None:
    session.execute(sa.delete(DemoUse).where(
        col(DemoUse.learner_id) == learner_id, col(DemoUse.requested_at) <= start))


def add_use(session: Session, *, learner_id: int, kind: str, now: datetime) -> DemoUse:
    use = DemoUse(learner_id=learner_id, kind=kind[:32], requested_at=now)
    session.add(use)
    session.flush()
    return use


def uses_since(session: Session, *, learner_id: int, start: datetime) -> int:
    return int(session.exec(select(func.count()).select_from(DemoUse).where(
        DemoUse.learner_id == learner_id, DemoUse.requested_at > start)).one())


def oldest_use_since(session: Session, *, learner_id: int, start: datetime) -> datetime | None:
    return session.exec(select(func.min(DemoUse.requested_at)).where(
        DemoUse.learner_id == learner_id, DemoUse.requested_at > start)).one()


def delete_use(session: Session, *, use_id: int) -> None:
    session.execute(sa.delete(DemoUse).where(col(DemoUse.id) == use_id))
