"""The grader's public value types, kept apart so every module can import them cycle-free."""

from __future__ import annotations

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
