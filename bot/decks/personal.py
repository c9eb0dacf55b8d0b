"""Learners' personal decks (CSV/TSV imports): saved, replaced and deleted by their owner only.

A personal deck's slug is `~<learner id>~<file name>`: slugify() never produces `~`, so it can
never clash with a deck file, and a re-import of the same file name finds the same deck and
updates it card by card (keys are question hashes), keeping the history of unchanged cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.decks.model import CardSpec
from bot.decks.sync import sync_cards
from bot.decks.table_import import deck_name
from bot.store import personal_decks as store
from bot.store.learners import by_telegram_id
from bot.store.models import Deck
from bot.store.personal_cards import bump_decks_version
from bot.store.session import Session

MAX_PERSONAL_DECKS = 20


def personal_slug(learner_id: int, title: str) -> str:
    return f"~{learner_id}~{deck_name(title)}"


@dataclass(frozen=True, slots=True)
class SavedDeck:
    deck_id: int
    title: str
    cards: int
    added: int
    updated: int
    retired: int
    replaced: bool


@dataclass(frozen=True, slots=True)
class TooManyDecks:
    limit: int


@dataclass(frozen=True, slots=True)
class OwnedDeck:
    deck_id: int
    title: str
    cards: int


def save_personal_deck(
    session: Session, *, telegram_id: int, title: str, cards: Sequence[CardSpec],
    now: datetime, max_decks: int = MAX_PERSONAL_DECKS,
) -> SavedDeck | TooManyDecks | None:
    """Create the learner's deck for this file name, or update it in place."""
    # On PostgreSQL two imports by one learner take turns on their learner row.
    learner = by_telegram_id(session, telegram_id=telegram_id, for_update=True)
    if learner is None or learner.id is None:
        return None
    slug = personal_slug(learner.id, title)
    deck = store.deck_by_slug(session, slug=slug)
    replaced = deck is not None
    if deck is None:
        if store.count_owned_decks(session, learner_id=learner.id) >= max_decks:
            return TooManyDecks(max_decks)
        deck = store.add_deck(session, Deck(slug=slug, title=title,
                                            path=f"import:{title}"[:512],
                                            owner_learner_id=learner.id))
    deck.title, deck.retired = title, False
    report = sync_cards(session, deck, cards, now=now)
    store.save(session)
    bump_decks_version(session, learner_id=learner.id)
    assert deck.id is not None
    return SavedDeck(deck.id, title, len(cards), report.added, report.updated, report.retired,
                     replaced)


def owned_deck(session: Session, *, telegram_id: int, deck_id: int) -> OwnedDeck | None:
    """The learner's own personal deck, or None for anyone else's (or a missing one)."""
    learner = by_telegram_id(session, telegram_id=telegram_id)
    deck = store.deck_by_id(session, deck_id=deck_id)
    if learner is None or deck is None or deck.owner_learner_id != learner.id:
        return None
    return OwnedDeck(deck_id, deck.title, store.count_live_cards(session, deck_id=deck_id))


def delete_personal_deck(session: Session, *, telegram_id: int, deck_id: int) -> OwnedDeck | None:
    """Delete the learner's deck with its cards and their review history, as asked.

    Unlike teacher decks nothing is kept: the learner chose to delete their own material,
    and leftover card states would keep counting as due in reminders. A shared deck's class
    goes with it: its link stops working and its members' history on it is deleted.
    """
    learner = by_telegram_id(session, telegram_id=telegram_id, for_update=True)
    found = owned_deck(session, telegram_id=telegram_id, deck_id=deck_id)
    if learner is None or found is None:
        return None
    store.delete_deck_and_history(session, deck_id=deck_id)
    assert learner.id is not None
    bump_decks_version(session, learner_id=learner.id)
    return found
