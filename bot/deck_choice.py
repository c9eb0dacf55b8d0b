"""Which decks a learner studies, with per-deck progress for /decks."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, func, select

from bot.catalog import Catalog
from bot.store.models import CardState, Learner, LearnerDeck


@dataclass(frozen=True, slots=True)
class DeckProgress:
    deck_id: int
    title: str
    cards: int
    seen: int
    enabled: bool


def disabled_decks(session: Session, *, learner_id: int) -> set[int]:
    return set(session.exec(
        select(LearnerDeck.deck_id).where(
            LearnerDeck.learner_id == learner_id, LearnerDeck.enabled == False  # noqa: E712
        )
    ).all())


def deck_progress(session: Session, *, telegram_id: int, catalog: Catalog) -> list[DeckProgress]:
    learner = session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).first()
    if learner is None or learner.id is None:
        return []
    off = disabled_decks(session, learner_id=learner.id)
    seen_rows = session.exec(
        select(CardState.card_id, func.count()).where(CardState.learner_id == learner.id)
        .group_by(col(CardState.card_id))
    ).all()
    seen_ids = {card_id for card_id, _ in seen_rows}
    result = []
    for deck_id, title in catalog.deck_titles.items():
        cards = catalog.deck_cards.get(deck_id, ())
        result.append(DeckProgress(deck_id, title, len(cards),
                                   sum(c.id in seen_ids for c in cards), deck_id not in off))
    return result


def toggle_deck(
    session: Session, *, telegram_id: int, deck_id: int, catalog: Catalog
) -> list[DeckProgress] | None:
    """Flip one deck on or off; None for a deck this learner cannot see."""
    learner = session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).first()
    if learner is None or learner.id is None or deck_id not in catalog.deck_titles:
        return None
    row = session.exec(select(LearnerDeck).where(
        LearnerDeck.learner_id == learner.id, LearnerDeck.deck_id == deck_id)).first()
    if row is None:
        session.add(LearnerDeck(learner_id=learner.id, deck_id=deck_id, enabled=False))
    else:
        row.enabled = not row.enabled
    session.flush()
    return deck_progress(session, telegram_id=telegram_id, catalog=catalog)
