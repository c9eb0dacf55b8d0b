"""Placeholder grader; the grading engine replaces this module's internals.

Public interface (stable): `grade`, `Grade`, `Label`, `Rating`, `GradableCard`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Protocol


class Label(StrEnum):
    CORRECT = "correct"
    PARTIAL = "partial"
    WRONG = "wrong"


class Rating(IntEnum):
    """Same values as fsrs.Rating, so the scheduler can convert with fsrs.Rating(int)."""

    AGAIN = 1
    HARD = 2
    GOOD = 3
    EASY = 4


class GradableCard(Protocol):
    @property
    def question(self) -> str: ...
    @property
    def answer(self) -> str: ...
    @property
    def keys(self) -> tuple[tuple[str, ...], ...]: ...
    @property
    def alts(self) -> tuple[tuple[str, ...], ...]: ...


@dataclass(frozen=True, slots=True)
class Grade:
    score: float
    label: Label
    rating: Rating
    matched: tuple[str, ...]
    missed: tuple[str, ...]
    explanation: str


def grade(
    card: GradableCard,
    answer: str,
    *,
    deck: Sequence[GradableCard] = (),
    elapsed_s: float | None = None,
) -> Grade:
    words = {w.strip(".,;:!?()").lower() for w in card.answer.split() if len(w) > 3}
    given = {w.strip(".,;:!?()").lower() for w in answer.split()}
    matched = tuple(sorted(words & given))
    missed = tuple(sorted(words - given))
    score = len(matched) / len(words) if words else 0.0
    label = Label.CORRECT if score >= 0.6 else Label.PARTIAL if score >= 0.25 else Label.WRONG
    rating = {Label.CORRECT: Rating.GOOD, Label.PARTIAL: Rating.HARD, Label.WRONG: Rating.AGAIN}
    return Grade(score, label, rating[label], matched, missed, f"{len(matched)} key words matched")
