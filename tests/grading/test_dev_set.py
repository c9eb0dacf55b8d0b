"""The grader against teacher labels: the shared dev set and a deck it has never seen."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.grading.engine import label_for
from tests.grading.devdata import DEV, Row, load_deck, load_rows, parse_deck
from tests.grading.evaluation import (
    assess_rows,
    best_cutoffs,
    labelled,
    leave_one_card_out,
    report,
)

FIXTURES = Path(__file__).parent / "fixtures"

pytestmark = pytest.mark.skipif(
    not DEV.exists(), reason=f"shared dev set not found at {DEV} (needs the ../shared checkout)"
)


def _misgraded(rows: list[Row], found: list) -> list[str]:  # type: ignore[type-arg]
    out = []
    for r, a in zip(rows, found, strict=True):
        got = label_for(a)[0].value
        if got != r.label:
            trap = f" [{a.trap.value}]" if a.trap else ""
            out.append(
                f"  {r.label}->{got} score={a.score:.2f}{trap} | {r.question[:40]} | "
                f"{r.answer[:70]!r} | why: {r.why}"
            )
    return out


def test_dev_set_meets_floors() -> None:
    """Dev-set macro-F1 stays high and wrong answers are almost never graded correct."""
    rows, deck = load_rows(), load_deck()
    found = assess_rows(rows, deck)
    rep = report(labelled(rows, found))
    print("\n".join(["", "DEV SET", *rep.lines(), "misgraded:", *_misgraded(rows, found)]))
    assert rep.macro_f1 >= 0.86
    assert rep.accuracy >= 0.86
    assert rep.wrong_to_correct <= 0.02
    assert rep.correct_to_wrong <= 0.02


def test_leave_one_card_out_generalises() -> None:
    """Cut-offs chosen without a card still grade that card well."""
    rows, deck = load_rows(), load_deck()
    found = assess_rows(rows, deck)
    rep = leave_one_card_out(rows, found)
    print(
        "\n".join(
            [
                "",
                "LEAVE-ONE-CARD-OUT",
                *rep.lines(),
                f"cut-offs chosen on all cards: {best_cutoffs(rows, found)}",
            ]
        )
    )
    assert rep.macro_f1 >= 0.84
    assert rep.wrong_to_correct <= 0.03


@pytest.mark.parametrize(
    ("name", "floor"),
    [("basic-statistics", 0.85), ("python-basics", 0.80)],
)
def test_unseen_decks_hold_up(name: str, floor: float) -> None:
    """Rules carry to decks on other subjects (statistics, Python) that were not tuned on."""
    rows = load_rows(FIXTURES / f"{name}.jsonl")
    deck = parse_deck(FIXTURES / f"{name}.txt")
    found = assess_rows(rows, deck)
    rep = report(labelled(rows, found))
    print(
        "\n".join(
            ["", f"UNSEEN DECK ({name})", *rep.lines(), "misgraded:", *_misgraded(rows, found)]
        )
    )
    assert rep.macro_f1 >= floor
    assert rep.wrong_to_correct <= 0.07
