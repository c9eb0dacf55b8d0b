"""Engine and session factory. Built on demand from settings, never at import time."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

P = ParamSpec("P")
T = TypeVar("T")


def make_engine(url: str, *, lock_wait_s: int = 30) -> Engine:
    """Create the engine with the settings each backend needs to be safe under concurrency.

    `lock_wait_s` (SQLite only): how long a write waits for another connection's write lock.
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False,
                                                  "timeout": lock_wait_s})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # WAL lets the pusher read while a learner's review is written.
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={lock_wait_s * 1000}")
            cur.close()

        return engine
    # One connection per executor thread (4) plus a little headroom for the push tick and
    # health checks; N instances stay well under PostgreSQL's default 100 connections.
    # force_custom_plan: psycopg prepares a statement after five runs, and PostgreSQL may
    # then switch to a generic plan that ignores the values. For the push tick's window
    # query (its zones and times change every tick) that plan read every learner: many
    # times slower than planning each run.
    # No pool_pre_ping: it costs a round trip per unit of work. A connection the server
    # dropped fails its unit's first statement instead, which `_unit_of_work` runs again
    # on a fresh one.
    return create_engine(url, pool_size=4, max_overflow=2,
                         connect_args={"options": "-c plan_cache_mode=force_custom_plan"})


class Database:
    """Runs synchronous session work in a small thread pool so handlers never block the loop,
    except the study loop's short units of work on SQLite (`run_quick`)."""

    def __init__(self, url: str, *, threads: int = 4) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="db")
        # run_quick's own connections to SQLite, made on first use: they never wait for a lock.
        self._quick_engine: Engine | None = None

    def call(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run one unit of work in its own session and commit it."""
        return _unit_of_work(self.engine, fn, args, kwargs)

    async def run(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        loop = asyncio.get_running_loop()
        work = functools.partial(self.call, fn, *args, **kwargs)
        return await loop.run_in_executor(self._executor, work)

    async def run_quick(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`run` for the study loop's short, bounded units of work (an answer, a press).

        On SQLite they run right here, on the event loop. That work is Python holding the
        GIL, so a worker thread would not let the loop run meanwhile; it would only add the
        hand-off, which cost more CPU than the work itself (1.2-1.5 ms against 0.75 ms per
        update, README "Benchmarks"). These connections never wait for a lock: if a threaded
        writer (a push run, a deck import) holds SQLite's write lock, the work is rolled back
        and handed to a thread, which may wait. On PostgreSQL every statement is a round trip
        to the server, so the work goes to the threads as with `run`, and it starts outside a
        transaction (see `begin_transaction`): each statement commits alone, without a BEGIN
        and a COMMIT of its own, until the work opens one.
        """
        if not self.url.startswith("sqlite"):
            loop = asyncio.get_running_loop()
            work = functools.partial(_unit_of_work, self.engine, fn, args, kwargs,
                                     autocommit=True)
            return await loop.run_in_executor(self._executor, work)
        if self._quick_engine is None:
            self._quick_engine = make_engine(self.url, lock_wait_s=0)
        try:
            return _unit_of_work(self._quick_engine, fn, args, kwargs)
        except sa.exc.OperationalError as error:
            if not _locked(error):
                raise
        return await self.run(fn, *args, **kwargs)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.engine.dispose()
        if self._quick_engine is not None:
            self._quick_engine.dispose()


def _unit_of_work(
    engine: Engine, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any],
    *, autocommit: bool = False,
) -> T:
    """Run `fn` in its own session and commit; once more on a new connection if the pooled
    one turned out to be dropped (a database restart) before anything was committed."""
    for last_try in (False, True):
        committing = False
        session = Session(engine, expire_on_commit=False)
        try:
            with session:
                if autocommit:
                    session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
                result = fn(session, *args, **kwargs)
                committing = True
                if session.info.get(_DEFERRED):
                    # The unit's last writes travel with its COMMIT (see `defer`).
                    pipeline(session, (), commit=owns_transaction(session))
                session.commit()
                return result
        except sa.exc.DBAPIError as error:
            # SQLAlchemy has invalidated the pool's connections by now. A failed COMMIT may
            # have been applied, so that unit is not run twice.
            if (last_try or committing or session.info.get(_COMMIT_SENT)
                    or not error.connection_invalidated):
                raise
    raise AssertionError("unreachable")


def begin_transaction(session: Session) -> None:
    """Make the rest of this unit of work one transaction, if it started outside one
    (`Database.run_quick` on PostgreSQL): what it wrote so far stays committed."""
    raw = session.connection().connection.dbapi_connection
    if raw is not None and getattr(raw, "autocommit", False):
        # psycopg opens the transaction (BEGIN) with the next statement; the session's commit
        # or rollback ends it, and the pool resets the connection when it comes back.
        raw.autocommit = False


Statement = tuple[sa.Executable, Mapping[str, Any]]
# Keys of session.info: writes waiting for the unit's next round trip (`defer`), and whether
# this unit opened its transaction itself (`pipeline(begin=True)`).
_DEFERRED = "deferred_writes"
_OWN_TRANSACTION = "own_transaction"
_COMMIT_SENT = "commit_sent"
_COMPILED: dict[tuple[int, str], sa.engine.Compiled] = {}
_SQL: dict[tuple[int, str], str] = {}


