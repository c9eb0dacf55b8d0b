"""Which decks a learner studies, with per-deck progress for /decks, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from bot.catalog import Catalog
from bot.classes import joined_decks
from bot.store.models import CardState, Learner, LearnerDeck

PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class DeckProgress:
    deck_id: int
    title: str
    cards: int
    seen: int
    enabled: bool
    personal: bool = False
    # Someone else's deck the learner joined by its share link (bot.classes).
    joined: bool = False


@dataclass(frozen=True, slots=True)
class DeckListPage:
    decks: list[DeckProgress]
    page: int  # 0-based, already clamped to the pages that exist
    pages: int
    total: int
    # Set when the requested page no longer exists (the list shrank since it was shown).
    moved: bool = False


def paginate(progress: list[DeckProgress], page: int, size: int = PAGE_SIZE) -> DeckListPage:
    """Cut one page out of the list; a page past the end shows the last one instead."""
    pages = max(1, -(-len(progress) // size))
    shown = min(max(page, 0), pages - 1)
    return DeckListPage(progress[shown * size:(shown + 1) * size], shown, pages, len(progress),
                        moved=shown != page)


def disabled_decks(session: Session, *, learner_id: int) -> set[int]:
    return set(session.exec(
        select(LearnerDeck.deck_id).where(
            LearnerDeck.learner_id == learner_id, LearnerDeck.enabled == False  # noqa: E712
        )
    ).all())


def _learner(session: Session, telegram_id: int) -> Learner | None:
    return session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).first()


def deck_progress(session: Session, *, telegram_id: int, catalog: Catalog) -> list[DeckProgress]:
    """Every deck this learner may study: the shared ones, then the personal decks they see
    (their own, then those they joined)."""
    learner = _learner(session, telegram_id)
    if learner is None or learner.id is None:
        return []
    catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    off = disabled_decks(session, learner_id=learner.id)
    joined = joined_decks(session, learner_id=learner.id)
    seen_ids = set(session.exec(
        select(CardState.card_id).where(CardState.learner_id == learner.id)).all())
    result = []
    for deck_id, title, personal in catalog.decks_for(learner.id, joined):
        cards = catalog.deck_cards.get(deck_id, ())
        result.append(DeckProgress(deck_id, title, len(cards),
                                   sum(c.id in seen_ids for c in cards), deck_id not in off,
                                   personal, joined=deck_id in joined))
    return result


def toggle_deck(
    session: Session, *, telegram_id: int, deck_id: int, catalog: Catalog
) -> list[DeckProgress] | None:
    """Flip one deck on or off; None for a deck this learner cannot see."""
    learner = _learner(session, telegram_id)
    if learner is None or learner.id is None or not catalog.for_learner(
            session, learner.id, learner.decks_version).visible(deck_id, learner.id):
        return None
    row = session.exec(select(LearnerDeck).where(
        LearnerDeck.learner_id == learner.id, LearnerDeck.deck_id == deck_id)).first()
    if row is None:
        session.add(LearnerDeck(learner_id=learner.id, deck_id=deck_id, enabled=False))
    else:
        row.enabled = not row.enabled
    session.flush()
    return deck_progress(session, telegram_id=telegram_id, catalog=catalog)

