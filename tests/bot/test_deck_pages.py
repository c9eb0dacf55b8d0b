"""/decks in pages of ten, with ◀ ▶ buttons, through the emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.bot.test_study_loop import LEARNER, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator, ShownMessage


def write_deck(cards_dir: Path, number: int) -> Path:
    path = cards_dir / f"deck-{number:02d}.txt"
    path.write_text(f"title: Deck {number:02d}\n\n## c1\nQ: Question {number}?\nA: Answer "
                    f"{number}\n", encoding="utf-8")
    return path


@pytest.fixture
async def paged_bot(emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock,
                    tmp_path: Path) -> AsyncIterator[RunningBot]:
    cards = tmp_path / "cards"
    cards.mkdir()
    for number in range(1, 24):
        write_deck(cards, number)
    bot = await start_bot(emulator, make_settings(emulator, sqlite_url, cards_dir=cards), clock)
    try:
        yield bot
    finally:
        await bot.stop()


def data_of(message: ShownMessage, label_part: str) -> str:
    data = next(d for row in message.buttons for label, d in row if label_part in label)
    assert data is not None
    return data


async def press_and_wait(bot: RunningBot, message: ShownMessage, data: str, expect: str,
                         *, check: bool = True) -> ShownMessage:
    await bot.emu.press(LEARNER, message.message_id, data, check=check)
    await bot.emu.wait_until(lambda: expect in bot.emu.message(LEARNER, message.message_id).body)
    return bot.emu.message(LEARNER, message.message_id)


async def test_decks_paginate_with_arrows(paged_bot: RunningBot) -> None:
    """23 decks show as 3 pages of at most 10, with ◀ and ▶ where there is somewhere to go."""
    (listing,) = await say(paged_bot, "/decks")
    assert "page 1 of 3" in listing.body
    assert "Deck 10" in listing.body and "Deck 11" not in listing.body
    labels = [label for row in listing.buttons for label, _ in row]
    assert labels[-2:] == ["1/3", "▶"] and "◀" not in labels
    assert len(labels) == 12
    second = await press_and_wait(paged_bot, listing, data_of(listing, "▶"), "page 2 of 3")
    assert "Deck 11" in second.body and "Deck 20" in second.body and "Deck 10" not in second.body
    third = await press_and_wait(paged_bot, second, data_of(second, "▶"), "page 3 of 3")
    assert [label for label, _ in third.buttons[-1]] == ["◀", "3/3"]
    assert "Deck 23" in third.body
    back = await press_and_wait(paged_bot, third, data_of(third, "◀"), "page 2 of 3")
    assert "Deck 15" in back.body


async def test_toggle_keeps_the_page(paged_bot: RunningBot) -> None:
    """Switching a deck off on page 2 redraws page 2 with that deck off."""
    (listing,) = await say(paged_bot, "/decks")
    second = await press_and_wait(paged_bot, listing, data_of(listing, "▶"), "page 2 of 3")
    toggled = await press_and_wait(paged_bot, second, data_of(second, "Deck 15"),
                                   "⬜️ Deck 15")
    assert "page 2 of 3" in toggled.body and "✅ Deck 14" in toggled.body
    (study,) = await say(paged_bot, "/study")
    assert "Question 15?" not in study.body


async def test_stale_and_forged_pages_answer_gracefully(paged_bot: RunningBot) -> None:
    """A page past the end shows the last page with a note; old-style toggles still work."""
    (listing,) = await say(paged_bot, "/decks")
    last = await press_and_wait(paged_bot, listing, "dp:99", "no longer exists", check=False)
    assert "page 3 of 3" in last.body
    emu = paged_bot.emu
    answers = len(emu.callback_answers)
    await emu.press(LEARNER, listing.message_id, data_of(last, "3/3"))  # same page again
    await emu.wait_until(lambda: len(emu.callback_answers) > answers)
    assert "page 3 of 3" in emu.message(LEARNER, listing.message_id).body
    deck_one = data_of(listing, "Deck 01").split(":")[1]
    first = await press_and_wait(paged_bot, listing, f"dk:{deck_one}", "⬜️ Deck 01",
                                 check=False)
    assert "page 1 of 3" in first.body
    for junk in ("dp:-1", "dp:abc", "dp:99999", "dd:1", "dx:x:0"):
        answers = len(emu.callback_answers)
        await emu.press(LEARNER, listing.message_id, junk, check=False)
        await emu.wait_until(lambda: len(emu.callback_answers) > answers)  # noqa: B023
        assert "expired" in (emu.callback_answers[-1].text or "")


async def test_pressing_the_page_on_screen_answers_without_editing(paged_bot: RunningBot) -> None:
    """The page already shown, pressed again, is answered and left as it is: Telegram refuses
    an edit to the same content ("message is not modified")."""
    (listing,) = await say(paged_bot, "/decks")
    emu = paged_bot.emu
    edits, answers = len(emu.calls_to("editMessageText")), len(emu.callback_answers)
    await emu.press(LEARNER, listing.message_id, data_of(listing, "1/3"))
    await emu.wait_until(lambda: len(emu.callback_answers) > answers)
    # Every update the bot fetched has been handled once the queue joins.
    await asyncio.wait_for(paged_bot.app.update_queue.join(), 10)
    assert len(emu.calls_to("editMessageText")) == edits
    assert [c.error for c in emu.calls if c.status != 200] == []
    second = await press_and_wait(paged_bot, listing, data_of(listing, "▶"), "page 2 of 3")
    assert len(emu.calls_to("editMessageText")) == edits + 1 and "Deck 11" in second.body
