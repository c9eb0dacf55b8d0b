"""Input no Telegram client sends, but a local Bot API server or a forger can: a document of
unknown size, ids beyond 64 bits, lone surrogates, a file name with a slash. Each gets a
friendly answer or is ignored; none becomes an error, an apology or a bad record."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlmodel import Session, col, func, select

from bot.decks.table_import import MAX_IMPORT_BYTES
from bot.store.models import Deck, Learner, StudyPrompt
from tests.bot.test_study_loop import LEARNER, say
from tests.conftest import RunningBot

APOLOGY = "Sorry, something went wrong"


async def settled(bot: RunningBot) -> None:
    """Until every update sent so far is handled: fetched (the emulator holds none back, which
    the bot's next poll confirms) and then done (PTB's queue joins)."""
    await bot.emu.wait_until(lambda: bot.emu.pending_updates == 0, 15)
    await asyncio.wait_for(bot.app.update_queue.join(), 15)


def bot_texts(bot: RunningBot, chat: int) -> list[str]:
    return [m.body for m in bot.emu.bot_messages(chat)]


async def test_document_of_unknown_size_is_not_downloaded_past_the_limit(
        sqlite_bot: RunningBot) -> None:
    """A table sent without file_size (a local Bot API server does that) is read only up to
    the import limit: the learner is told it is too large and the rest is never fetched."""
    emu = sqlite_bot.emu
    emu.user(LEARNER, first_name="Ada")
    rows = b"".join(b"question %d,answer %d\n" % (i, i) for i in range(10**6))
    big = b"question,answer\n" + rows[: 12 * 1024 * 1024]
    await emu.send_document(LEARNER, big, "huge.csv", "text/csv", file_size=False)
    (reply,) = await emu.wait_for_bot_message(LEARNER, timeout=30)
    assert "2 MB" in reply.body
    (download,) = emu.file_downloads
    assert not download.complete and download.sent < len(big) // 2
    with Session(sqlite_bot.db.engine) as session:
        assert session.exec(select(func.count()).select_from(Deck)
                            .where(col(Deck.owner_learner_id).is_not(None))).one() == 0


async def test_document_of_unknown_size_within_the_limit_is_imported(
        sqlite_bot: RunningBot) -> None:
    """Without file_size, a small table is still read whole and imported."""
    emu = sqlite_bot.emu
    emu.user(LEARNER, first_name="Ada")
    data = b"question,answer\nto eat,comer\n"
    await emu.send_document(LEARNER, data, "verbs.csv", "text/csv", file_size=False)
    (reply,) = await emu.wait_for_bot_message(LEARNER, timeout=15)
    assert "Imported your deck “verbs”: 1 card" in reply.body
    assert [d.complete for d in emu.file_downloads] == [True]
    assert len(data) < MAX_IMPORT_BYTES


async def test_picture_of_unknown_size_is_not_downloaded_past_the_limit(
        sqlite_bot: RunningBot) -> None:
    """An image document captioned /augment without file_size is read only up to the picture
    limit: the learner is told it is too large and the rest is never fetched."""
    emu = sqlite_bot.emu
    emu.user(LEARNER, first_name="Ada")
    big = b"\x89PNG\r\n\x1a\n" + bytes(12 * 1024 * 1024)
    await emu.send_document(LEARNER, big, "huge.png", "image/png", file_size=False,
                            caption="/augment")
    (reply,) = await emu.wait_for_bot_message(LEARNER, timeout=30)
    assert "10 MB" in reply.body, reply.body
    (download,) = emu.file_downloads
    assert not download.complete and download.sent < len(big)


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("chat_id", [2**64, 2**63, -(2**63) - 1, 10**30])
async def test_ids_beyond_64_bits_are_ignored(sqlite_bot: RunningBot, chat_id: int,
                                              caplog: pytest.LogCaptureFixture) -> None:
    """A message or press from a user/chat id that no 64-bit column holds is dropped quietly:
    no database error, no apology, no learner row, and the bot keeps serving others."""
    emu = sqlite_bot.emu
    emu.user(chat_id, first_name="Mallory")
    await emu.send_text(chat_id, "/start")
    await emu.send_text(chat_id, "an answer")
    await emu.press(chat_id, 1, "r:1:3", check=False)
    await settled(sqlite_bot)
    assert bot_texts(sqlite_bot, chat_id) == []
    assert errors_logged(caplog) == []
    (welcome,) = await say(sqlite_bot, "/start")  # an ordinary learner is answered as before
    assert "Hi Ada" in welcome.body
    with Session(sqlite_bot.db.engine) as session:
        assert session.exec(select(Learner.telegram_id)).all() == [LEARNER]


LONE = "\ud83d"  # the first half of an emoji's surrogate pair, alone


async def test_lone_surrogates_are_graded_stored_and_echoed_safely(
        sqlite_bot: RunningBot) -> None:
    """Text carrying lone surrogates (valid JSON, invalid Unicode) is graded and stored with
    them replaced, and replies that quote it are sent: no UnicodeEncodeError, no apology."""
    (card,) = await say(sqlite_bot, "/study")
    assert "Type your answer" in card.body
    (graded,) = await say(sqlite_bot, f"the learning rate {LONE} controls the step size{LONE}")
    assert "Reference answer" in graded.body
    (unknown_tz,) = await say(sqlite_bot, f"/settings tz Mars{LONE}")
    assert "Mars" in unknown_tz.body
    await sqlite_bot.emu.send_document(LEARNER, b"question,answer\nsky,blue\n",
                                       f"my{LONE}deck.csv", "text/csv")
    (imported,) = await sqlite_bot.emu.wait_for_bot_message(LEARNER, timeout=15)
    assert "Imported your deck “my\ufffddeck”" in imported.body
    await settled(sqlite_bot)
    assert not any(APOLOGY in text for text in bot_texts(sqlite_bot, LEARNER))
    with Session(sqlite_bot.db.engine) as session:
        answers = session.exec(select(StudyPrompt.answer).where(
            col(StudyPrompt.answer).is_not(None))).all()
        titles = session.exec(select(Deck.title).where(
            col(Deck.owner_learner_id).is_not(None))).all()
    assert titles == ["my\ufffddeck"]
    assert answers == ["the learning rate \ufffd controls the step size\ufffd"]


@pytest.mark.parametrize(("name", "title"), [
    ("Verbs 1/2.csv", "Verbs 1/2"),
    ("a/b/c.tsv", "a/b/c"),
    ("/.csv", "/"),
    ("dates 1.2.csv", "dates 1.2"),
])
async def test_a_slash_in_the_file_name_stays_in_the_deck_title(
        sqlite_bot: RunningBot, name: str, title: str) -> None:
    """A file name is a name, not a path: "Verbs 1/2.csv" makes the deck "Verbs 1/2"."""
    sqlite_bot.emu.user(LEARNER, first_name="Ada")
    await sqlite_bot.emu.send_document(LEARNER, b"question,answer\nsky,blue\n", name, "text/csv")
    (reply,) = await sqlite_bot.emu.wait_for_bot_message(LEARNER, timeout=15)
    assert f"Imported your deck “{title}”" in reply.body
    with Session(sqlite_bot.db.engine) as session:
        assert session.exec(select(Deck.title).where(
            col(Deck.owner_learner_id).is_not(None))).all() == [title]
