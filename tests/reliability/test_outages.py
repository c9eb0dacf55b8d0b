"""Dependency outages: a clear message while it lasts, and recovery without a restart.

PostgreSQL is restarted under a running bot (a private cluster made with initdb on its own
port; the shared server on 5432 is never touched). The other outages of the promise live
with their features: Redis stopped for 30 s in tests/scaleout/test_redis_demo_faults.py, a
demo worker killed in tests/bot/test_demo_faults.py. Each prints its time to recover.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest

from tests.bot.test_study_loop import LEARNER, say
from tests.conftest import make_settings, start_bot
from tests.factories import FakeClock
from tests.private_services import PrivatePostgres, private_postgres
from tgemu import BotApiEmulator, ShownMessage

DOWN_TEXT = "can't reach my database right now"
APOLOGY = "something went wrong"
# PostgreSQL accepting connections again -> a learner's /study answered: the pool's next
# checkout reconnects (pool_pre_ping); slack for a loaded machine, the figure is printed.
RECOVERY_BOUND_S = 20.0


@pytest.fixture
def postgres_server() -> Iterator[PrivatePostgres]:
    with private_postgres() as server:
        yield server


@pytest.mark.timeout(180)
async def test_postgres_restart_is_explained_and_the_bot_recovers_by_itself(
    emulator: BotApiEmulator, postgres_server: PrivatePostgres, clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """While PostgreSQL is down a learner's messages get "I can't reach my database right now,
    try again in a minute" (no apology, no traceback); once it is back the same bot answers
    again without a restart, and the time to recover is printed."""
    caplog.set_level(logging.WARNING)
    settings = make_settings(emulator, postgres_server.url, deck_reload_s=0)
    bot = await start_bot(emulator, settings, clock)
    try:
        (welcome,) = await say(bot, "/start")
        assert "Hi Ada" in welcome.body
        (card,) = await say(bot, "/study")
        assert "What is data augmentation?" in card.body

        postgres_server.stop()
        for text in ("/study", "artificially enlarging the training set", "/stats"):
            (reply,) = await say(bot, text)
            assert DOWN_TEXT in reply.body and "try again in a minute" in reply.body, reply.body
        # One reply per message: a command whose sender's registration failed must not run
        # its handler too, fail the same way and say it twice.
        await asyncio.sleep(0.5)
        outage = bot.emu.chat(LEARNER)[4:]
        assert [m.from_bot for m in outage] == [False, True] * 3, bot.emu.transcript(LEARNER)

        postgres_server.start()
        back = time.monotonic()
        answer: ShownMessage
        while True:
            (answer,) = await say(bot, "/study")
            if DOWN_TEXT not in answer.body:
                break
            assert time.monotonic() - back < RECOVERY_BOUND_S, answer.body
            await asyncio.sleep(0.5)
        recovered_s = time.monotonic() - back
        print(f"postgres restart: the bot answered again {recovered_s:.1f} s after PostgreSQL "
              f"was back (bound {RECOVERY_BOUND_S:.0f} s)")
        assert "What is data augmentation?" in answer.body  # the same card, nothing lost
        chat = bot.emu.bot_messages(LEARNER)
        assert not any(APOLOGY in m.body for m in chat)

        assert [r.getMessage() for r in caplog.records if r.exc_info] == []
        outage_lines = [r for r in caplog.records if "database unreachable" in r.getMessage()]
        assert 1 <= len(outage_lines) <= 6
    finally:
        await bot.stop()
