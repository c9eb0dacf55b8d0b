"""The cards a learner can be asked, held in memory for grading.

Cards change only when decks are synced (startup or reload), so each process keeps an
immutable snapshot and the grader never waits on the database for reference text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlmodel import Session, col, select

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
class Catalog:
    cards: dict[int, CatalogCard] = field(default_factory=dict)
    deck_titles: dict[int, str] = field(default_factory=dict)
    deck_cards: dict[int, tuple[CatalogCard, ...]] = field(default_factory=dict)

    def siblings(self, card: CatalogCard) -> Sequence[CatalogCard]:
        return self.deck_cards.get(card.deck_id, ())


def load_catalog(session: Session) -> Catalog:
    decks = {d.id: d.title for d in session.exec(select(Deck).where(Deck.retired == False))}  # noqa: E712
    rows = session.exec(
        select(Card).where(Card.retired == False).order_by(col(Card.deck_id), col(Card.position))  # noqa: E712
    ).all()
    cards: dict[int, CatalogCard] = {}
    per_deck: dict[int, list[CatalogCard]] = {}
    for row in rows:
        assert row.id is not None
        card = CatalogCard(
            id=row.id, deck_id=row.deck_id, key=row.key, question=row.question,
            answer=row.answer, keys=_groups(row.keys_text, "|"), alts=_groups(row.alts_text, "="),
            demo=row.demo,
        )
        cards[row.id] = card
        per_deck.setdefault(row.deck_id, []).append(card)
    return Catalog(
        cards=cards,
        deck_titles={k: v for k, v in decks.items() if k is not None},
        deck_cards={k: tuple(v) for k, v in per_deck.items()},
    )
