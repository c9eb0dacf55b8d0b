"""Fault injection and rate limiting map onto the exceptions PTB raises in production."""

from __future__ import annotations

import datetime as dtm
import time
import warnings

import pytest
from telegram import Bot
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from tgemu import BotApiEmulator

# RetryAfter itself reads the deprecated int-valued attribute while being constructed.
pytestmark = pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")


def retry_seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


async def test_429_raises_retry_after(emu: BotApiEmulator, bot: Bot) -> None:
    """A 429 fault carries parameters.retry_after, which PTB turns into RetryAfter."""
    emu.user(1)
    emu.inject_fault("sendMessage", "429", retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "x")
    assert retry_seconds(info.value) == 7
    await bot.send_message(1, "x")  # times=1: the next call succeeds
    assert [c.status for c in emu.calls_to("sendMessage")] == [429, 200]


async def test_403_raises_forbidden(emu: BotApiEmulator, bot: Bot) -> None:
    """A 403 fault reads like a user who blocked the bot."""
    emu.user(1)
    emu.inject_fault("sendMessage", "403")
    with pytest.raises(Forbidden, match=r"(?i)blocked by the user"):
        await bot.send_message(1, "x")


async def test_400_custom_description(emu: BotApiEmulator, bot: Bot) -> None:
    """A 400 fault uses the given description, prefixed like Telegram's."""
    emu.user(1)
    emu.inject_fault("sendMessage", "400", description="chat not found")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(1, "x")
    assert emu.calls_to("sendMessage")[-1].error == "Bad Request: chat not found"


@pytest.mark.parametrize("kind", ["500", "502"])
async def test_5xx_raise_network_error(emu: BotApiEmulator, bot: Bot, kind: str) -> None:
    """Server errors surface as NetworkError, which PTB treats as retryable."""
    emu.user(1)
    emu.inject_fault("sendMessage", kind)
    with pytest.raises(NetworkError):
        await bot.send_message(1, "x")


async def test_reset_raises_network_error(emu: BotApiEmulator, bot: Bot) -> None:
    """A dropped connection (no HTTP response at all) surfaces as NetworkError."""
    emu.user(1)
    emu.inject_fault("sendMessage", "reset")
    with pytest.raises(NetworkError):
        await bot.send_message(1, "x")
    assert emu.calls_to("sendMessage")[-1].status == 0
    await bot.send_message(1, "after")


async def test_slow_times_out_or_succeeds(emu: BotApiEmulator, bot: Bot) -> None:
    """A slow fault trips a short client read timeout, and merely delays a patient client."""
    emu.user(1)
    emu.inject_fault("sendMessage", "slow", delay=0.5, times=2)
    with pytest.raises(TimedOut):
        await bot.send_message(1, "x", read_timeout=0.1)
    start = time.monotonic()
    await bot.send_message(1, "y", read_timeout=5)
    assert time.monotonic() - start >= 0.45


async def test_fault_matches_chat_and_times(emu: BotApiEmulator, bot: Bot) -> None:
    """Faults filter by chat_id and fire exactly `times` times; times=None lasts until cleared."""
    emu.user(1)
    emu.user(2)
    emu.inject_fault("sendMessage", "403", chat_id=2, times=2)
    await bot.send_message(1, "fine")
    for _ in range(2):
        with pytest.raises(Forbidden):
            await bot.send_message(2, "x")
    await bot.send_message(2, "fine now")
    emu.inject_fault("*", "500", times=None)
    for _ in range(3):
        with pytest.raises(NetworkError):
            await bot.get_me()
    emu.clear_faults()
    await bot.get_me()


async def test_rate_limit_emulation(emu: BotApiEmulator, bot: Bot) -> None:
    """With rate_limit on, a burst to one chat beyond per-chat rate gets 429 + retry_after."""
    emu.user(1)
    emu.user(2)
    emu.rate_limit(global_per_s=30, per_chat_per_s=1)
    await bot.send_message(1, "first")
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(1, "second")
    assert retry_seconds(info.value) >= 1
    await bot.send_message(2, "other chat is fine")
    emu.no_rate_limit()
    await bot.send_message(1, "unlimited again")


async def test_global_rate_limit(emu: BotApiEmulator, bot: Bot) -> None:
    """The global bucket refuses sends beyond global_per_s across all chats."""
    for uid in range(1, 6):
        emu.user(uid)
    emu.rate_limit(global_per_s=3, per_chat_per_s=None)
    statuses = []
    for uid in range(1, 6):
        try:
            await bot.send_message(uid, "x")
            statuses.append(200)
        except RetryAfter:
            statuses.append(429)
    assert statuses == [200, 200, 200, 429, 429]
