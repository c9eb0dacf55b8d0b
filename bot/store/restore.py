"""Queries for restoring a learner's history from a backup."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.store.models import Card, CardState, Deck, GradingDispute, Learner, ReviewLog, StudyPrompt


def card_ids(session: Session, *, deck_slugs: set[str]) -> dict[tuple[str, str], int]:
    """(deck slug, card key) → card id, for the named decks."""
    rows = session.exec(
        select(Deck.slug, Card.key, Card.id).join(Deck, col(Deck.id) == Card.deck_id)
        .where(col(Deck.slug).in_(deck_slugs))
    ).all()
    return {(slug, key): card_id for slug, key, card_id in rows if card_id is not None}


def history_size(session: Session, *, learner_id: int) -> tuple[int, int]:
    """(reviews, card states) the learner has."""
    reviews = session.exec(select(func.count()).select_from(ReviewLog)
                           .where(ReviewLog.learner_id == learner_id)).one()
    states = session.exec(select(func.count()).select_from(CardState)
                          .where(CardState.learner_id == learner_id)).one()
    return int(reviews), int(states)


def delete_history(session: Session, *, learner: Learner) -> None:
    """The learner's reviews, card states, prompts and the disputes of those prompts; their
    settings and deck choices stay."""
    learner.current_prompt_id = None
    session.flush()
    for table in (GradingDispute, ReviewLog, CardState, StudyPrompt):
        session.execute(sa.delete(table).where(col(table.learner_id) == learner.id))
