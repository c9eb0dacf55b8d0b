"""`tutorbot check-deck --grading`: what the grader derives per card, and its warnings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DECK = (
    "Training tricks\n"
    "What is gradient clipping?\n"
    "Limits the size of the gradients (by value or by their norm) before the optimizer step, "
    "which prevents exploding gradients in deep or recurrent networks.\n"
    "Where are mini-batches defined?\n"
    "DataLoader\n"
    "Code for the learning rate finder\n"
    "learn.lr_find()\n"
    "Techniques to improve model performance\n"
    "Learning rate, training duration, model depth, numeric precision\n"
)


def test_check_deck_grading_prints_concepts_flags_and_keys(tmp_path: Path) -> None:
    """Per card: concepts with weights; flagged cards get a reason and a suggested keys line."""
    deck = tmp_path / "tricks.txt"
    deck.write_text(DECK, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-deck", "--grading", str(deck)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    blocks = {b.splitlines()[0]: b for b in out.split("\n\n") if b.startswith("Q: ")}
    clip = blocks["Q: What is gradient clipping?"]
    assert "  core   “Limits the size of the gradients" in clip
    assert "limits 0." in clip and "exploding " in clip
    assert "!" not in clip  # well analysable: no warning
    assert "! only one concept: graded loosely" in blocks["Q: Where are mini-batches defined?"]
    assert "suggested keys: data loader" in blocks["Q: Where are mini-batches defined?"]
    code = blocks["Q: Code for the learning rate finder"]
    assert "! code only: graded loosely" in code
    assert "suggested keys: learn.lr_find()" in code
    listing = blocks["Q: Techniques to improve model performance"]
    assert "! the reference is a bare list: graded loosely" in listing
    assert "3 cards graded loosely" in out


def test_check_deck_grading_on_a_bad_file_names_file_and_line(tmp_path: Path) -> None:
    """A deck that does not parse is reported as file:line, as without --grading."""
    bad = tmp_path / "bad.txt"
    bad.write_text("title: Bad\n\n## one\nQ: What is it?\n", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check-deck", "--grading", str(bad)],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert f"{bad}:4: answer missing" in result.stderr
