"""Fixtures for the reliability suite. Telegram-side faults do not depend on the database
engine, so those tests use `sqlite_bot` (tests/conftest.py) and skip the PostgreSQL run.

These tests act at machine speed, dozens of updates a second from one chat; make_settings lifts
the flood throttle for them, and test_abuse.py starts its own bots with the throttle on."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator


@pytest.fixture
async def any_db_bot(
    emulator: BotApiEmulator, database_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    """The in-process bot on each database engine (SQLite and PostgreSQL), unthrottled."""
    settings = make_settings(emulator, database_url)
    bot = await start_bot(emulator, settings, clock)
    try:
        yield bot
    finally:
        await bot.stop()
