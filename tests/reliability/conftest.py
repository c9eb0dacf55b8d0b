"""Fixtures for the reliability suite: the in-process bot on SQLite (Telegram-side faults do not
depend on the database engine, so those tests skip the PostgreSQL run to stay in budget)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.emulator import BotApiEmulator
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock


@pytest.fixture
async def sqlite_bot(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    bot = await start_bot(emulator, make_settings(emulator, sqlite_url), clock)
    try:
        yield bot
    finally:
        await bot.stop()
