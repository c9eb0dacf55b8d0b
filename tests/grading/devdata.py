"""Load the seed deck's labelled answers (a copy of the shared dev set kept in the repo, so
the tests need nothing outside it) and the shared seed deck without the lead's deck parser."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from bot.decks.model import CardSpec

SHARED = Path(__file__).parents[3] / "shared"
DEV = Path(__file__).parent / "seed_answers.jsonl"
DECK = SHARED / "seed-deck/neural-network-basics-2.txt"


@dataclass(frozen=True, slots=True)
class Row:
    question: str
    answer: str
    label: str
    why: str


def load_rows(path: Path = DEV) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            rows.append(Row(d["question"], d["answer"], d["label"], d.get("why", "")))
    return rows


def parse_deck(path: Path, questions: set[str] | None = None) -> list[CardSpec]:
    """Alternating question/answer lines after a title line.

    With `questions` given, any other line continues the previous answer (the seed deck
    wraps one answer and bullets another); without, lines strictly alternate.
    """
    cards: list[tuple[str, list[str]]] = []
    for raw in path.read_text(encoding="utf-8").splitlines()[1:]:
        line = raw.strip()
        if not line:
            continue
        starts = line in questions if questions else not cards or bool(cards[-1][1])
        if starts or not cards:
            cards.append((line, []))
        else:
            cards[-1][1].append(line)
    out = []
    for i, (q, lines) in enumerate(cards):
        text = lines[0] if lines else ""
        for more in lines[1:]:
            sep = "\n" if more[:1] in "-–•" else " "
            text += sep + more
        out.append(CardSpec(key=f"c{i}", question=q, answer=text))
    return out


def load_deck() -> list[CardSpec]:
    return parse_deck(DECK, {r.question for r in load_rows()})
