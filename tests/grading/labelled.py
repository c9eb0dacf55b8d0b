"""Every labelled deck in the repo, and the leave-one-deck-out evaluation over them.

A labelled deck is a deck file (plain notes or native format) plus a JSONL file of teacher-
labelled answers. The held-out decks (tests/grading/heldout/) were written and labelled in
fields other than the seed deck's, before the grader was run on them (see RUBRIC.md there).
Leave-one-deck-out: the two global score cut-offs are fitted on all other decks, then the
left-out deck is graded with them, so no figure is measured on what it was fitted to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.decks.loader import parse_any
from bot.decks.model import CardSpec
from bot.grading.engine import Assessment
from tests.grading.devdata import DEV, Row, load_rows
from tests.grading.evaluation import Report, assess_rows, best_cutoffs, labelled, report

HERE = Path(__file__).parent
REPO = HERE.parents[1]
SEED_DECK = REPO / "cards/neural-network-basics-2.txt"
HELDOUT = HERE / "heldout"
FIXTURES = HERE / "fixtures"


@dataclass(frozen=True)
class LabelledDeck:
    name: str
    cards: tuple[CardSpec, ...]
    rows: tuple[Row, ...]
    heldout: bool  # written for the held-out evaluation (not developed on)
    answers: Path | None = None

    def deck_lines(self) -> list[str]:
        if self.answers is None:
            return []
        return [x for x in self.answers.read_text(encoding="utf-8").splitlines() if x.strip()]


def _strip_keys(cards: Sequence[CardSpec]) -> tuple[CardSpec, ...]:
    """The seed deck as a new teacher's deck would be: no `keys:`, no `alts:`."""
    return tuple(CardSpec(key=c.key, question=c.question, answer=c.answer) for c in cards)


def seed_deck() -> LabelledDeck | None:
    if not DEV.exists():
        return None
    cards = _strip_keys(parse_any(SEED_DECK).cards)
    return LabelledDeck("seed", cards, tuple(load_rows(DEV)), heldout=False)


def heldout_decks() -> list[LabelledDeck]:
    out = []
    for txt in sorted(HELDOUT.glob("*.txt")):
        answers = txt.with_suffix(".jsonl")
        if answers.exists():
            cards = _strip_keys(parse_any(txt).cards)
            out.append(LabelledDeck(txt.stem, cards, tuple(load_rows(answers)), heldout=True,
                                    answers=answers))
    return out


def fixture_decks() -> list[LabelledDeck]:
    out = []
    for txt in sorted(FIXTURES.glob("*.txt")):
        cards = _strip_keys(parse_any(txt).cards)
        out.append(LabelledDeck(txt.stem, cards, tuple(load_rows(txt.with_suffix(".jsonl"))),
                                heldout=False))
    return out


def all_decks() -> list[LabelledDeck]:
    seed = seed_deck()
    return [*([seed] if seed else []), *fixture_decks(), *heldout_decks()]


@dataclass(frozen=True)
class DeckResult:
    deck: LabelledDeck
    cutoffs: tuple[float, float]  # fitted on the other decks
    report: Report


def leave_one_deck_out(decks: Sequence[LabelledDeck]) -> list[DeckResult]:
    found: dict[str, list[Assessment]] = {
        d.name: assess_rows(d.rows, d.cards) for d in decks
    }
    out = []
    for d in decks:
        train_rows: list[Row] = []
        train_found: list[Assessment] = []
        for other in decks:
            if other.name != d.name:
                train_rows += other.rows
                train_found += found[other.name]
        cut = best_cutoffs(train_rows, train_found)
        out.append(DeckResult(d, cut, report(labelled(d.rows, found[d.name], *cut))))
    return out
