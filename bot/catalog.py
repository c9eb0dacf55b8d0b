"""The cards a learner can be asked, held in memory for grading.

Cards change only when decks are synced (startup, reload) or a learner imports or deletes a
personal deck, so each process keeps an immutable snapshot that is swapped as a whole, and the
grader never waits on the database for reference text.

Personal decks are kept apart from `deck_titles`, which lists only the shared decks: code that
lists decks for anyone shows nobody else's deck unless it asks `decks_for(learner)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from bot.store.models import Card, Deck


def _groups(text: str, sep: str) -> tuple[tuple[str, ...], ...]:
    return tuple(
        tuple(part.strip() for part in line.split(sep) if part.strip())
        for line in text.splitlines()
        if line.strip()
    )


@dataclass(frozen=True, slots=True)
class CatalogCard:
    id: int
    deck_id: int
    key: str
    question: str
    answer: str
    keys: tuple[tuple[str, ...], ...] = ()
    alts: tuple[tuple[str, ...], ...] = ()
    demo: str | None = None


@dataclass(frozen=True, slots=True)
class PersonalDeck:
    owner_learner_id: int
    title: str


@dataclass(frozen=True, slots=True)
class Catalog:
    cards: dict[int, CatalogCard] = field(default_factory=dict)
    # Shared decks (CARDS_DIR) only; safe to list to every learner.
    deck_titles: dict[int, str] = field(default_factory=dict)
    deck_cards: dict[int, tuple[CatalogCard, ...]] = field(default_factory=dict)
    personal: dict[int, PersonalDeck] = field(default_factory=dict)
    # learner id -> their personal deck ids, by title: no scan over everybody's decks.
    owned: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def siblings(self, card: CatalogCard) -> Sequence[CatalogCard]:
        return self.deck_cards.get(card.deck_id, ())

    def title(self, deck_id: int) -> str:
        own = self.personal.get(deck_id)
        return own.title if own is not None else self.deck_titles.get(deck_id, "")

    def personal_decks_seen_by(self, learner_id: int, joined: Sequence[int] = ()
                               ) -> tuple[int, ...]:
        """The personal decks this learner sees: their own, then the decks of others they
        joined by a share link (`joined`: bot.classes.joined_decks, read with the update)."""
        own = self.owned.get(learner_id, ())
        return own + tuple(d for d in joined if d in self.personal and d not in own)

    def visible(self, deck_id: int, learner_id: int, joined: Sequence[int] = ()) -> bool:
        """A shared deck, or a personal deck the learner sees."""
        return deck_id in self.deck_titles or deck_id in self.personal_decks_seen_by(
            learner_id, joined)

    def decks_for(self, learner_id: int, joined: Sequence[int] = ()
                  ) -> list[tuple[int, str, bool]]:
        """(deck id, title, is personal): the shared decks, then the personal ones they see."""
        shared = [(deck_id, title, False) for deck_id, title in self.deck_titles.items()]
        personal = [(deck_id, self.personal[deck_id].title, True)
                    for deck_id in self.personal_decks_seen_by(learner_id, joined)]
        return shared + personal

    def cards_for(self, learner_id: int, *, skip_decks: set[int], joined: Sequence[int] = ()
                  ) -> list[CatalogCard]:
        """The cards this learner may be asked, deck by deck in `decks_for` order."""
        return [card for deck_id, _, _ in self.decks_for(learner_id, joined)
                if deck_id not in skip_decks for card in self.deck_cards.get(deck_id, ())]


Fingerprint = tuple[object, ...]


def fingerprint(session: Session) -> Fingerprint:
    """A cheap summary that changes whenever any instance adds, edits, retires or deletes
    cards or decks, so the others know to reload their snapshot."""
    cards = session.exec(select(func.count(), func.max(Card.id), func.max(Card.updated_at))).one()
    decks = session.exec(select(func.count(), func.max(Deck.id)).where(
        Deck.retired == False)).one()  # noqa: E712
    return (*cards, *decks)


def _cards(session: Session, *where: Any) -> list[CatalogCard]:
    # Plain columns, not ORM objects: several times faster for a catalog of 100,000 cards.
    rows = session.execute(
        sa.select(col(Card.id), col(Card.deck_id), col(Card.key), col(Card.question),
                  col(Card.answer), col(Card.keys_text), col(Card.alts_text), col(Card.demo))
        .where(col(Card.retired) == sa.false(), *where)
        .order_by(col(Card.deck_id), col(Card.position))
    ).all()
    return [CatalogCard(id=card_id, deck_id=deck_id, key=key, question=question, answer=answer,
                        keys=_groups(keys_text, "|"), alts=_groups(alts_text, "="), demo=demo)
            for card_id, deck_id, key, question, answer, keys_text, alts_text, demo in rows]


def load_catalog(session: Session) -> Catalog:
    rows_decks = session.exec(
        select(Deck).where(Deck.retired == False).order_by(col(Deck.id))).all()  # noqa: E712
    decks = {d.id: d.title for d in rows_decks if d.id is not None and d.owner_learner_id is None}
    personal = {d.id: PersonalDeck(d.owner_learner_id, d.title) for d in rows_decks
                if d.id is not None and d.owner_learner_id is not None}
    cards: dict[int, CatalogCard] = {}
    per_deck: dict[int, list[CatalogCard]] = {}
    for card in _cards(session):
        cards[card.id] = card
        per_deck.setdefault(card.deck_id, []).append(card)
    return Catalog(cards=cards, deck_titles=decks,
                   deck_cards={k: tuple(v) for k, v in per_deck.items()}, personal=personal,
                   owned=_owned(personal))


def _owned(personal: dict[int, PersonalDeck]) -> dict[int, tuple[int, ...]]:
    owned: dict[int, list[int]] = {}
    for deck_id, deck in sorted(personal.items(), key=lambda d: (d[1].title.casefold(), d[0])):
        owned.setdefault(deck.owner_learner_id, []).append(deck_id)
    return {owner: tuple(ids) for owner, ids in owned.items()}


def with_personal_deck(session: Session, *, catalog: Catalog, deck_id: int) -> Catalog:
    """The catalog with one personal deck loaded again (or dropped when it is gone).

    An import or a deletion changes one deck; rebuilding only that deck keeps the reply
    fast however many cards everybody else has.
    """
    deck = session.get(Deck, deck_id)
    cards = dict(catalog.cards)
    for card in catalog.deck_cards.get(deck_id, ()):
        cards.pop(card.id, None)
    deck_cards = dict(catalog.deck_cards)
    personal = dict(catalog.personal)
    deck_cards.pop(deck_id, None)
    personal.pop(deck_id, None)
    if deck is not None and deck.owner_learner_id is not None and not deck.retired:
        fresh = _cards(session, col(Card.deck_id) == deck_id)
        cards.update((card.id, card) for card in fresh)
        if fresh:
            deck_cards[deck_id] = tuple(fresh)
        personal[deck_id] = PersonalDeck(deck.owner_learner_id, deck.title)
    owned = dict(catalog.owned)
    for owner in {d.owner_learner_id for d in (catalog.personal.get(deck_id),
                                               personal.get(deck_id)) if d is not None}:
        mine = {i: personal[i] for i in (*owned.pop(owner, ()), deck_id) if i in personal}
        owned.update(_owned(mine))
    return Catalog(cards=cards, deck_titles=catalog.deck_titles, deck_cards=deck_cards,
                   personal=personal, owned=owned)
