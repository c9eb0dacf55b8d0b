"""How many times the bot waits for PostgreSQL while a learner answers a card and presses a
rating, counted on the wire: every exchange with the server, BEGIN, COMMIT and the pool's
checks included, as the learner drives the real bot through the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import sqlalchemy as sa

from tests.bot.test_study_loop import press, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock, postgres_database
from tgemu import BotApiEmulator

# A press: BEGIN, the lock with the learner's row (their registration too) and the claim;
# the review's writes with the next card's reads; the next prompt with COMMIT.
PRESS_ROUND_TRIPS = 3
# An answer: the learner's row with the open card (their registration too); the graded answer.
ANSWER_ROUND_TRIPS = 2
CARDS = 3


@dataclass
class Wire:
    """libpq's protocol trace of every connection the engine opens, one file each.

    A round trip is one exchange that ends with the server's ReadyForQuery, or with the
    client's Flush (a pipeline waiting for results before its Sync). The only ones left out
    are psycopg's one-off preparations of a statement (a Parse with nothing to run, sent on a
    connection's fifth run of that statement), which never recur on it.
    """

    folder: Path
    traced: list[tuple[Any, IO[str]]] = field(default_factory=list)
    read_upto: dict[Path, int] = field(default_factory=dict)

    def attach(self, engine: sa.Engine) -> None:
        @sa.event.listens_for(engine, "connect")
        def _trace(dbapi_connection: Any, _record: Any) -> None:
            stream = (self.folder / f"{len(self.traced)}.trace").open("a", encoding="utf-8")
            self.traced.append((dbapi_connection, stream))
            self._start(dbapi_connection, stream)

        engine.dispose()  # connections made before now would go untraced

    @staticmethod
    def _start(dbapi_connection: Any, stream: IO[str]) -> None:
        from psycopg import pq

        dbapi_connection.pgconn.trace(stream.fileno())
        dbapi_connection.pgconn.set_trace_flags(
            pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def round_trips(self) -> list[list[str]]:
        """The exchanges since the last call, each as the names of the client's messages."""
        exchanges: list[list[str]] = []
        for connection, stream in self.traced:
            if connection.closed:
                continue
            connection.pgconn.untrace()  # flushes libpq's buffer
            self._start(connection, stream)
        for path in sorted(self.folder.glob("*.trace")):
            with path.open(encoding="utf-8") as lines:
                lines.seek(self.read_upto.get(path, 0))
                sent: list[str] = []
                for line in iter(lines.readline, ""):
                    parts = line.split("\t")
                    if len(parts) < 3:
                        continue
                    if parts[0] == "F":
                        name = parts[2].strip()
                        # Parse and Query carry the SQL: keep its first words for the report.
                        detail = parts[3] if len(parts) > 3 else ""
                        sql = next((q for q in detail.split('"')[1::2] if " " in q or
                                    q.isupper()), "")
                        sent.append(f"{name} {sql[:40]}".strip())
                        if name == "Flush":
                            exchanges.append(sent)
                            sent = []
                    elif parts[2].strip() == "ReadyForQuery":
                        if any(m.startswith(("Execute", "Query")) for m in sent):
                            exchanges.append(sent)
                        sent = []
                self.read_upto[path] = lines.tell()
        return exchanges


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
async def wired_bot(emulator: BotApiEmulator, postgres_url: str, clock: FakeClock,
                    tmp_path: Path) -> AsyncIterator[tuple[RunningBot, Wire]]:
    bot = await start_bot(emulator, make_settings(emulator, postgres_url), clock)
    # Only the learner's updates on the wire: no push tick, no deck reload meanwhile.
    assert bot.app.job_queue is not None
    for job in bot.app.job_queue.jobs():
        job.schedule_removal()
    wire = Wire(tmp_path)
    wire.attach(bot.db.engine)
    try:
        yield bot, wire
    finally:
        await bot.stop()


def described(exchanges: list[list[str]]) -> str:
    """The statements of each round trip, for the failure message."""
    return "; ".join(" ".join(m for m in sent if m.startswith(("Query", "Parse"))) or "?"
                     for sent in exchanges)


async def round_trips(bot: RunningBot, wire: Wire
                      ) -> tuple[list[list[str]], list[list[str]]]:
    """The most round trips an answer took, and the most a press took, over a few cards."""
    (card,) = await say(bot, "/study")
    answers, presses = [], []
    for _ in range(CARDS):
        wire.round_trips()
        (graded,) = await say(bot, "an answer that is probably wrong")
        answers.append(wire.round_trips())
        (card,) = await press(bot, graded, "Good")
        presses.append(wire.round_trips())
        assert "Type your answer" in card.body
    return max(answers, key=len), max(presses, key=len)


async def test_answer_takes_at_most_two_round_trips(wired_bot: tuple[RunningBot, Wire]
                                                    ) -> None:
    """On PostgreSQL a typed answer waits for the server at most twice: no BEGIN, no COMMIT,
    no ping, no lock, no registration read of its own."""
    answer, _ = await round_trips(*wired_bot)
    assert len(answer) <= ANSWER_ROUND_TRIPS, described(answer)


async def test_press_takes_at_most_three_round_trips(wired_bot: tuple[RunningBot, Wire]
                                                     ) -> None:
    """On PostgreSQL a rating press waits for the server at most three times, its BEGIN and
    COMMIT included (it took 15 with the pool's ping, 11 without)."""
    _, press_trips = await round_trips(*wired_bot)
    assert len(press_trips) <= PRESS_ROUND_TRIPS, described(press_trips)


async def test_connections_dropped_by_the_server_cost_the_learner_nothing(
    wired_bot: tuple[RunningBot, Wire], postgres_url: str,
) -> None:
    """Without the pool's ping, a pooled connection the server has dropped (a restart, an
    idle timeout) fails its unit's first statement, which then runs again on a new one: the
    learner's answer and press go through as if nothing happened."""
    bot, _ = wired_bot
    (card,) = await say(bot, "/study")
    admin = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as connection:
            dropped = connection.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
    finally:
        admin.dispose()
    assert dropped >= 1
    (graded,) = await say(bot, "an answer that is probably wrong")
    assert "Reference answer" in graded.body, graded.body
    (card,) = await press(bot, graded, "Good")
    assert "Type your answer" in card.body, card.body
