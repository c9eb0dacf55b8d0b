"""Queries for the shared decks (CARDS_DIR): syncing deck files into the store, and reading
them back for the catalog."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.store.models import Card, Deck


def cards_of_deck(session: Session, *, deck_id: int) -> Sequence[Card]:
    """Every card of the deck, retired ones too (a card put back keeps its history)."""
    return session.exec(select(Card).where(Card.deck_id == deck_id)).all()


def shared_decks(session: Session) -> Sequence[Deck]:
    """The decks from CARDS_DIR (not learners' personal decks), retired ones too."""
    return session.exec(select(Deck).where(col(Deck.owner_learner_id).is_(None))).all()


def live_shared_decks(session: Session) -> Sequence[tuple[int, str]]:
    """(deck id, title) of the shared decks in use, in the order they were first synced."""
    rows = session.exec(select(col(Deck.id), col(Deck.title)).where(
        Deck.retired == False, col(Deck.owner_learner_id).is_(None))  # noqa: E712
        .order_by(col(Deck.id))).all()
    return [(int(deck_id), str(title)) for deck_id, title in rows if deck_id is not None]


def shared_fingerprint(session: Session) -> tuple[object, ...]:
    """Counts and highest ids and edit times of the shared decks and their cards: any sync
    by any instance changes at least one of them."""
    shared = sa.select(col(Deck.id)).where(col(Deck.owner_learner_id).is_(None))
    cards = session.exec(select(func.count(), func.max(Card.id), func.max(Card.updated_at))
                         .where(col(Card.deck_id).in_(shared.scalar_subquery()))).one()
    decks = session.exec(select(func.count(), func.max(Deck.id)).where(
        Deck.retired == False, col(Deck.owner_learner_id).is_(None))).one()  # noqa: E712
    return (*cards, *decks)
