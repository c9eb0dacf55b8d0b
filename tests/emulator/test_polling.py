"""getUpdates semantics: offset confirmation, limit, long-poll timeout and wake-up."""

from __future__ import annotations

import asyncio
import time

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Conflict

from tgemu import BotApiEmulator


async def test_offset_confirms_and_nothing_is_delivered_twice(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """Updates stay until confirmed with a higher offset, then are never returned again."""
    user = emu.user(1)
    for i in range(5):
        await emu.send_text(user, f"m{i}")
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first if u.message] == ["m0", "m1"]
    again = await bot.get_updates(limit=2)
    assert [u.update_id for u in again] == [u.update_id for u in first]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["m2", "m3", "m4"]
    done = await bot.get_updates(offset=rest[-1].update_id + 1, timeout=0)
    assert done == ()
    assert emu.pending_updates == 0


async def test_negative_offset_keeps_last_updates(emu: BotApiEmulator, bot: Bot) -> None:
    """A negative offset returns the last N updates and forgets the earlier ones."""
    user = emu.user(1)
    for i in range(4):
        await emu.send_text(user, f"m{i}")
    last = await bot.get_updates(offset=-1)
    assert [u.message.text for u in last if u.message] == ["m3"]
    assert emu.pending_updates == 1


async def test_long_poll_timeout_is_honoured(emu: BotApiEmulator, bot: Bot) -> None:
    """With no updates, getUpdates blocks for about `timeout` seconds and returns empty."""
    start = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert 0.9 <= time.monotonic() - start < 2.0


async def test_long_poll_wakes_on_new_update(emu: BotApiEmulator, bot: Bot) -> None:
    """A waiting long poll returns as soon as an update arrives, not at the timeout."""
    user = emu.user(1)

    async def later() -> None:
        await asyncio.sleep(0.2)
        await emu.send_text(user, "wake")

    task = asyncio.create_task(later())
    start = time.monotonic()
    updates = await bot.get_updates(timeout=5)
    await task
    assert time.monotonic() - start < 1.5
    assert updates[0].message is not None and updates[0].message.text == "wake"


async def test_allowed_updates_filter(emu: BotApiEmulator, bot: Bot) -> None:
    """allowed_updates persists and drops update types the bot did not ask for."""
    user = emu.user(1)
    await bot.get_updates(allowed_updates=["callback_query"], timeout=0)
    await emu.send_text(user, "ignored")
    assert emu.pending_updates == 0
    msg = await bot.send_message(1, "x", reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton("b", callback_data="d")]]))
    await emu.press(user, msg.message_id, "d")
    [u] = await bot.get_updates()
    assert u.callback_query is not None and u.callback_query.data == "d"


async def test_second_poller_terminates_the_first(emu: BotApiEmulator, bot: Bot) -> None:
    """Two concurrent getUpdates: the older one gets 409 Conflict, as on Telegram."""
    first = asyncio.create_task(bot.get_updates(timeout=3))
    await asyncio.sleep(0.2)
    # PTB serialises getUpdates per Bot, so the competing poller is a second instance.
    async with Bot(emu.token, base_url=emu.base_url) as other:
        assert await other.get_updates(timeout=0) == ()
    with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates"):
        await first
