"""What the grader makes of each card, for teachers: concepts, weights, warnings, a `keys:` hint.

`tutorbot check-deck --grading` prints this per card, and a table import names the cards it
flags, so that a teacher knows before any learner does which cards will be graded loosely and
what `keys:` line would fix them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.grading.concepts import CardModel
from bot.grading.engine import model_for
from bot.grading.model import GradableCard

ONLY_ONE = "only one concept"
BARE_LIST = "the reference is a bare list"
CODE_ONLY = "code only"
# A word this weighty, neither generic nor the question's own, names an idea.
CONCEPT_WEIGHT = 0.5
SUGGESTED_KEYS = 4
_CODE_ONLY = re.compile(r"^[\s\w.\[\]()'\",:=*+\-/<>%]*[(\[=][\s\w.\[\]()'\",:=*+\-/<>%]*$")


@dataclass(frozen=True, slots=True)
class ConceptView:
    label: str
    words: tuple[tuple[str, float], ...]  # the reference's words with their weights
    role: str  # "core", "detail", "list" (N of M items) or "keys" (the teacher's)


@dataclass(frozen=True, slots=True)
class CardCheck:
    question: str
    concepts: tuple[ConceptView, ...]
    flags: tuple[str, ...]
    suggested_keys: str  # a `keys:` line, empty when the card has keys already

    @property
    def loose(self) -> bool:
        return bool(self.flags)


def _views(model: CardModel, has_keys: bool) -> tuple[ConceptView, ...]:
    out = []
    for i, c in enumerate(model.concepts):
        seen: dict[str, float] = {}
        for option in c.options:
            for n in option:
                if not n.example:
                    seen[n.surface] = max(seen.get(n.surface, 0.0), round(n.weight, 2))
        role = (
            "keys" if has_keys else "list" if c.items else "core" if i == 0 else "detail"
        )
        out.append(ConceptView(c.label, tuple(seen.items()), role))
    return tuple(out)


def _naming(model: CardModel) -> list[tuple[float, str]]:
    """Weighty, specific words of the reference, weightiest first."""
    best: dict[str, float] = {}
    for c in model.concepts:
        for option in c.options:
            for n in option:
                if n.specific and not n.example and not n.neg and n.weight >= CONCEPT_WEIGHT:
                    best[n.surface.lower()] = max(best.get(n.surface.lower(), 0.0), n.weight)
    return sorted(((-w, s) for s, w in best.items()))


def check_card(card: GradableCard, deck: Sequence[GradableCard] = ()) -> CardCheck:
    model = model_for(card, deck)
    has_keys = bool(card.keys)
    views = _views(model, has_keys)
    naming = _naming(model)
    flags: list[str] = []
    if not has_keys:
        reference = card.answer.strip()
        if _CODE_ONLY.match(reference) and len(reference.split()) <= 6:
            flags.append(CODE_ONLY)
        elif model.listing and len(model.concepts) == 1:
            flags.append(BARE_LIST)
        elif len(naming) < 2:
            flags.append(ONLY_ONE)
    keys = "" if has_keys else "keys: " + " ; ".join(s for _, s in naming[:SUGGESTED_KEYS])
    return CardCheck(card.question, views, tuple(flags), keys if naming else "")


def check_deck(cards: Sequence[GradableCard]) -> list[CardCheck]:
    return [check_card(c, cards) for c in cards]


def format_check(check: CardCheck) -> str:
    """Plain text for the terminal: one block per card."""
    lines = [f"Q: {check.question}"]
    for v in check.concepts:
        words = ", ".join(f"{w} {x:.2f}" for w, x in v.words)
        lines.append(f"  {v.role:<6} “{v.label}”: {words}")
    for f in check.flags:
        lines.append(f"  ! {f}: graded loosely")
    if check.flags and check.suggested_keys:
        lines.append(f"  suggested {check.suggested_keys}")
    return "\n".join(lines)


def loose_questions(cards: Sequence[GradableCard]) -> list[str]:
    """Questions of the cards the grader cannot grade strictly without `keys`."""
    return [c.question for c in check_deck(cards) if c.loose]
