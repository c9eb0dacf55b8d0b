"""The one lookup of a learner by their Telegram id, which every feature's use case starts from,
and the statements that register a learner (bot.learners)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import bindparam
from sqlmodel import Session, select

from bot.store.db import upsert_insert
from bot.store.models import Learner, table_of


def by_telegram_id(session: Session, *, telegram_id: int, for_update: bool = False
                   ) -> Learner | None:
    """The learner; with `for_update`, row-locked (FOR UPDATE on PostgreSQL) until the unit
    of work ends, so two units deciding on the same learner take turns."""
    query = select(Learner).where(Learner.telegram_id == telegram_id)
    if for_update:
        query = query.with_for_update()
    return session.exec(query).first()


_LEARNER = table_of(Learner)
# Core, built once: registration runs before nearly every update.
_FIND = sa.select(_LEARNER.c.id, _LEARNER.c.active, _LEARNER.c.chat_id).where(
    _LEARNER.c.telegram_id == bindparam("telegram_id"))
_REACHABLE_AGAIN = sa.update(_LEARNER).where(_LEARNER.c.id == bindparam("learner_id")).values(
    active=True, chat_id=bindparam("new_chat_id"))


def reachability(session: Session, *, telegram_id: int) -> tuple[int, bool, int] | None:
    """(learner id, active, chat id) of a known learner."""
    row = session.execute(_FIND, {"telegram_id": telegram_id}).first()
    return None if row is None else (int(row[0]), bool(row[1]), int(row[2]))


def mark_reachable(session: Session, *, learner_id: int, chat_id: int) -> None:
    session.execute(_REACHABLE_AGAIN, {"learner_id": learner_id, "new_chat_id": chat_id})


def add(session: Session, *, telegram_id: int, chat_id: int, first_name: str, now: datetime
        ) -> int | None:
    """Insert the learner; their id, or None when another unit of work inserted them first.
    One statement, so it needs no transaction or savepoint of its own."""
    values = Learner(telegram_id=telegram_id, chat_id=chat_id, first_name=first_name,
                     created_at=now).model_dump(exclude={"id"})
    statement = (upsert_insert(session, _LEARNER).values(**values)
                 .on_conflict_do_nothing(index_elements=[_LEARNER.c.telegram_id])
                 .returning(_LEARNER.c.id))
    added = session.execute(statement).scalar_one_or_none()
    return None if added is None else int(added)
