"""Free-text answer grading: pure functions from (card, answer) to a Grade.

Public interface (stable): `grade`, `Grade`, `Label`, `Rating`, `GradableCard`.
"""

from __future__ import annotations

from bot.grading.engine import grade
from bot.grading.model import GradableCard, Grade, Label, Rating

__all__ = ["GradableCard", "Grade", "Label", "Rating", "grade"]
