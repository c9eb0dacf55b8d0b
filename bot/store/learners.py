"""The one lookup of a learner by their Telegram id, which every feature's use case starts from."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.store.models import Learner


def by_telegram_id(session: Session, *, telegram_id: int, for_update: bool = False
                   ) -> Learner | None:
    """The learner; with `for_update`, row-locked (FOR UPDATE on PostgreSQL) until the unit
    of work ends, so two units deciding on the same learner take turns."""
    query = select(Learner).where(Learner.telegram_id == telegram_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()
