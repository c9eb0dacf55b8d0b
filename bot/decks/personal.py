"""Learners' personal decks (CSV/TSV imports): saved, replaced and deleted by their owner only.

A personal deck's slug is `~<learner id>~<file name>`: slugify() never produces `~`, so it can
never clash with a deck file, and a re-import of the same file name finds the same deck and
updates it card by card (keys are question hashes), keeping the history of unchanged cards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.decks.model import CardSpec
from bot.decks.sync import sync_cards
from bot.decks.table_import import deck_name
from bot.store.classes import delete_deck_class
from bot.store.disputes import delete_for_cards as delete_disputes_for_cards
from bot.store.models import Card, CardState, Deck, Learner, LearnerDeck, ReviewLog, StudyPrompt
from bot.store.personal_cards import bump_decks_version

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


def _learner(session: Session, telegram_id: int, *, lock: bool = False) -> Learner | None:
    query = select(Learner).where(Learner.telegram_id == telegram_id)
    # On PostgreSQL two imports by one learner take turns on their learner row.
    return session.exec(query.with_for_update() if lock else query).first()


def save_personal_deck(
    session: Session, *, telegram_id: int, title: str, cards: Sequence[CardSpec],
    now: datetime, max_decks: int = MAX_PERSONAL_DECKS,
) -> SavedDeck | TooManyDecks | None:
    """Create the learner's deck for this file name, or update it in place."""
    learner = _learner(session, telegram_id, lock=True)
    if learner is None or learner.id is None:
        return None
    slug = personal_slug(learner.id, title)
    deck = session.exec(select(Deck).where(Deck.slug == slug)).first()
    replaced = deck is not None
    if deck is None:
        owned = session.exec(select(func.count()).select_from(Deck).where(
            Deck.owner_learner_id == learner.id)).one()
        if owned >= max_decks:
            return TooManyDecks(max_decks)
        deck = Deck(slug=slug, title=title, path=f"import:{title}"[:512],
                    owner_learner_id=learner.id)
        session.add(deck)
        session.flush()
    deck.title, deck.retired = title, False
    report = sync_cards(session, deck, cards, now=now)
    session.flush()
    bump_decks_version(session, learner_id=learner.id)
    assert deck.id is not None
    return SavedDeck(deck.id, title, len(cards), report.added, report.updated, report.retired,
                     replaced)


def owned_deck(session: Session, *, telegram_id: int, deck_id: int) -> OwnedDeck | None:
    """The learner's own personal deck, or None for anyone else's (or a missing one)."""
    learner = _learner(session, telegram_id)
    deck = session.get(Deck, deck_id)
    if learner is None or deck is None or deck.owner_learner_id != learner.id:
        return None
    cards = session.exec(select(func.count()).select_from(Card).where(
        Card.deck_id == deck_id, Card.retired == False)).one()  # noqa: E712
    return OwnedDeck(deck_id, deck.title, cards)


def delete_personal_deck(session: Session, *, telegram_id: int, deck_id: int) -> OwnedDeck | None:
    """Delete the learner's deck with its cards and their review history, as asked.

    Unlike teacher decks nothing is kept: the learner chose to delete their own material,
    and leftover card states would keep counting as due in reminders. A shared deck's class
    goes with it: its link stops working and its members' history on it is deleted.
    """
    learner = _learner(session, telegram_id, lock=True)
    found = owned_deck(session, telegram_id=telegram_id, deck_id=deck_id)
    if learner is None or found is None:
        return None
    card_ids = sa.select(col(Card.id)).where(col(Card.deck_id) == deck_id).scalar_subquery()
    prompt_ids = sa.select(col(StudyPrompt.id)).where(
        col(StudyPrompt.card_id).in_(card_ids)).scalar_subquery()
    # The members of its class (bot.classes) may be in the middle of one of its cards too.
    session.execute(sa.update(Learner).where(col(Learner.current_prompt_id).in_(prompt_ids))
                    .values(current_prompt_id=None))
    session.flush()
    delete_disputes_for_cards(session, card_ids)
    delete_deck_class(session, deck_id=deck_id)
    session.execute(sa.delete(ReviewLog).where(col(ReviewLog.prompt_id).in_(prompt_ids)))
    session.execute(sa.delete(ReviewLog).where(col(ReviewLog.card_id).in_(card_ids)))
    session.execute(sa.delete(StudyPrompt).where(col(StudyPrompt.card_id).in_(card_ids)))
    session.execute(sa.delete(CardState).where(col(CardState.card_id).in_(card_ids)))
    session.execute(sa.delete(LearnerDeck).where(col(LearnerDeck.deck_id) == deck_id))
    session.execute(sa.delete(Card).where(col(Card.deck_id) == deck_id))
    session.execute(sa.delete(Deck).where(col(Deck.id) == deck_id))
    assert learner.id is not None
    bump_decks_version(session, learner_id=learner.id)
    return found
