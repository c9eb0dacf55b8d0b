"""Personal decks in the store and the catalog: owner-only, kept by deck syncs, and the
one-deck catalog update agrees with a full reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot import study
from bot.catalog import Catalog, load_catalog, with_personal_deck
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
from tests.factories import CARDS_DIR, FIXED_NOW


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    upgrade(database_url)
    database = Database(database_url)
    database.call(sync_decks, load_decks(CARDS_DIR), now=FIXED_NOW)
    for telegram_id in (1, 2):
        database.call(study.ensure_learner, telegram_id=telegram_id, chat_id=telegram_id,
                      first_name="L", now=FIXED_NOW)
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


def same(a: Catalog, b: Catalog) -> None:
    assert a.cards == b.cards
    assert a.deck_titles == b.deck_titles and a.personal == b.personal
    assert a.owned == b.owned
    assert {k: v for k, v in a.deck_cards.items() if v} == b.deck_cards


def test_one_deck_update_matches_full_reload(db: Database) -> None:
    """Import, re-import and delete, each applied to one deck, give the full-reload catalog."""
    catalog = db.call(load_catalog)
    deck_id = save(db, 1, "words", "q,a\nOne?,1\nTwo?,2\n")
    catalog = db.call(with_personal_deck, catalog=catalog, deck_id=deck_id)
    same(catalog, db.call(load_catalog))
    save(db, 1, "words", "q,a\nTwo?,two\nThree?,3\n")
    catalog = db.call(with_personal_deck, catalog=catalog, deck_id=deck_id)
    same(catalog, db.call(load_catalog))
    assert db.call(delete_personal_deck, telegram_id=1, deck_id=deck_id) is not None
    catalog = db.call(with_personal_deck, catalog=catalog, deck_id=deck_id)
    same(catalog, db.call(load_catalog))
    assert catalog.personal == {}


def test_only_the_owner_sees_and_deletes(db: Database) -> None:
    """Visibility, titles and deletion belong to the owner alone."""
    deck_id = save(db, 1, "mine", "q,a\nSecret?,yes\n")
    catalog = db.call(load_catalog)
    owner, other = learner_id(db, 1), learner_id(db, 2)
    assert catalog.visible(deck_id, owner) and not catalog.visible(deck_id, other)
    assert deck_id not in catalog.deck_titles and catalog.title(deck_id) == "mine"
    assert [t for _, t, mine in catalog.decks_for(owner) if mine] == ["mine"]
    assert not [t for _, t, mine in catalog.decks_for(other) if mine]
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


def test_owned_decks_stay_sorted_after_one_deck_updates(db: Database) -> None:
    """A learner's decks list by title after imports and deletions, as after a full load."""
    catalog = db.call(load_catalog)
    ids = {}
    for title in ("zebra", "apple", "Mango"):
        ids[title] = save(db, 1, title, "q,a\nQ?,A\n")
        catalog = db.call(with_personal_deck, catalog=catalog, deck_id=ids[title])
    save(db, 2, "other", "q,a\nQ?,A\n")
    catalog = db.call(load_catalog)
    owner = learner_id(db, 1)
    assert [t for _, t, mine in catalog.decks_for(owner) if mine] == ["apple", "Mango", "zebra"]
    db.call(delete_personal_deck, telegram_id=1, deck_id=ids["apple"])
    catalog = db.call(with_personal_deck, catalog=catalog, deck_id=ids["apple"])
    same(catalog, db.call(load_catalog))
    assert [c.question for c in catalog.cards_for(owner, skip_decks=set())][-2:] == ["Q?", "Q?"]
    assert len(catalog.cards_for(owner, skip_decks=set())) == 15 + 2


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
