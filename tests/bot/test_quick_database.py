"""The study loop's units of work run on the event loop on SQLite, and still never make the
bot wait behind another writer's lock; on PostgreSQL they go to the database threads."""

from __future__ import annotations

import asyncio
import sqlite3
import threading

from sqlmodel import Session, func, select

from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Learner
from tests.factories import register_learner


def _register(session: Session, telegram_id: int, threads: list[str]) -> int:
    threads.append(threading.current_thread().name)
    return register_learner(session, telegram_id=telegram_id, first_name="Ada")


async def test_quick_work_runs_on_the_loop_on_sqlite_and_on_threads_on_postgres(
    database_url: str,
) -> None:
    """A study update's work skips the thread hand-off on SQLite only."""
    upgrade(database_url)
    db = Database(database_url)
    threads: list[str] = []
    try:
        learner_id = await db.run_quick(_register, 7, threads)
    finally:
        db.close()
    assert isinstance(learner_id, int)
    if database_url.startswith("sqlite"):
        assert threads == [threading.current_thread().name]
    else:
        assert len(threads) == 1 and threads[0].startswith("db")


async def test_quick_work_waits_for_a_held_lock_on_a_thread_not_on_the_loop(
    sqlite_url: str,
) -> None:
    """While another connection holds SQLite's write lock, the work is rolled back, handed to
    a database thread that waits for the lock, and the loop keeps serving meanwhile; the row
    is written once."""
    upgrade(sqlite_url)
    db = Database(sqlite_url)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as a push run or an import holds it
    loop = asyncio.get_running_loop()
    loop.call_later(0.3, holder.execute, "COMMIT")
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    beats = asyncio.create_task(ticker())
    threads: list[str] = []
    try:
        learner_id = await db.run_quick(_register, 7, threads)
        with Session(db.engine) as session:
            rows = session.exec(select(func.count()).select_from(Learner)).one()
    finally:
        beats.cancel()
        holder.close()
        db.close()
    assert isinstance(learner_id, int) and rows == 1
    assert threads[0] == threading.current_thread().name and threads[1].startswith("db")
    assert ticks >= 10  # the loop ran through the 0.3 s the lock was held

