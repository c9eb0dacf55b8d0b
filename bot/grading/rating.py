"""Map a label to a suggested FSRS rating.

wrong -> Again, partial -> Hard, correct -> Good. Correct becomes Easy only when the answer
is complete (every key concept fully covered) and was produced fast: the time taken is at
most `EASY_BASE_S` seconds of thinking plus typing at `EASY_CHARS_PER_S` characters per
second. That typing speed is a brisk phone-keyboard pace, so an answer only qualifies when
the learner started typing almost at once, i.e. recall was instant. Without `elapsed_s` we
never suggest Easy: slow or unknown recall is not evidence of an easy card.
"""

from __future__ import annotations

from bot.grading.model import Label, Rating

EASY_BASE_S = 4.0
EASY_CHARS_PER_S = 4.0

_BY_LABEL = {Label.WRONG: Rating.AGAIN, Label.PARTIAL: Rating.HARD, Label.CORRECT: Rating.GOOD}


def is_fast(answer: str, elapsed_s: float | None) -> bool:
    if elapsed_s is None or elapsed_s < 0:
        return False
    return elapsed_s <= EASY_BASE_S + len(answer.strip()) / EASY_CHARS_PER_S


def suggest(label: Label, *, complete: bool, answer: str, elapsed_s: float | None) -> Rating:
    if label is Label.CORRECT and complete and is_fast(answer, elapsed_s):
        return Rating.EASY
    return _BY_LABEL[label]
