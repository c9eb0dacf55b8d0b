"""Personal decks in the store and the catalog: owner-only, kept by deck syncs, read per
learner (current after every import and deletion) and held in a cache bounded in cards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.catalog import Catalog, PersonalDecks, load_catalog
from bot.decks.loader import load_decks
from bot.decks.personal import (
    SavedDeck,
    delete_personal_deck,
    owned_deck,
    save_personal_deck,
)
from bot.decks.sync import sync_decks
from bot.decks.table_import import parse_table
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import Card, Deck, Learner
from tests.factories import CARDS_DIR, FIXED_NOW, register_learner


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    upgrade(database_url)
    database = Database(database_url)
    database.call(sync_decks, load_decks(CARDS_DIR), now=FIXED_NOW)
    for telegram_id in (1, 2):
        database.call(register_learner, telegram_id=telegram_id)
    try:
        yield database
    finally:
        database.close()


def save(db: Database, telegram_id: int, title: str, text: str) -> int:
    table = parse_table(text.encode(), file_name=f"{title}.csv", max_rows=100)
    saved = db.call(save_personal_deck, telegram_id=telegram_id, title=title,
                    cards=table.cards, now=FIXED_NOW)
    assert isinstance(saved, SavedDeck)
    return saved.deck_id


def learner_id(db: Database, telegram_id: int) -> int:
    with Session(db.engine) as session:
        found = session.exec(select(Learner.id).where(Learner.telegram_id == telegram_id)).one()
        assert found is not None
        return found


def view(db: Database, catalog: Catalog, telegram_id: int) -> Catalog:
    return db.call(catalog.for_learner, learner_id(db, telegram_id))


def test_learners_view_follows_import_reimport_and_delete(db: Database) -> None:
    """Import, re-import and delete each show in the learner's view at once, with no
    reload of the shared catalog, which never holds anyone's own cards."""
    catalog = db.call(load_catalog)
    deck_id = save(db, 1, "words", "q,a\nOne?,1\nTwo?,2\n")
    assert [c.question for c in view(db, catalog, 1).deck_cards[deck_id]] == ["One?", "Two?"]
    save(db, 1, "words", "q,a\nTwo?,two\nThree?,3\n")
    assert [c.answer for c in view(db, catalog, 1).deck_cards[deck_id]] == ["two", "3"]
    assert db.call(delete_personal_deck, telegram_id=1, deck_id=deck_id) is not None
    mine = view(db, catalog, 1)
    assert mine.personal == {} and deck_id not in mine.deck_cards
    assert catalog.personal == {} and len(catalog.cards) == 15


def test_cache_holds_at_most_its_bound(db: Database) -> None:
    """Past PERSONAL_CACHE_CARDS the least recently used learner's cards are dropped, and a
    learner who needs them again gets them from the database."""
    rows = "q,a\n" + "".join(f"Q{i}?,A{i}\n" for i in range(30))
    for telegram_id in (1, 2):
        save(db, telegram_id, "big", rows)
    catalog = db.call(load_catalog, personal=PersonalDecks(max_cards=40))
    assert len(view(db, catalog, 1).cards_for(learner_id(db, 1), skip_decks=set())) == 45
    assert catalog.own.cached_cards == 30
    assert len(view(db, catalog, 2).cards_for(learner_id(db, 2), skip_decks=set())) == 45
    assert catalog.own.cached_cards == 30
    assert len(view(db, catalog, 1).cards_for(learner_id(db, 1), skip_decks=set())) == 45


def test_only_the_owner_sees_and_deletes(db: Database) -> None:
    """Visibility, titles and deletion belong to the owner alone."""
    deck_id = save(db, 1, "mine", "q,a\nSecret?,yes\n")
    catalog = db.call(load_catalog)
    owner, other = learner_id(db, 1), learner_id(db, 2)
    mine, theirs = view(db, catalog, 1), view(db, catalog, 2)
    assert mine.visible(deck_id, owner) and not theirs.visible(deck_id, other)
    assert deck_id not in mine.deck_titles and mine.title(deck_id) == "mine"
    assert [t for _, t, own in mine.decks_for(owner) if own] == ["mine"]
    assert not [t for _, t, own in theirs.decks_for(other) if own]
    assert db.call(owned_deck, telegram_id=2, deck_id=deck_id) is None
    assert db.call(delete_personal_deck, telegram_id=2, deck_id=deck_id) is None
    assert db.call(owned_deck, telegram_id=1, deck_id=deck_id) is not None


def test_deck_sync_leaves_personal_decks_alone(db: Database, tmp_path: Path) -> None:
    """A sync of CARDS_DIR (even an empty one) never retires a learner's deck."""
    deck_id = save(db, 1, "mine", "q,a\nSecret?,yes\n")
    db.call(sync_decks, [], now=FIXED_NOW)
    with Session(db.engine) as session:
        deck = session.get(Deck, deck_id)
        assert deck is not None and not deck.retired
        assert not session.exec(select(Card).where(Card.deck_id == deck_id)).one().retired
        shared = session.exec(select(Deck).where(Deck.slug == "neural-network-basics-2")).one()
        assert shared.retired


def test_owned_decks_stay_sorted_after_imports_and_deletions(db: Database) -> None:
    """A learner's decks list by title after imports and deletions."""
    catalog = db.call(load_catalog)
    ids = {}
    for title in ("zebra", "apple", "Mango"):
        ids[title] = save(db, 1, title, "q,a\nQ?,A\n")
    save(db, 2, "other", "q,a\nQ?,A\n")
    owner = learner_id(db, 1)
    assert [t for _, t, own in view(db, catalog, 1).decks_for(owner) if own] == [
        "apple", "Mango", "zebra"]
    db.call(delete_personal_deck, telegram_id=1, deck_id=ids["apple"])
    mine = view(db, catalog, 1)
    assert [t for _, t, own in mine.decks_for(owner) if own] == ["Mango", "zebra"]
    assert [c.question for c in mine.cards_for(owner, skip_decks=set())][-2:] == ["Q?", "Q?"]
    assert len(mine.cards_for(owner, skip_decks=set())) == 15 + 2


def test_same_file_name_of_two_learners_are_two_decks(db: Database) -> None:
    """Slugs carry the owner, so two learners' `words.csv` never meet."""
    first, second = save(db, 1, "words", "q,a\nA?,a\n"), save(db, 2, "words", "q,a\nB?,b\n")
    assert first != second


def test_names_that_slugify_alike_are_two_decks(db: Database) -> None:
    """Non-Latin or punctuation-only file names never overwrite each other's deck."""
    verbs = save(db, 1, "Глаголы", "q,a\nидти?,to go\n")
    nouns = save(db, 1, "Существительные", "q,a\nдом?,house\n")
    words = save(db, 1, "単語", "q,a\n猫?,cat\n")
    assert len({verbs, nouns, words}) == 3
    assert save(db, 1, "глаголы", "q,a\nидти?,to go\n") == verbs  # same name, other case
    with Session(db.engine) as session:
        live = session.exec(select(Card.question).where(Card.deck_id == verbs,
                                                        Card.retired == False)).all()  # noqa: E712
    assert live == ["идти?"]