def pipelining(session: Session) -> bool:
    """Whether this unit sends its statements in pipelines (`pipeline`): a unit of
    `Database.run_quick` on PostgreSQL, started outside a transaction, or one that opened its
    transaction itself that way."""
    if session.info.get(_OWN_TRANSACTION):
        return True
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    return (connection.dialect.name == "postgresql" and raw is not None
            and bool(getattr(raw, "autocommit", False)))


def owns_transaction(session: Session) -> bool:
    """Whether this unit sent its BEGIN itself (`pipeline(begin=True)`), and so its COMMIT."""
    return bool(session.info.get(_OWN_TRANSACTION))


def defer(session: Session, statement: sa.Executable, params: Mapping[str, Any]) -> None:
    """Send a write with the unit's next pipeline, or with its COMMIT if none follows: it
    returns nothing the unit waits for. Only for units that `pipelining` says pipeline."""
    session.info.setdefault(_DEFERRED, []).append((statement, params))


def pipeline(session: Session, statements: Sequence[Statement], *, begin: bool = False,
             commit: bool = False) -> list[list[tuple[Any, ...]]]:
    """Run the deferred writes and `statements` in one round trip (psycopg's pipeline mode:
    the statements are sent together and their results read once, after one Sync), and the
    rows each of `statements` returned.

    PostgreSQL only, on a connection outside psycopg's own transaction handling (autocommit,
    as `Database.run_quick` opens it): psycopg would send its BEGIN and COMMIT as round
    trips of their own, so `begin` and `commit` travel in the pipeline as statements, and
    what runs between them is one transaction on the server. The statements are compiled
    once; datetimes come back in UTC, as TZDateTime hands them back.
    """
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    assert raw is not None
    deferred: list[Statement] = session.info.pop(_DEFERRED, [])
    if begin:
        session.info[_OWN_TRANSACTION] = True
    cursors = []
    sql = ""
    params: Mapping[str, Any] = {}
    try:
        with raw.pipeline():
            if begin:
                raw.execute(b"BEGIN")
            for statement, values in deferred:
                sql, params = _compiled(connection, statement, values)
                raw.execute(sql, params)
            for statement, values in statements:
                sql, params = _compiled(connection, statement, values)
                cursor = raw.cursor()
                cursor.execute(sql, params)
                cursors.append(cursor)
            if commit:
                session.info[_COMMIT_SENT] = True
                raw.execute(b"COMMIT")
                session.info[_OWN_TRANSACTION] = False
        return [[tuple(value.astimezone(UTC) if isinstance(value, datetime) else value
                       for value in row) for row in cursor.fetchall()] for cursor in cursors]
    except sa.exc.DBAPIError:
        raise
    except Exception as error:
        # As SQLAlchemy handles its own statements' errors: wrapped, and a dropped
        # connection invalidated (with the pool's others), so `_unit_of_work` may retry.
        if not isinstance(error, connection.dialect.loaded_dbapi.Error):
            raise
        connection._handle_dbapi_exception(error, sql, params, None, None)
        raise


def _compiled(connection: sa.Connection, statement: sa.Executable, values: Mapping[str, Any]
              ) -> tuple[str, Mapping[str, Any]]:
    """The statement's SQL (compiled once: the statements are built once, at import) and its
    parameters, the values it holds itself included."""
    key = (id(statement), connection.dialect.name)
    compiled = _COMPILED.get(key)
    if compiled is None:
        assert isinstance(statement, sa.ClauseElement)
        compiled = _COMPILED[key] = statement.compile(dialect=connection.dialect)
        # A value SQLAlchemy renders into the SQL at each run (a separator) is bound instead.
        _SQL[key] = re.sub(r"__\[POSTCOMPILE_(\w+)\]", r"%(\1)s", compiled.string)
    params = compiled.construct_params(dict(values))
    assert params is not None
    return _SQL[key], params


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached or cannot answer right now (down,
    restarting, out of connections, a lock held past the wait), as opposed to a bug or a
    broken constraint: the learner is told to try again in a minute, not that we failed.

    SQLAlchemy's engine reconnects by itself (a dropped connection invalidates the pool, and
    `_unit_of_work` retries once), so nothing needs resetting once the database is back.
    """
    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError
                      | sa.exc.TimeoutError)


def _locked(error: sa.exc.OperationalError) -> bool:
    """SQLite's "database is locked" (another connection writes) or "database table is
    locked" (a shared-cache table lock)."""
    return "locked" in str(error.orig)


def ping(session: Session) -> None:
    """One round trip: whether the database answers (for /healthz)."""
    session.execute(sa.text("SELECT 1"))


def upsert_insert(session: Session, table: sa.Table) -> Any:
    """An INSERT for `table` in the session's dialect, so callers can add ON CONFLICT (both
    engines we run on have it; SQLAlchemy spells it per dialect)."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(table)
    if dialect == "sqlite":
        return sqlite.insert(table)
    raise NotImplementedError(f"ON CONFLICT is not supported on {dialect}")
