"""Shared fixtures: a real emulator over HTTP, a fresh database per test (SQLite and
PostgreSQL), and the real bot application wired to both."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import build_application, initialize, shutdown
from bot.config import Settings
from bot.store.db import Database
from bot.telegram.context import TutorApp
from tests.factories import CARDS_DIR, TOKEN, FakeClock, postgres_database
from tgemu import BotApiEmulator, Violation


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "nonconforming: the test makes Bot API calls that break the specification "
        "on purpose, so the emulator's record of them does not fail it")


def assert_conforming(violations: list[Violation], request: pytest.FixtureRequest) -> None:
    """Fail the test whose bot made a call that breaks the Bot API specification."""
    if not violations or request.node.get_closest_marker("nonconforming") is not None:
        return
    shown = "\n".join(f"  {v.describe()}" for v in violations[:20])
    more = f"\n  ...and {len(violations) - 20} more" if len(violations) > 20 else ""
    pytest.fail(f"{len(violations)} Bot API call(s) broke the specification "
                f"(tgemu/botapi_spec):\n{shown}{more}", pytrace=False)


@pytest.fixture
async def emulator(request: pytest.FixtureRequest) -> AsyncIterator[BotApiEmulator]:
    """The Bot API emulator; the test fails if the bot broke the specification."""
    emu = BotApiEmulator()
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()
    assert_conforming(emu.violations, request)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_settings(emu: BotApiEmulator, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "telegram_bot_token": SecretStr(TOKEN),
        "telegram_api_url": emu.base_url,
        "telegram_file_url": emu.file_url,
        "database_url": database_url,
        "cards_dir": CARDS_DIR,
        "fsrs_fuzzing": False,
        "demo_workers": 0,
        # Tests drive one chat at machine speed; tests/reliability/test_abuse.py covers the
        # throttle with its own limits.
        "flood_limit": 1_000_000,
    }
    values.update(overrides)
    return Settings.model_construct(**values)  # type: ignore[arg-type]


@dataclass
class RunningBot:
    """The real application, polling the emulator, plus handles tests assert with."""

    app: TutorApp
    emu: BotApiEmulator
    clock: FakeClock
    settings: Settings

    @property
    def db(self) -> Database:
        return self.app.bot_data.database

    async def stop(self) -> None:
        assert self.app.updater is not None
        await self.app.updater.stop()
        await self.app.stop()
        await shutdown(self.app)


async def start_bot(emu: BotApiEmulator, settings: Settings, clock: FakeClock) -> RunningBot:
    app = build_application(settings, clock=clock)
    await initialize(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=1)
    return RunningBot(app, emu, clock, settings)


@pytest.fixture
async def running_bot(
    emulator: BotApiEmulator, database_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    bot = await start_bot(emulator, make_settings(emulator, database_url), clock)
    try:
        yield bot
    finally:
        await bot.stop()


@pytest.fixture
async def sqlite_bot(emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock
                     ) -> AsyncIterator[RunningBot]:
    """The real bot on SQLite only, for behaviour that does not depend on the engine."""
    bot = await start_bot(emulator, make_settings(emulator, sqlite_url), clock)
    try:
        yield bot
    finally:
        await bot.stop()
