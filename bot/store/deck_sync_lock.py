"""One PostgreSQL advisory lock around every deck sync, so instances take turns.

Two instances syncing the same files at once would both insert the same new cards and one
would fail on the unique (deck, key) constraint. The key is the one start-up has always used,
so a reload in one instance also waits for another instance's start-up migration and sync.
SQLite needs nothing: it has one writer at a time anyway.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

from bot.store.db import Database

SYNC_LOCK_KEY = 724301


@contextmanager
def sync_lock(db: Database) -> Iterator[None]:
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as conn:
        conn.execute(sa.text("SELECT pg_advisory_lock(:key)"), {"key": SYNC_LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(sa.text("SELECT pg_advisory_unlock(:key)"), {"key": SYNC_LOCK_KEY})
            conn.commit()
