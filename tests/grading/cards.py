"""One-off cards for the grading tests: a question and its reference, nothing else."""

from __future__ import annotations

from bot.decks.model import CardSpec


def card(question: str, answer: str) -> CardSpec:
    return CardSpec(key="c", question=question, answer=answer)
