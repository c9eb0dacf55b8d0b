"""Queries for which decks a learner studies (a row only for a deck they switched)."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.store.models import CardState, LearnerDeck


def disabled_decks(session: Session, *, learner_id: int) -> set[int]:
    return set(session.exec(
        select(LearnerDeck.deck_id).where(
            LearnerDeck.learner_id == learner_id, LearnerDeck.enabled == False  # noqa: E712
        )
    ).all())


def started_cards(session: Session, *, learner_id: int) -> set[int]:
    """The cards the learner has seen at least once."""
    return set(session.exec(
        select(CardState.card_id).where(CardState.learner_id == learner_id)).all())


def toggle(session: Session, *, learner_id: int, deck_id: int) -> None:
    """Switch the deck off (no row yet) or flip it."""
    row = session.exec(select(LearnerDeck).where(
        LearnerDeck.learner_id == learner_id, LearnerDeck.deck_id == deck_id)).first()
    if row is None:
        session.add(LearnerDeck(learner_id=learner_id, deck_id=deck_id, enabled=False))
    else:
        row.enabled = not row.enabled
    session.flush()
