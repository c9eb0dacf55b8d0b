"""A learner's own decks are current on every instance at their next update: an import made
through instance A is studied on B at once, and a deletion made through A never breaks
/study on B. Two bot instances on one PostgreSQL database, each taking the learner's updates
in turn, with no periodic reload to help (DECK_RELOAD_S=0)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.app import build_application, initialize, shutdown
from bot.telegram.callback_data import ConfirmDeleteDeck, DeleteDeck, decode
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock, postgres_database
from tgemu import BotApiEmulator, ShownMessage

LEARNER = 5151


@dataclass
class Pair:
    a: RunningBot
    b: RunningBot

    async def use(self, bot: RunningBot) -> None:
        """Only `bot` takes the next updates, as if a load balancer sent them there."""
        for other in (self.a, self.b):
            assert other.app.updater is not None
            if other is not bot and other.app.updater.running:
                await other.app.updater.stop()
        assert bot.app.updater is not None
        if not bot.app.updater.running:
            await bot.app.updater.start_polling(poll_interval=0.0, timeout=1)


@pytest.fixture
async def pair(emulator: BotApiEmulator, clock: FakeClock) -> AsyncIterator[Pair]:
    with postgres_database() as url:
        a = await start_bot(emulator, make_settings(emulator, url, deck_reload_s=0), clock)
        settings = make_settings(emulator, url, deck_reload_s=0)
        second = build_application(settings, clock=clock)
        await initialize(second)
        await second.start()
        instances = Pair(a, RunningBot(second, emulator, clock, settings))
        try:
            yield instances
        finally:
            await instances.use(a)
            await second.stop()
            await shutdown(second)
            await a.stop()


async def say(emu: BotApiEmulator, text: str) -> ShownMessage:
    await emu.send_text(LEARNER, text)
    (reply,) = await emu.wait_for_bot_message(LEARNER, timeout=10)
    return reply


async def press(emu: BotApiEmulator, message: ShownMessage, data: str, expect: str) -> None:
    await emu.press(LEARNER, message.message_id, data)
    await emu.wait_until(lambda: expect in emu.message(LEARNER, message.message_id).body)


async def test_import_and_delete_on_one_instance_are_current_on_the_other(pair: Pair) -> None:
    """B asks the card imported through A at once, and after A deletes the deck B answers
    /study without an apology."""
    emu = pair.a.emu
    emu.user(LEARNER, first_name="Ada")
    # On A: the shared deck off, so only the learner's own deck can be asked.
    listing = await say(emu, "/decks")
    shared = next(d for row in listing.buttons for label, d in row if "Neural" in label)
    assert shared is not None
    await press(emu, listing, shared, "⬜")
    await emu.send_document(LEARNER, b"q,a\nMine?,yes\n", "mine.csv", "text/csv")
    imported = await emu.wait_for_bot_message(LEARNER, timeout=10)
    assert "mine" in imported[0].body
    await pair.use(pair.b)
    card = await say(emu, "/study")
    assert "Mine?" in card.body, card.body
    await say(emu, "/stop")
    # On A: delete the deck (with its open prompt history).
    await pair.use(pair.a)
    listing = await say(emu, "/decks")
    asked = next(p for row in listing.buttons for _, d in row
                 if isinstance(p := decode(d), DeleteDeck))
    await press(emu, listing, asked.encode(), "can't be undone")
    confirm = emu.message(LEARNER, listing.message_id)
    await press(emu, confirm, ConfirmDeleteDeck(asked.deck_id, asked.page).encode(),
                "Deleted")
    await pair.use(pair.b)
    after = await say(emu, "/study")
    assert "went wrong" not in after.body
    assert "All your decks are switched off" in after.body, after.body
