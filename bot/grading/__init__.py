"""Free-text answer grading: pure functions from (card, answer) to a Grade.

Public interface (stable): `grade`, `Grade`, `Label`, `Rating`, `GradableCard`.
"""

from __future__ import annotations

from bot.grading.engine import MAX_ANSWER_CHARS, grade
from bot.grading.model import GradableCard, Grade, Label, Rating

__all__ = ["MAX_ANSWER_CHARS", "GradableCard", "Grade", "Label", "Rating", "grade"]
