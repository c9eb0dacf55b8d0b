"""Demo faults through the chat, on a real torch worker: a worker that died while idle, and
pictures the worker refuses. The learner gets the demo or the real reason, the status message
never keeps a dead Cancel button, and what could not run is not counted against the quota."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import AsyncIterator

import pytest
from sqlmodel import Session, func, select

from bot.store.models import DemoUse
from tests.bad_pictures import bad_pictures
from tests.bot.test_study_loop import LEARNER, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator, ShownMessage

APOLOGY = "something went wrong"


@pytest.fixture
async def demo_bot(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    settings = make_settings(emulator, sqlite_url, demo_workers=1, demo_device="cpu")
    bot = await start_bot(emulator, settings, clock)
    try:
        yield bot
    finally:
        await bot.stop()


def uses(bot: RunningBot) -> int:
    with Session(bot.db.engine) as session:
        return int(session.exec(select(func.count()).select_from(DemoUse)).one())


async def outcome(bot: RunningBot, status: ShownMessage, wait_s: float = 90) -> ShownMessage:
    """The status message once it no longer says "⏳" (the demo's outcome)."""
    await bot.emu.wait_until(
        lambda: "⏳" not in bot.emu.message(LEARNER, status.message_id).body, timeout=wait_s,
        chat=LEARNER, what="the demo's outcome on its status message")
    return bot.emu.message(LEARNER, status.message_id)


def cancel_buttons(message: ShownMessage) -> list[str]:
    return [label for row in message.buttons for label, _ in row if "Cancel" in label]


def gone(pid: int) -> bool:
    """Whether the process has exited (a zombie counts: it runs no more)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


@pytest.mark.timeout(180)
async def test_worker_that_died_while_idle_is_replaced_and_the_demo_runs(
    demo_bot: RunningBot,
) -> None:
    """A demo asked for after the idle worker was SIGKILLed still arrives, on a fresh worker;
    the time from the kill to the picture (a fresh worker's warm-up) is printed."""
    runner = demo_bot.app.bot_data.demos
    [pid] = runner.worker_pids()
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    await demo_bot.emu.wait_until(lambda: gone(pid), what="the worker to die")
    (status,) = await say(demo_bot, "/demo softmax")
    final = await outcome(demo_bot, status)
    assert "Done" in final.body, demo_bot.emu.transcript(LEARNER)
    print(f"demo worker killed: a demo arrived {time.monotonic() - killed:.1f} s after the kill")
    assert cancel_buttons(final) == []
    assert any(m.has_photo for m in demo_bot.emu.bot_messages(LEARNER))
    assert not any(APOLOGY in m.body for m in demo_bot.emu.bot_messages(LEARNER))
    assert runner.worker_pids() and pid not in runner.worker_pids()
    assert uses(demo_bot) == 1  # it ran, so it counts


@pytest.mark.timeout(180)
async def test_refused_pictures_show_the_workers_reason_and_are_not_counted(
    demo_bot: RunningBot,
) -> None:
    """A 20000x20000 PNG, a truncated PNG, junk after a PNG signature and a decompression bomb
    sent as documents each get the worker's reason, and none counts against the quota."""
    demo_bot.emu.user(LEARNER, first_name="Ada")
    for name, data, reason in bad_pictures():
        demo_bot.emu.mark(LEARNER)
        await demo_bot.emu.send_document(LEARNER, data, file_name=name, mime_type="image/png",
                                         caption="/augment")
        (status,) = await demo_bot.emu.wait_for_bot_message(LEARNER)
        final = await outcome(demo_bot, status)
        assert reason in final.body, (name, final.body)
        assert "didn't finish" not in final.body
        assert cancel_buttons(final) == []
    assert uses(demo_bot) == 0
    assert not any(APOLOGY in m.body for m in demo_bot.emu.bot_messages(LEARNER))
