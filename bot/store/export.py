"""Queries for the review-history export."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.store.models import Card, Deck, ReviewLog


def reviews_with_cards(session: Session, *, learner_id: int
                       ) -> Sequence[tuple[ReviewLog, Card, Deck]]:
    """The learner's reviews, oldest first, each with its card and deck."""
    return session.exec(
        select(ReviewLog, Card, Deck)
        .join(Card, col(Card.id) == ReviewLog.card_id)
        .join(Deck, col(Deck.id) == Card.deck_id)
        .where(ReviewLog.learner_id == learner_id)
        .order_by(col(ReviewLog.reviewed_at), col(ReviewLog.id))
    ).all()
