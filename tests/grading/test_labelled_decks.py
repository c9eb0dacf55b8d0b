"""The grader on teacher-labelled decks, leave-one-deck-out (see labelled.py).

Each deck is graded with cut-offs fitted on the other decks only. The goal (issue 15) is
macro-F1 >= 0.80 on every held-out deck with wrong->correct <= 3% and correct->wrong <= 5%,
and macro-F1 >= 0.85 on the seed deck: `test_goal_is_met` states it and is expected to fail
until the grader gets there (strict: it fails loudly the day it passes, so the floors below
get raised). The floors below keep what has been reached from sliding back.
"""

from __future__ import annotations

import json

import pytest

from tests.grading.labelled import (
    HELDOUT,
    DeckResult,
    all_decks,
    heldout_decks,
    leave_one_deck_out,
)

HELDOUT_MIN_F1 = 0.57
HELDOUT_MEAN_F1 = 0.65
# Wrong answers graded correct (the worst error) and correct graded wrong: the largest and
# the mean share per deck. organic-chemistry-basics and sql-databases, moved here from
# unseen/ once their answers were read, hold the largest share.
HELDOUT_WC_MAX = 0.11
HELDOUT_WC_MEAN = 0.05
HELDOUT_CW_MAX = 0.09
HELDOUT_CW_MEAN = 0.05
SEED_MIN_F1 = 0.84
SEED_HARM_MAX = 0.03


@pytest.fixture(scope="module")
def results() -> list[DeckResult]:
    out = leave_one_deck_out(all_decks())
    print()
    for r in out:
        p = r.report
        print(f"{r.deck.name:28} n={p.n:4} cut-offs={r.cutoffs} macroF1={p.macro_f1:.3f} "
              f"wrong->correct={p.wrong_to_correct:.3f} correct->wrong={p.correct_to_wrong:.3f}")
    return out


def test_heldout_decks_are_complete() -> None:
    """Eight held-out decks in several fields, 15-25 cards, about 8 labelled answers per card."""
    decks = heldout_decks()
    assert len(decks) >= 8
    assert (HELDOUT / "RUBRIC.md").exists()
    for d in decks:
        assert 15 <= len(d.cards) <= 25, d.name
        assert len(d.rows) >= 7 * len(d.cards), d.name
        assert {r.label for r in d.rows} == {"correct", "partial", "wrong"}, d.name
        questions = {c.question for c in d.cards}
        assert {r.question for r in d.rows} <= questions, d.name
        for line in d.deck_lines():
            json.loads(line)


def test_leave_one_deck_out_holds_its_floors(results: list[DeckResult]) -> None:
    """No held-out deck or the seed deck falls below what the grader reached."""
    held = [r.report for r in results if r.deck.heldout]
    assert min(r.macro_f1 for r in held) >= HELDOUT_MIN_F1
    assert sum(r.macro_f1 for r in held) / len(held) >= HELDOUT_MEAN_F1
    assert max(r.wrong_to_correct for r in held) <= HELDOUT_WC_MAX
    assert sum(r.wrong_to_correct for r in held) / len(held) <= HELDOUT_WC_MEAN
    assert max(r.correct_to_wrong for r in held) <= HELDOUT_CW_MAX
    assert sum(r.correct_to_wrong for r in held) / len(held) <= HELDOUT_CW_MEAN
    (seed,) = [r.report for r in results if r.deck.name == "seed"]
    assert seed.macro_f1 >= SEED_MIN_F1
    assert seed.wrong_to_correct <= SEED_HARM_MAX
    assert seed.correct_to_wrong <= SEED_HARM_MAX


@pytest.mark.xfail(strict=True, reason="issue 15's goal is not reached yet (see README)")
def test_goal_is_met(results: list[DeckResult]) -> None:
    """Issue 15's goal: every held-out deck and the seed deck meet the floors and harm caps."""
    for r in results:
        p = r.report
        floor = 0.85 if r.deck.name == "seed" else 0.80
        if r.deck.heldout or r.deck.name == "seed":
            assert p.macro_f1 >= floor, r.deck.name
            assert p.wrong_to_correct <= 0.03, r.deck.name
            assert p.correct_to_wrong <= 0.05, r.deck.name
