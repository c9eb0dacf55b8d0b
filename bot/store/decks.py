"""Queries for syncing deck files into the store."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.store.models import Card, Deck


def cards_of_deck(session: Session, *, deck_id: int) -> Sequence[Card]:
    """Every card of the deck, retired ones too (a card put back keeps its history)."""
    return session.exec(select(Card).where(Card.deck_id == deck_id)).all()


def shared_decks(session: Session) -> Sequence[Deck]:
    """The decks from CARDS_DIR (not learners' personal decks), retired ones too."""
    return session.exec(select(Deck).where(col(Deck.owner_learner_id).is_(None))).all()
