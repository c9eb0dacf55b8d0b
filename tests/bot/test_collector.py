"""What start-up builds sits out the garbage collector's full passes while the bot runs, so
those passes walk only what updates made (short pauses under load, see README "Benchmarks")."""

from __future__ import annotations

import gc

from tests.bot.test_study_loop import say
from tests.conftest import make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator


def _collectable(obj: object) -> bool:
    """Whether a full collection would walk `obj` (frozen objects are in no generation)."""
    return any(candidate is obj for candidate in gc.get_objects())


async def test_start_up_objects_are_frozen_until_the_bot_stops(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock,
) -> None:
    """The catalog loaded at start-up is frozen while the bot studies, and handed back to the
    collector when it stops."""
    bot = await start_bot(emulator, make_settings(emulator, sqlite_url), clock)
    catalog = bot.app.bot_data.catalog
    try:
        assert gc.is_tracked(catalog) and not _collectable(catalog)
        (question,) = await say(bot, "/study")
        assert "Type your answer" in question.body
        assert not _collectable(catalog)
    finally:
        await bot.stop()
    assert _collectable(catalog)
