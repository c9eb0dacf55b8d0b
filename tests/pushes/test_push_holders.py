"""Push claims carry their holder: a restarted bot takes over the claims of a process that is
gone at once (not after the 10-minute lease), leaves a live holder's claims alone, and never
calls a push that may have arrived "failed"."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session, col

from bot.jobs import pushes
from bot.liveness import ProcessIdentity, this_process
from bot.store import pushes as push_store
from bot.store.models import PushClaim, PushHolder
from tests.conftest import RunningBot
from tests.pushes.test_pushes import add_learner, at, bot, claims, sends_per_chat, utc

__all__ = ["bot"]  # the fixture, shared with test_pushes

NOW = utc(2026, 3, 2, 8, 0)


@pytest.fixture
def other_process() -> Iterator[subprocess.Popen[bytes]]:
    """A real process that could hold claims: alive until the test kills it."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def identity_of(proc: subprocess.Popen[bytes]) -> ProcessIdentity:
    me = this_process()
    with open(f"/proc/{proc.pid}/stat") as f:
        started = int(f.read().rsplit(")", 1)[1].split()[19])
    return ProcessIdentity(host=me.host, pid=proc.pid, started=started)


def add_holder(bot: RunningBot, holder_id: str, who: ProcessIdentity, *,
               seen_ago: timedelta = timedelta(0)) -> None:
    wall = datetime.now(UTC)
    with Session(bot.db.engine) as session:
        session.add(PushHolder(id=holder_id, host=who.host, pid=who.pid, pid_started=who.started,
                               started_at=wall - timedelta(hours=1), seen_at=wall - seen_ago))
        session.commit()


def hold(bot: RunningBot, holder_id: str, rows: dict[int, str]) -> None:
    """Claims (learner id -> status) for NOW's date, taken by `holder_id` a minute ago."""
    with Session(bot.db.engine) as session:
        for learner_id, status in rows.items():
            session.add(PushClaim(learner_id=learner_id, local_date=NOW.date(),
                                  claimed_at=NOW - timedelta(minutes=1), status=status,
                                  attempts=1, due_count=10, holder=holder_id))
        session.commit()


def statuses(bot: RunningBot) -> dict[int, str]:
    return {c.learner_id: c.status for c in claims(bot)}


async def test_claims_of_a_killed_holder_are_taken_over_at_the_next_tick(
    bot: RunningBot, other_process: subprocess.Popen[bytes],
) -> None:
    """A holder on this host that was SIGKILLed with a fresh heartbeat: its `claimed` row is
    sent at the next tick and its `sending` row is settled `unknown`, without the lease."""
    claimed, sending = add_learner(bot, 1, at="08:00"), add_learner(bot, 2, at="08:00")
    add_holder(bot, "dead" * 8, identity_of(other_process))
    hold(bot, "dead" * 8, {claimed: "claimed", sending: "sending"})
    other_process.kill()
    other_process.wait()
    report = await at(bot, NOW + timedelta(minutes=1))
    assert sends_per_chat(bot.emu) == Counter({1: 1})
    assert statuses(bot) == {claimed: "sent", sending: "unknown"}
    assert report.sent == 1
    with Session(bot.db.engine) as session:
        holders = session.exec(sa.select(col(PushHolder.id))).scalars().all()  # type: ignore[call-overload]
    assert "dead" * 8 not in holders


async def test_a_live_holders_claims_are_left_alone_until_its_heartbeat_stops(
    bot: RunningBot, other_process: subprocess.Popen[bytes],
) -> None:
    """A holder whose process still runs keeps its claims; once its heartbeat is older than
    HOLDER_STALE they are taken over, well before the lease."""
    claimed, sending = add_learner(bot, 1, at="08:00"), add_learner(bot, 2, at="08:00")
    add_holder(bot, "live" * 8, identity_of(other_process))
    hold(bot, "live" * 8, {claimed: "claimed", sending: "sending"})
    await at(bot, NOW + timedelta(minutes=1))
    assert sends_per_chat(bot.emu) == Counter()
    assert statuses(bot) == {claimed: "claimed", sending: "sending"}
    with Session(bot.db.engine) as session:
        session.execute(sa.update(PushHolder).values(
            seen_at=datetime.now(UTC) - push_store.HOLDER_STALE - timedelta(seconds=1)))
        session.commit()
    await at(bot, NOW + timedelta(minutes=2))
    assert sends_per_chat(bot.emu) == Counter({1: 1})
    assert statuses(bot) == {claimed: "sent", sending: "unknown"}


async def test_a_holder_on_another_host_is_judged_by_its_heartbeat_only(
    bot: RunningBot,
) -> None:
    """A holder on another machine (a pid here means nothing) keeps its claims while it beats."""
    claimed = add_learner(bot, 1, at="08:00")
    add_holder(bot, "away" * 8, ProcessIdentity(host="elsewhere/boot", pid=999_999, started=1))
    hold(bot, "away" * 8, {claimed: "claimed"})
    await at(bot, NOW + timedelta(minutes=1))
    assert statuses(bot) == {claimed: "claimed"}


async def test_a_push_that_may_have_arrived_is_unknown_not_failed(bot: RunningBot) -> None:
    """A connection dropped after the request left may have delivered it: the push is
    recorded `unknown`, counted as such, and never sent again."""
    add_learner(bot, 1, at="08:00")
    bot.emu.inject_fault("sendMessage", "reset", times=1, chat_id=1)
    report = await at(bot, NOW)
    assert (report.unknown, report.failed, report.sent) == (1, 0, 0)
    assert statuses(bot) == {1: "unknown"}
    await at(bot, NOW + timedelta(minutes=30))
    assert [c for c in bot.emu.calls_to("sendMessage") if c.status == 200] == []


async def test_a_stopped_bot_leaves_no_holder_behind(bot: RunningBot) -> None:
    """The running bot beats as a holder; stopping it removes its row, so nothing it held
    waits for anyone."""
    with Session(bot.db.engine) as session:
        rows = session.exec(sa.select(PushHolder)).scalars().all()  # type: ignore[call-overload]
    assert [(r.host, r.pid) for r in rows] == [(this_process().host, this_process().pid)]
    await pushes.stop(bot.app)  # what post_shutdown does first
    with Session(bot.db.engine) as session:
        assert session.exec(sa.select(PushHolder)).scalars().all() == []  # type: ignore[call-overload]
