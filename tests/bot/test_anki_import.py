"""Anki decks become personal decks, sent through the emulator as a learner sends them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.decks.anki_package import MAX_COLLECTION_BYTES
from bot.store.models import Card
from tests.bot.test_deck_import import personal_decks, send_file
from tests.bot.test_study_loop import say
from tests.conftest import RunningBot
from tests.decks.anki_files import as_anki21b, entries, write_package, zipped

APKG = "application/octet-stream"
CAPITALS = [
    ("Capital of <b>Argentina</b>?", "Buenos&nbsp;Aires"),
    ("<div>Capital of</div><div>Peru?</div>", "Lima<br>(on the coast)"),
    ('Capital of Chile? <img src="chile.png">', "Santiago"),
    ("Flag of Japan", '<img src="japan.png">'),
]
EXPORT = (
    "#separator:tab\n"
    "#html:true\n"
    "#notetype column:1\n"
    "#tags column:4\n"
    "Basic\t<b>to eat</b>\tcomer<br>(verb)\tverbs\n"
    "Basic\t\"to write, <i>by hand</i>\"\tescribir&nbsp;a mano\tverbs\n"
    "Cloze\t{{c1::beber}} means to drink\t\t\n"
    "Basic\tto speak\t\t\n"
)


@pytest.fixture
def capitals(tmp_path: Path) -> bytes:
    return write_package(tmp_path, basic=CAPITALS, cloze=["{{c1::Rome}} is in Italy"],
                         media={"chile.png": b"png", "japan.png": b"png"}, name="capitals")


def questions(bot: RunningBot) -> list[tuple[str, str]]:
    """(question, answer) of the live cards of the learners' own decks, sorted."""
    decks = [d.id for d in personal_decks(bot)]
    with Session(bot.db.engine) as session:
        return sorted((c.question, c.answer) for c in session.exec(
            select(Card).where(col(Card.deck_id).in_(decks), Card.retired == False)))  # noqa: E712


async def test_apkg_becomes_a_deck_with_what_was_skipped(sqlite_bot: RunningBot,
                                                          capitals: bytes) -> None:
    """Basic notes become plain-text cards; cloze notes, pictures and bad notes are told."""
    reply = await send_file(sqlite_bot, capitals, "Capitals.apkg", mime=APKG)
    assert "Imported your deck “Capitals”: 3 cards" in reply.body
    assert "Skipped 1 cloze note and 2 pictures" in reply.body
    assert "Skipped 1 note:" in reply.body
    assert "note 4: the answer is only a picture" in reply.body
    (deck,) = personal_decks(sqlite_bot)
    assert deck.title == "Capitals"
    assert questions(sqlite_bot) == [
        ("Capital of\nPeru?", "Lima\n(on the coast)"),
        ("Capital of Argentina?", "Buenos Aires"), ("Capital of Chile?", "Santiago")]
    (listing,) = await say(sqlite_bot, "/decks")
    assert "👤 Capitals: 0/3 cards started" in listing.body


async def test_newer_anki_package_and_reimport(sqlite_bot: RunningBot, tmp_path: Path,
                                               capitals: bytes) -> None:
    """A zstd collection.anki21b is read; sending the same name again updates the deck."""
    reply = await send_file(sqlite_bot, as_anki21b(tmp_path, capitals), "Capitals.apkg",
                            mime=APKG)
    assert "Imported your deck “Capitals”: 3 cards" in reply.body
    assert "Please update" not in str(questions(sqlite_bot))
    edited = write_package(tmp_path, basic=[*CAPITALS[:2], ("Capital of Bolivia?", "Sucre")],
                           name="edited")
    reply = await send_file(sqlite_bot, as_anki21b(tmp_path, edited), "Capitals.apkg",
                            mime=APKG)
    assert "Updated your deck “Capitals”: 3 cards (1 new, 0 changed, 1 removed)" in reply.body
    assert "cloze" not in reply.body
    assert len(personal_decks(sqlite_bot)) == 1


async def test_anki_text_export_with_head_and_html(sqlite_bot: RunningBot) -> None:
    """The "Notes in Plain Text" export: head read, HTML made plain, bad lines listed."""
    reply = await send_file(sqlite_bot, EXPORT.encode(), "Spanish.txt", mime="text/plain")
    assert "Imported your deck “Spanish”: 2 cards" in reply.body
    assert "Skipped 1 cloze note:" in reply.body
    assert "line 8: the answer is empty" in reply.body
    assert questions(sqlite_bot) == [
        ("to eat", "comer\n(verb)"), ("to write, by hand", "escribir a mano")]


async def test_bad_anki_files_get_a_reason_and_no_deck(sqlite_bot: RunningBot,
                                                       capitals: bytes) -> None:
    """Not an apkg, a corrupt collection, a zip bomb: a friendly reply naming the problem."""
    reply = await send_file(sqlite_bot, zipped({"notes.txt": b"hello"}), "deck.apkg",
                            mime=APKG)
    assert "I couldn't import “deck.apkg”: it is a zip file but not an Anki deck package" \
        in reply.body
    reply = await send_file(sqlite_bot, b"plain words", "deck.apkg", mime=APKG)
    assert "it is not an Anki deck package" in reply.body
    files = entries(capitals)
    files["collection.anki2"] = b"SQLite format 3\x00" + b"\x13" * 4000
    reply = await send_file(sqlite_bot, zipped(files), "deck.apkg", mime=APKG)
    assert "its collection is damaged or not an Anki collection" in reply.body
    bomb = zipped({"collection.anki2": b"\0" * (MAX_COLLECTION_BYTES + 1)})
    reply = await send_file(sqlite_bot, bomb, "bomb.apkg", mime=APKG)
    assert "its collection unpacks to more than 32 MB" in reply.body
    assert ".apkg" in reply.body and "Traceback" not in reply.body
    assert personal_decks(sqlite_bot) == []
