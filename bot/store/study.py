"""The study loop's serialization: one learner's updates take turns.

Every study-loop unit of work (an answer, a rating, /skip, /stop, /undo, bury, suspend,
/study) calls `lock_learner` before it reads anything of the learner's, so each one sees
everything the previous one committed and decides on that, never on a read that a
concurrent update has since made stale.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from bot.store.models import Learner


def _table(model: type[Any]) -> sa.Table:
    table = model.__table__
    assert isinstance(table, sa.Table)
    return table


_LEARNER = _table(Learner)
# FOR NO KEY UPDATE, not FOR UPDATE: a row inserted elsewhere that refers to the learner (a
# push, a prompt) takes a KEY SHARE lock on it, which this lock lets through.
_LOCK = sa.select(_LEARNER.c.id).where(
    _LEARNER.c.telegram_id == sa.bindparam("telegram_id")).with_for_update(key_share=True)


def lock_learner(session: Session, *, telegram_id: int) -> None:
    """Hold this learner's study loop until the session ends (commit or rollback).

    PostgreSQL: a row lock on the learner, so the same learner's other units wait and the
    other learners do not. SQLite has one writer at a time anyway: `BEGIN IMMEDIATE` takes
    the write lock before the first read instead of at the first write. Taken again in the
    same session it is a no-op on both.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        raw = connection.connection.dbapi_connection
        # The driver opens a transaction only at the first write; one already open here has
        # written (the learner's registration), so it holds the write lock already.
        if raw is not None and not raw.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return
    connection.execute(_LOCK, {"telegram_id": telegram_id})
