"""The deck format, the plain-notes import and `tutorbot check-deck`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.decks.errors import DeckError
from bot.decks.loader import load_decks, parse_any
from bot.decks.parser import parse_deck_text
from bot.decks.plain import parse_plain_text
from bot.decks.sync import sync_decks
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Card
from tests.factories import CARDS_DIR, FIXED_NOW, REPO

SEED = REPO.parent / "shared" / "seed-deck" / "neural-network-basics-2.txt"


def _words(text: str) -> list[str]:
    return text.replace("\n", " ").split()


def test_seed_deck_keeps_every_word() -> None:
    """The converted deck holds all 15 cards with every word of the teacher's notes."""
    deck = parse_any(CARDS_DIR / "neural-network-basics-2.txt")
    assert len(deck.cards) == 15
    if not SEED.exists():
        pytest.skip("the teacher's seed notes are not in this checkout")
    seed_words = _words("\n".join(SEED.read_text(encoding="utf-8").splitlines()[1:]))
    deck_words = [w for c in deck.cards for w in _words(c.question) + _words(c.answer)]
    assert deck_words == seed_words


def test_plain_import_joins_wrapped_and_multiline_answers() -> None:
    """The plain notes import keeps the list answer's lines and re-joins the wrapped one."""
    if not SEED.exists():
        pytest.skip("the teacher's seed notes are not in this checkout")
    deck = parse_any(SEED)
    by_q = {c.question: c.answer for c in deck.cards}
    assert len(deck.cards) == 15
    assert by_q["Methodology of learning rate finder"].count("\n") == 3
    assert by_q["How default approach (learn.fine_tune()) functions?"].startswith(
        "Freeze the weights of the pretrained layers")
    assert by_q["gradient descent with connection to mini-batch"].startswith("Stochastic")


def test_hints_and_demo_parse() -> None:
    """Teacher hints become concept groups with alternatives; the demo tag is kept."""
    deck = parse_deck_text(
        "title: T\n\n## a-card\nQ: Why?\nA: Because\nof reasons.\n"
        "keys: increase | enlarge ; size\nalts: lr = learning rate\ndemo: lrfind\n", "t.txt")
    card = deck.cards[0]
    assert card.answer == "Because\nof reasons."
    assert card.keys == (("increase", "enlarge"), ("size",))
    assert card.alts == (("lr", "learning rate"),)
    assert card.demo == "lrfind"


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("title: T\n\n## a\nQ: What?\n", 4, 'answer missing for question "What?"'),
        ("title: T\n## a\nQ: x\nA: y\n## a\nQ: z\nA: w\n", 5, "already used on line 2"),
        ("title: T\n## Bad Id\nQ: x\nA: y\n", 2, "card id"),
        ("## a\nQ: x\nA: y\n", 1, "no 'title:'"),
        ("title: T\nQ: x\n", 2, "outside a card"),
        ("title: T\n## a\nA: y\n", 2, "question missing"),
        ("title: T\n## a\nQ: x\nA: y\ndemo: one\n  two\n", 6, "takes one line"),
    ],
)
def test_malformed_deck_names_file_and_line(text: str, line: int, fragment: str) -> None:
    """Each kind of mistake is reported as file:line with a readable reason."""
    with pytest.raises(DeckError) as info:
        parse_deck_text(text, "cards/x.txt")
    assert str(info.value).startswith(f"cards/x.txt:{line}: ")
    assert fragment in str(info.value)


def test_check_deck_cli(tmp_path: Path) -> None:
    """`tutorbot check-deck` passes good decks and names file and line for bad ones."""
    bad = tmp_path / "bad.txt"
    bad.write_text("title: Bad\n\n## one\nQ: What is it?\n", encoding="utf-8")
    good = CARDS_DIR / "neural-network-basics-2.txt"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-deck", str(good), str(bad)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert "ok, 15 cards" in result.stdout
    assert f"{bad}:4: answer missing for question \"What is it?\"" in result.stderr
    assert "Traceback" not in result.stderr


def test_sync_adds_updates_retires_and_keeps_ids(tmp_path: Path) -> None:
    """Edits keep a card's row (and history); removed cards are retired, not deleted."""
    url = f"sqlite:///{tmp_path / 'd.sqlite3'}"
    upgrade(url)
    db = Database(url)
    deck_dir = tmp_path / "cards"
    deck_dir.mkdir()
    path = deck_dir / "d.txt"
    path.write_text("title: D\n## a\nQ: one?\nA: 1\n## b\nQ: two?\nA: 2\n", encoding="utf-8")
    report = db.call(sync_decks, load_decks(deck_dir), now=FIXED_NOW)
    assert (report.added, report.updated, report.retired) == (2, 0, 0)
    with Session(db.engine) as s:
        id_a = s.exec(select(Card.id).where(Card.key == "a")).one()
    path.write_text("title: D\n## a\nQ: One, reworded?\nA: 1\n", encoding="utf-8")
    report = db.call(sync_decks, load_decks(deck_dir), now=FIXED_NOW)
    assert (report.added, report.updated, report.retired) == (0, 1, 1)
    with Session(db.engine) as s:
        cards = {c.key: c for c in s.exec(select(Card)).all()}
    assert cards["a"].id == id_a and cards["a"].question == "One, reworded?"
    assert cards["b"].retired
    db.close()


def test_bad_deck_leaves_database_untouched(tmp_path: Path) -> None:
    """One malformed file stops the whole sync before anything is written."""
    deck_dir = tmp_path / "cards"
    deck_dir.mkdir()
    (deck_dir / "a.txt").write_text("title: A\n## a\nQ: q?\nA: x\n", encoding="utf-8")
    (deck_dir / "b.txt").write_text("title: B\n## b\nQ: q?\n", encoding="utf-8")
    with pytest.raises(DeckError, match=r"b\.txt:3: answer missing"):
        load_decks(deck_dir)


PLAIN_CODE = (
    "Python notes\n"
    "How do you handle an exception?\n"
    "try:\n"
    "    x = int(s)\n"
    "except ValueError:\n"
    "    x = 0\n"
    "Name the phases of mitosis\n"
    "prophase; metaphase; anaphase;\n"
    "What is a set?\n"
    "An unordered collection of unique items.\n"
)


def test_plain_import_keeps_code_lines_and_semicolons_end_clauses() -> None:
    """A multi-line code answer keeps its newlines; a line ending in ';' is still one answer."""
    deck = parse_plain_text(PLAIN_CODE, "notes.txt")
    by_q = {c.question: c.answer for c in deck.cards}
    assert list(by_q) == [
        "How do you handle an exception?", "Name the phases of mitosis", "What is a set?"]
    assert by_q["How do you handle an exception?"] == (
        "try:\n    x = int(s)\nexcept ValueError:\n    x = 0")
    assert by_q["Name the phases of mitosis"] == "prophase; metaphase; anaphase;"
    assert by_q["What is a set?"] == "An unordered collection of unique items."


def test_plain_import_error_names_file_and_line() -> None:
    """A question without an answer is reported with the file and the question's line."""
    with pytest.raises(DeckError) as info:
        parse_plain_text("Notes\nWhat is a set?\nA collection.\nWhat is a dict?\n", "n.txt")
    assert str(info.value).startswith("n.txt:4: ")
