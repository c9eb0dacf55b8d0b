"""Body of the `tutorbot grade` command: JSON lines in, one JSON grade per line out.

Errors are reported per line rather than raised, so one bad line in a batch of thousands
never loses the rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from bot.grading.engine import grade
from bot.grading.model import GradableCard
from bot.grading.normalise import clean

# Questions are short and teacher-written; anything below this is a different question.
QUESTION_MATCH_MIN = 90.0


@dataclass(frozen=True, slots=True)
class AdHocCard:
    """A card built from a line's own `reference`, for grading outside any deck."""

    question: str
    answer: str
    keys: tuple[tuple[str, ...], ...] = ()
    alts: tuple[tuple[str, ...], ...] = ()


def _norm_question(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", clean(text).casefold()).split())


def find_card(question: str, cards: Sequence[GradableCard]) -> GradableCard | None:
    """Exact match after normalisation first, then the best fuzzy match above a high bar."""
    wanted = _norm_question(question)
    normed = [_norm_question(c.question) for c in cards]
    for card, text in zip(cards, normed, strict=True):
        if text == wanted:
            return card
    best = process.extractOne(wanted, normed, scorer=fuzz.ratio, score_cutoff=QUESTION_MATCH_MIN)
    return cards[best[2]] if best is not None else None


def _grade_one(raw: str, number: int, cards: Sequence[GradableCard]) -> dict[str, object]:
    try:
        item = json.loads(raw)
    except json.JSONDecodeError as exc:
        return {"error": f"line {number}: invalid JSON ({exc.msg})"}
    if not isinstance(item, dict):
        return {"error": f"line {number}: expected a JSON object"}
    question, answer = item.get("question"), item.get("answer")
    reference = item.get("reference")
    if not isinstance(question, str) or not isinstance(answer, str):
        return {"error": f"line {number}: 'question' and 'answer' must be strings"}
    if reference is not None and not isinstance(reference, str):
        return {"error": f"line {number}: 'reference' must be a string"}
    card: GradableCard | None
    if reference is not None:
        card = AdHocCard(question, reference)
    else:
        card = find_card(question, cards)
        if card is None:
            return {"error": f"line {number}: no card with question {question[:80]!r}"}
    g = grade(card, answer, deck=cards if reference is None else ())
    return {
        "label": g.label.value,
        "score": g.score,
        "rating": g.rating.name.lower(),
        "matched": list(g.matched),
        "missed": list(g.missed),
        "explanation": g.explanation,
    }


def grade_lines(lines: Iterable[str], cards: Sequence[GradableCard]) -> Iterator[str]:
    """Yield one JSON line per non-blank input line, in order."""
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        yield json.dumps(_grade_one(raw, number, cards), ensure_ascii=False)
