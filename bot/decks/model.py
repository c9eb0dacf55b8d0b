"""What a deck file holds, independent of how it is stored or parsed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class CardSpec:
    """One card as a teacher wrote it.

    `key` is the stable id written in the deck file, so that rewording a card keeps the
    learner's review history attached to it.
    """

    key: str
    question: str
    answer: str
    # Teacher hints for the grader: the key concepts of the answer, each with optional
    # accepted alternatives ("increase | enlarge | expand").
    keys: tuple[tuple[str, ...], ...] = ()
    # Extra accepted wordings for single terms, e.g. ("lr", "learning rate").
    alts: tuple[tuple[str, ...], ...] = ()
    demo: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class DeckSpec:
    """A parsed deck file."""

    slug: str
    title: str
    path: str
    cards: tuple[CardSpec, ...] = field(default_factory=tuple)
