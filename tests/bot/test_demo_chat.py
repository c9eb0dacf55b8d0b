"""Demos through the chat: commands, photos, the Show me button, cancel and busy learners."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image

from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator


def _png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


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


async def _picture(bot: RunningBot, wait_s: float = 60) -> None:
    await bot.emu.wait_until(
        lambda: any(m.has_photo for m in bot.emu.bot_messages(LEARNER)), timeout=wait_s,
        what="a demo picture",
    )


async def test_lrfind_junk_gets_usage(demo_bot: RunningBot) -> None:
    """Junk arguments get a usage reply and start nothing."""
    (reply,) = await say(demo_bot, "/lrfind banana")
    assert "Usage: /lrfind" in reply.body
    assert demo_bot.app.bot_data.demos.queue_position(LEARNER) is None


async def test_demo_without_name_lists_lessons_only(demo_bot: RunningBot) -> None:
    """/demo lists the lessons; the bot's own jobs (stats chart, schedule fit) are not offered."""
    (reply,) = await say(demo_bot, "/demo")
    assert "/demo softmax" in reply.body and "/demo lrfind" in reply.body
    assert "/demo stats" not in reply.body and "fsrs-fit" not in reply.body


async def test_lrfind_progress_then_picture(demo_bot: RunningBot) -> None:
    """/lrfind shows progress in one message, then the plot with a caption naming the card."""
    (status,) = await say(demo_bot, "/lrfind mlp")
    assert "Learning-rate finder" in status.body
    assert any("Cancel" in label for row in status.buttons for label, _ in row)
    await _picture(demo_bot)
    photo = next(m for m in demo_bot.emu.bot_messages(LEARNER) if m.has_photo)
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    assert "valley" in (photo.caption or "")
    assert "Methodology of learning rate finder" in (photo.caption or "")
    await demo_bot.emu.wait_until(
        lambda: "Done" in demo_bot.emu.message(LEARNER, status.message_id).body)
    assert "upload_photo" in demo_bot.emu.chat_actions(LEARNER)


async def test_augment_photo_and_bad_files(demo_bot: RunningBot) -> None:
    """A photo captioned /augment comes back as a grid; non-images and huge files are refused."""
    demo_bot.emu.user(LEARNER, first_name="Ada")
    await demo_bot.emu.send_document(LEARNER, b"%PDF-1.4 not an image", file_name="notes.pdf",
                                     mime_type="application/pdf", caption="/augment")
    (reply,) = await demo_bot.emu.wait_for_bot_message(LEARNER)
    assert "text message" in reply.body or "image" in reply.body.lower()
    await demo_bot.emu.send_document(LEARNER, _png(8, 8) + b"\0" * (11 * 1024 * 1024),
                                     file_name="big.png", mime_type="image/png",
                                     caption="/augment")
    (reply,) = await demo_bot.emu.wait_for_bot_message(LEARNER)
    assert "too large" in reply.body
    await demo_bot.emu.send_photo(LEARNER, _png(1600, 1200), caption="/augment")
    (status,) = await demo_bot.emu.wait_for_bot_message(LEARNER)
    assert "augmentation" in status.body.lower()
    await _picture(demo_bot)
    photo = next(m for m in demo_bot.emu.bot_messages(LEARNER) if m.has_photo)
    assert photo.photo is not None
    grid = Image.open(io.BytesIO(photo.photo))
    assert max(grid.size) <= 2000


async def test_second_demo_while_busy_and_cancel(demo_bot: RunningBot) -> None:
    """A second demo while one runs is refused with the queue position; Cancel stops it."""
    (status,) = await say(demo_bot, "/lrfind cnn")
    (busy,) = await say(demo_bot, "/augment")
    assert "already have a demo" in busy.body
    cancel = next(d for row in status.buttons for label, d in row if "Cancel" in label)
    assert cancel is not None
    await demo_bot.emu.press(LEARNER, status.message_id, cancel)
    await demo_bot.emu.wait_until(
        lambda: "cancelled" in demo_bot.emu.message(LEARNER, status.message_id).body,
        timeout=30)
    (again,) = await say(demo_bot, "/demo softmax")
    assert "Softmax" in again.body
    await _picture(demo_bot)


async def test_show_me_after_grading(demo_bot: RunningBot) -> None:
    """A card with a demo offers Show me after grading, which sends the demo picture."""
    await say(demo_bot, "/study")
    (graded,) = await say(demo_bot, "no idea")
    assert any("Show me" in label for row in graded.buttons for label, _ in row)
    await press(demo_bot, graded, "Show me")
    await _picture(demo_bot)


async def test_stats_sends_summary_and_chart(demo_bot: RunningBot) -> None:
    """/stats answers with the text summary, then a chart picture from the worker."""
    await say(demo_bot, "/study")
    (graded,) = await say(demo_bot, "no idea")
    await press(demo_bot, graded, "Good")
    (summary,) = await say(demo_bot, "/stats")
    assert "Streak: 1 day" in summary.body
    await _picture(demo_bot)
    photo = next(m for m in demo_bot.emu.bot_messages(LEARNER) if m.has_photo)
    assert "due" in (photo.caption or "")
    assert photo.photo is not None
    assert Image.open(io.BytesIO(photo.photo)).size[0] >= 800
