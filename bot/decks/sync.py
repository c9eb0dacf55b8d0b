"""Bring the store in line with the deck files without ever losing review history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.decks.model import CardSpec, DeckSpec
from bot.store import decks as store
from bot.store.models import Card, Deck
from bot.store.session import Session


@dataclass(frozen=True, slots=True)
class SyncReport:
    added: int
    updated: int
    retired: int


def _hints(groups: tuple[tuple[str, ...], ...], sep: str) -> str:
    return "\n".join(sep.join(group) for group in groups)


def _apply(card: Card, spec: CardSpec, position: int) -> bool:
    fields = {
        "question": spec.question,
        "answer": spec.answer,
        "keys_text": _hints(spec.keys, " | "),
        "alts_text": _hints(spec.alts, " = "),
        "demo": spec.demo,
        "position": position,
        "retired": False,
    }
    changed = False
    for name, value in fields.items():
        if getattr(card, name) != value:
            setattr(card, name, value)
            changed = True
    return changed


def sync_cards(session: Session, deck: Deck, specs: Sequence[CardSpec], *, now: datetime
               ) -> SyncReport:
    """Bring one deck's cards in line with `specs`, matching them by their stable key."""
    assert deck.id is not None
    added = updated = retired = 0
    cards = {c.key: c for c in store.cards_of_deck(session, deck_id=deck.id)}
    keys = set()
    for position, card_spec in enumerate(specs):
        keys.add(card_spec.key)
        card = cards.get(card_spec.key)
        if card is None:
            card = Card(deck_id=deck.id, key=card_spec.key, question="", answer="")
            _apply(card, card_spec, position)
            card.updated_at = now
            session.add(card)
            added += 1
        elif _apply(card, card_spec, position):
            card.updated_at = now
            updated += 1
    for key, card in cards.items():
        if key not in keys and not card.retired:
            card.retired = True
            card.updated_at = now
            retired += 1
    return SyncReport(added=added, updated=updated, retired=retired)


def sync_decks(session: Session, decks: Sequence[DeckSpec], *, now: datetime) -> SyncReport:
    """Add new cards, update edited ones, retire removed ones.

    Cards are never deleted: review logs point at them, and a card put back keeps its history.
    Learners' personal decks (CSV imports) are not in CARDS_DIR, so they are left alone.
    """
    added = updated = retired = 0
    known = {deck.slug: deck for deck in store.shared_decks(session)}
    present = set()
    for spec in decks:
        present.add(spec.slug)
        deck = known.get(spec.slug)
        if deck is None:
            deck = Deck(slug=spec.slug, title=spec.title, path=spec.path)
            session.add(deck)
            session.flush()
        deck.title, deck.path, deck.retired = spec.title, spec.path, False
        report = sync_cards(session, deck, spec.cards, now=now)
        added, updated = added + report.added, updated + report.updated
        retired += report.retired
    for slug, deck in known.items():
        if slug not in present and not deck.retired:
            deck.retired = True
            assert deck.id is not None
            for card in store.cards_of_deck(session, deck_id=deck.id):
                if not card.retired:
                    card.retired = True
                    # Other instances notice a change by the newest updated_at.
                    card.updated_at = now
                    retired += 1
    session.flush()
    return SyncReport(added=added, updated=updated, retired=retired)
