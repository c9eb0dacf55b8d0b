"""Queries for a learner's personal decks as whole decks (bot.decks.personal): find one, count
them, add one, and delete one with everything recorded on it. Their cards, as the catalog
reads them, are in bot.store.personal_cards."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.store.classes import delete_deck_class
from bot.store.disputes import delete_for_cards as delete_disputes_for_cards
from bot.store.models import Card, CardState, Deck, Learner, LearnerDeck, ReviewLog, StudyPrompt


def deck_by_slug(session: Session, *, slug: str) -> Deck | None:
    return session.exec(select(Deck).where(Deck.slug == slug)).first()


def deck_by_id(session: Session, *, deck_id: int) -> Deck | None:
    return session.get(Deck, deck_id)


def count_owned_decks(session: Session, *, learner_id: int) -> int:
    return session.exec(select(func.count()).select_from(Deck).where(
        Deck.owner_learner_id == learner_id)).one()


def count_live_cards(session: Session, *, deck_id: int) -> int:
    return session.exec(select(func.count()).select_from(Card).where(
        Card.deck_id == deck_id, Card.retired == False)).one()  # noqa: E712


def add_deck(session: Session, deck: Deck) -> Deck:
    """Insert the deck now, so that it has its id."""
    session.add(deck)
    session.flush()
    return deck


def save(session: Session) -> None:
    """Write pending changes (a synced deck's cards) before the statements that follow."""
    session.flush()


def delete_deck_and_history(session: Session, *, deck_id: int) -> None:
    """The deck, its cards, every learner's prompts, reviews and states on them, its class and
    its disputes; a learner in the middle of one of its cards is left with none open."""
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
