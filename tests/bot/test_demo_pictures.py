"""Demo pictures as a learner receives them: /augment draws anew each time (a seed draws a grid
again), and the digit's caption says which transforms suit digits."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from tests.bot.test_study_loop import LEARNER, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator, ShownMessage


@pytest.fixture
async def demo_bot(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    bot = await start_bot(emulator, make_settings(emulator, sqlite_url, demo_workers=1,
                                                  demo_device="cpu"), clock)
    try:
        yield bot
    finally:
        await bot.stop()


async def picture_for(bot: RunningBot, command: str) -> ShownMessage:
    """Send a demo command and wait for the picture it brings."""
    bot.emu.user(LEARNER, first_name="Ada")
    before = sum(m.has_photo for m in bot.emu.bot_messages(LEARNER))
    await say(bot, command)
    await bot.emu.wait_until(
        lambda: sum(m.has_photo for m in bot.emu.bot_messages(LEARNER)) > before,
        timeout=90, what=f"the picture of {command}")
    await bot.emu.wait_until(lambda: bot.app.bot_data.demos.queue_position(LEARNER) is None,
                             timeout=30, what="the demo to finish")
    return [m for m in bot.emu.bot_messages(LEARNER) if m.has_photo][-1]


async def test_augment_draws_new_parameters_each_time(demo_bot: RunningBot) -> None:
    """Two /augment digit requests bring two different grids, each caption naming its seed;
    the seed in the caption draws the same grid again."""
    first = await picture_for(demo_bot, "/augment digit")
    second = await picture_for(demo_bot, "/augment digit")
    assert first.photo != second.photo
    seeds = [re.search(r"seed is (\d+) \(/augment digit \1 draws it again\)", m.caption or "")
             for m in (first, second)]
    assert all(seeds), (first.caption, second.caption)
    again = await picture_for(demo_bot, f"/augment digit {seeds[0][1]}")  # type: ignore[index]
    assert again.photo == first.photo


async def test_digit_caption_says_which_transforms_suit_digits(demo_bot: RunningBot) -> None:
    """On the digit, the caption says flips and big turns change the label, and the scene's
    caption sends digit learners there before they flip."""
    digit = await picture_for(demo_bot, "/augment digit 5")
    caption = digit.caption or ""
    assert "a handwritten 6" in caption and "never flips" in caption
    assert "turned over it reads as a 9" in caption
    assert "leave a 6 a 6" in caption and "rotation ±15°" in caption
    scene = await picture_for(demo_bot, "/augment scene 5")
    assert "For digits or text, leave out the flips (/augment digit shows why)." in (
        scene.caption or "")


async def test_stats_chart_caption_reads_as_written(demo_bot: RunningBot) -> None:
    """The /stats chart's caption is sent as HTML, so "today's" shows no escape code."""
    chart = await picture_for(demo_bot, "/stats")
    assert "today's answers by rating" in (chart.caption or ""), chart.caption
    assert "&#x27;" not in (chart.caption or "")
