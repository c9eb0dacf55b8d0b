"""Which decks a learner studies, with per-deck progress for /decks, one page at a time."""

from __future__ import annotations

from dataclasses import dataclass

from bot.catalog import Catalog
from bot.store import deck_choice as store
from bot.store import learners
from bot.store.deck_choice import disabled_decks
from bot.store.models import Learner
from bot.store.session import Session

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


def _learner(session: Session, telegram_id: int) -> Learner | None:
    return learners.by_telegram_id(session, telegram_id=telegram_id)


def deck_progress(session: Session, *, telegram_id: int, catalog: Catalog) -> list[DeckProgress]:
    """Every deck this learner may study: the shared ones, then the personal decks they see
    (their own, then those they joined)."""
    learner = _learner(session, telegram_id)
    if learner is None or learner.id is None:
        return []
    catalog = catalog.for_learner(session, learner.id, learner.decks_version)
    off = disabled_decks(session, learner_id=learner.id)
    seen_ids = store.started_cards(session, learner_id=learner.id)
    result = []
    # The learner's view holds the decks they joined too: those are someone else's.
    for deck_id, title, personal in catalog.decks_for(learner.id):
        cards = catalog.deck_cards.get(deck_id, ())
        owner = catalog.personal[deck_id].owner_learner_id if personal else None
        result.append(DeckProgress(deck_id, title, len(cards),
                                   sum(c.id in seen_ids for c in cards), deck_id not in off,
                                   personal, joined=personal and owner != learner.id))
    return result


def toggle_deck(
    session: Session, *, telegram_id: int, deck_id: int, catalog: Catalog
) -> list[DeckProgress] | None:
    """Flip one deck on or off; None for a deck this learner cannot see."""
    learner = _learner(session, telegram_id)
    if learner is None or learner.id is None or not catalog.for_learner(
            session, learner.id, learner.decks_version).visible(deck_id, learner.id):
        return None
    store.toggle(session, learner_id=learner.id, deck_id=deck_id)
    return deck_progress(session, telegram_id=telegram_id, catalog=catalog)

