"""Demo faults on the scaled-out path (the Redis queue and real `tutorbot worker` processes).

A Redis outage, against a private redis-server that the test stops and starts (the shared one
on 6379 is never touched): the learner is told demos are unavailable, nothing is counted, the
worker survives, and demos work again by themselves once Redis is back. Refused pictures: the
worker's own reason reaches the learner, as with the local runner."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import pytest

from tests.bad_pictures import bad_pictures
from tests.bot.test_demo_faults import APOLOGY, cancel_buttons, outcome, uses
from tests.bot.test_study_loop import LEARNER, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tests.private_services import PrivateRedis, private_redis
from tests.scaleout.conftest import REDIS_URL, WorkerProcess
from tgemu import BotApiEmulator

FAKE = "tests.scaleout.fake_queue_worker"
OUTAGE_S = 30.0
# Redis back -> a demo works: the worker's longest backoff step (RECONNECT_MAX_S, 5 s), its
# poll, one demo, and slack for a loaded machine; the figure measured is printed.
RECOVERY_BOUND_S = 20.0


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    with private_redis() as server:
        yield server


async def demo_once(bot: RunningBot) -> str:
    """Ask for a softmax demo and return what its status message ends with."""
    bot.emu.user(LEARNER, first_name="Ada")
    bot.emu.mark(LEARNER)
    (status,) = await say(bot, "/demo softmax")
    final = await outcome(bot, status, wait_s=30)
    assert cancel_buttons(final) == [], final.body
    return final.body


@pytest.mark.timeout(150)
async def test_redis_stopped_for_30_s_is_explained_and_demos_recover_by_themselves(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock, redis_server: PrivateRedis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """With Redis stopped for 30 s, a demo request is answered "unavailable right now" (not
    counted, no traceback), `tutorbot worker` keeps running, and once Redis is back demos
    work again without restarting anything; the time to recover is printed."""
    from bot.worker.queue_worker import RECONNECT_MAX_S

    assert RECONNECT_MAX_S < RECOVERY_BOUND_S
    caplog.set_level(logging.WARNING)
    queue = "tutorbot-test:outage"
    worker = WorkerProcess(queue, module=FAKE, name="outage", redis_url=redis_server.url)
    bot: RunningBot | None = None
    try:
        await worker.wait_ready()
        settings = make_settings(emulator, sqlite_url, demo_workers=1,
                                 redis_url=redis_server.url, demo_queue=queue)
        bot = await start_bot(emulator, settings, clock)
        assert "Done" in await demo_once(bot)
        assert uses(bot) == 1

        redis_server.stop()
        stopped = time.monotonic()
        during = await demo_once(bot)
        assert "Demos are unavailable right now" in during and "try again in a minute" in during
        assert uses(bot) == 1  # the refused demo was not counted
        await asyncio.sleep(max(0.0, OUTAGE_S - (time.monotonic() - stopped)))
        assert worker.proc.poll() is None, "the worker exited on the outage:\n" + worker.output()

        redis_server.start()
        back = time.monotonic()
        while True:
            body = await demo_once(bot)
            if "Done" in body:
                break
            assert "unavailable" in body, body
            assert time.monotonic() - back < RECOVERY_BOUND_S, worker.output()[-3000:]
            await asyncio.sleep(1.0)
        recovered_s = time.monotonic() - back
        print(f"redis outage {OUTAGE_S:.0f} s: demos back {recovered_s:.1f} s after Redis "
              f"returned (bound {RECOVERY_BOUND_S:.0f} s)")
        assert recovered_s < RECOVERY_BOUND_S
        assert uses(bot) == 2
        chat = bot.emu.bot_messages(LEARNER)
        assert not any(APOLOGY in m.body for m in chat)
        assert [r.getMessage() for r in caplog.records if r.exc_info] == []
        assert "Traceback" not in worker.output()
    finally:
        if bot is not None:
            await bot.stop()
        worker.stop()


@pytest.mark.timeout(180)
async def test_refused_pictures_show_the_workers_reason_over_redis(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock, queue_name: str,
) -> None:
    """Through the Redis queue and a real torch worker, each hostile picture gets the worker's
    reason ("too many pixels", "could not be read") and none counts against the quota."""
    worker = WorkerProcess(queue_name, name="pictures")
    bot: RunningBot | None = None
    try:
        await worker.wait_ready()
        settings = make_settings(emulator, sqlite_url, demo_workers=1, redis_url=REDIS_URL,
                                 demo_queue=queue_name, demo_device="cpu")
        bot = await start_bot(emulator, settings, clock)
        bot.emu.user(LEARNER, first_name="Ada")
        for name, data, reason in bad_pictures():
            bot.emu.mark(LEARNER)
            await bot.emu.send_document(LEARNER, data, file_name=name, mime_type="image/png",
                                        caption="/augment")
            (status,) = await bot.emu.wait_for_bot_message(LEARNER)
            final = await outcome(bot, status, wait_s=60)
            assert reason in final.body, (name, final.body)
            assert cancel_buttons(final) == []
        assert uses(bot) == 0
        assert not any(APOLOGY in m.body for m in bot.emu.bot_messages(LEARNER))
    finally:
        if bot is not None:
            await bot.stop()
        worker.stop()
