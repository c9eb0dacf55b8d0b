"""Deck files added, edited, broken or removed while the bot runs: reloaded without a restart."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.app import build_application, initialize, shutdown
from bot.jobs import deck_reload
from bot.store.models import Card, Deck
from tests.bot.test_deck_pages import write_deck
from tests.bot.test_study_loop import LEARNER, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator


@pytest.fixture
def cards_dir(tmp_path: Path) -> Path:
    cards = tmp_path / "cards"
    cards.mkdir()
    write_deck(cards, 1)
    return cards


@pytest.fixture
async def reload_bot(emulator: BotApiEmulator, database_url: str, clock: FakeClock,
                     cards_dir: Path) -> AsyncIterator[RunningBot]:
    settings = make_settings(emulator, database_url, cards_dir=cards_dir, deck_reload_s=0)
    bot = await start_bot(emulator, settings, clock)
    try:
        yield bot
    finally:
        await bot.stop()


def decks_in_db(bot: RunningBot) -> dict[str, bool]:
    with Session(bot.db.engine) as session:
        return {d.title: d.retired for d in session.exec(select(Deck))}


async def test_new_deck_file_appears_after_reload(reload_bot: RunningBot, cards_dir: Path
                                                  ) -> None:
    """A teacher adds a file; the reload syncs it and /decks lists it, no restart."""
    (before,) = await say(reload_bot, "/decks")
    assert "Deck 02" not in before.body
    write_deck(cards_dir, 2)
    result = await deck_reload.reload_decks(reload_bot.app)
    assert result.files_changed and result.synced is not None and result.synced.added == 1
    (after,) = await say(reload_bot, "/decks")
    assert "Deck 01" in after.body and "Deck 02: 0/1" in after.body
    unchanged = await deck_reload.reload_decks(reload_bot.app)
    assert not unchanged.files_changed and not unchanged.catalog_reloaded


async def test_malformed_file_is_logged_and_old_decks_stay(
    reload_bot: RunningBot, cards_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A broken file is logged as file:line; nothing is written until it is fixed."""
    write_deck(cards_dir, 2)
    (cards_dir / "broken.txt").write_text("title: Broken\n\n## one\nQ: question only\n",
                                          encoding="utf-8")
    with caplog.at_level(logging.ERROR, logger="tutorbot.decks"):
        result = await deck_reload.reload_decks(reload_bot.app)
    assert result.error is not None
    assert f"{cards_dir / 'broken.txt'}:4: answer missing" in caplog.text
    assert set(decks_in_db(reload_bot)) == {"Deck 01"}
    (listing,) = await say(reload_bot, "/decks")
    assert "Deck 02" not in listing.body and "Deck 01" in listing.body
    (cards_dir / "broken.txt").write_text("title: Fixed\n\n## one\nQ: question\nA: answer\n",
                                          encoding="utf-8")
    fixed = await deck_reload.reload_decks(reload_bot.app)
    assert fixed.error is None
    (listing,) = await say(reload_bot, "/decks")
    assert "Deck 02" in listing.body and "Fixed" in listing.body


async def test_removed_file_retires_deck_but_personal_decks_survive(
    reload_bot: RunningBot, cards_dir: Path
) -> None:
    """Deleting a file retires its deck; a learner's imported deck is not touched."""
    emu = reload_bot.emu
    emu.user(LEARNER, first_name="Ada")
    await emu.send_document(LEARNER, b"q,a\nMine?,yes\n", "mine.csv", "text/csv")
    await emu.wait_for_bot_message(LEARNER)
    write_deck(cards_dir, 2)
    await deck_reload.reload_decks(reload_bot.app)
    (cards_dir / "deck-01.txt").unlink()
    await deck_reload.reload_decks(reload_bot.app)
    assert decks_in_db(reload_bot) == {"Deck 01": True, "Deck 02": False, "mine": False}
    (listing,) = await say(reload_bot, "/decks")
    assert "Deck 01" not in listing.body and "👤 mine" in listing.body
    with Session(reload_bot.db.engine) as session:
        mine = session.exec(select(Card).where(Card.question == "Mine?")).one()
        assert not mine.retired


async def test_reload_job_runs_on_its_interval(emulator: BotApiEmulator, sqlite_url: str,
                                               clock: FakeClock, cards_dir: Path) -> None:
    """With DECK_RELOAD_S set, the JobQueue picks a new file up by itself."""
    settings = make_settings(emulator, sqlite_url, cards_dir=cards_dir, deck_reload_s=0.2)
    bot = await start_bot(emulator, settings, clock)
    try:
        write_deck(cards_dir, 3)
        await emulator.wait_until(
            lambda: "Deck 03" in bot.app.bot_data.catalog.deck_titles.values(), timeout=10)
        (listing,) = await say(bot, "/decks")
        assert "Deck 03" in listing.body
    finally:
        await bot.stop()


async def test_instances_reload_concurrently_and_see_each_others_imports(
    emulator: BotApiEmulator, clock: FakeClock, cards_dir: Path, database_url: str
) -> None:
    """Two instances on one database reload at once without clashing, and an import made
    through one is in the other's view of that learner at once, without a reload."""
    if not database_url.startswith("postgresql"):
        pytest.skip("several instances share PostgreSQL")
    first = await start_bot(emulator, make_settings(emulator, database_url, cards_dir=cards_dir,
                                                    deck_reload_s=0), clock)
    second = build_application(make_settings(emulator, database_url, cards_dir=cards_dir,
                                             deck_reload_s=0), clock=clock)
    await initialize(second)
    try:
        for number in range(2, 6):
            write_deck(cards_dir, number)
        results = await asyncio.gather(deck_reload.reload_decks(first.app),
                                       deck_reload.reload_decks(second))
        assert all(r.error is None and r.files_changed for r in results)
        assert sum(r.synced.added for r in results if r.synced) == 4
        with Session(first.db.engine) as session:
            assert len(session.exec(select(Deck)).all()) == 5
        assert len(second.bot_data.catalog.deck_titles) == 5
        emulator.user(LEARNER, first_name="Ada")
        await emulator.send_document(LEARNER, b"q,a\nMine?,yes\n", "mine.csv", "text/csv")
        await emulator.wait_for_bot_message(LEARNER)
        # The shared snapshot holds nobody's own decks; the learner's view reads them.
        catalog = second.bot_data.catalog
        assert catalog.personal == {}
        with Session(first.db.engine) as session:
            owner = session.exec(select(Deck.owner_learner_id).where(
                col(Deck.owner_learner_id).is_not(None))).one()
        assert owner is not None
        mine = second.bot_data.database.call(catalog.for_learner, owner)
        assert mine.decks_for(owner)[-1][1] == "mine"
        assert all(not personal for *_, personal in mine.decks_for(-1))
    finally:
        await shutdown(second)
        await first.stop()


async def test_sighup_reloads_at_once(reload_bot: RunningBot, cards_dir: Path) -> None:
    """`kill -HUP` makes the bot look at CARDS_DIR immediately (POSIX)."""
    if not getattr(signal, "SIGHUP", None) or not deck_reload.listens_for_sighup(reload_bot.app):
        pytest.skip("no SIGHUP handler here (not POSIX or not the main thread)")
    write_deck(cards_dir, 4)
    os.kill(os.getpid(), signal.SIGHUP)
    await reload_bot.emu.wait_until(
        lambda: "Deck 04" in reload_bot.app.bot_data.catalog.deck_titles.values(), timeout=10)
