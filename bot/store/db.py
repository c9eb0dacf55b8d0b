"""Engine and session factory. Built on demand from settings, never at import time."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

P = ParamSpec("P")
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """Create the engine with the settings each backend needs to be safe under concurrency."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the pusher read while a learner's review is written.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # One connection per executor thread (4) plus a little headroom for the push tick and
    # health checks; N instances stay well under PostgreSQL's default 100 connections.
    # force_custom_plan: psycopg prepares a statement after five runs, and PostgreSQL may
    # then switch to a generic plan that ignores the values. For the push tick's window
    # query (its zones and times change every tick) that plan read every learner: 350 ms a
    # run instead of 5 ms. Planning each run costs far less than one such scan.
    return create_engine(url, pool_size=4, max_overflow=2, pool_pre_ping=True,
                         connect_args={"options": "-c plan_cache_mode=force_custom_plan"})


class Database:
    """Runs synchronous session work in a small thread pool so handlers never block the loop."""

    def __init__(self, url: str, *, threads: int = 4) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="db")

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def call(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run one unit of work in its own session and commit it."""
        with self.session() as session:
            result = fn(session, *args, **kwargs)
            session.commit()
            return result

    async def run(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        loop = asyncio.get_running_loop()
        work = functools.partial(self.call, fn, *args, **kwargs)
        return await loop.run_in_executor(self._executor, work)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.engine.dispose()
