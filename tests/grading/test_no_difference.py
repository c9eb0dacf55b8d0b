"""An answer denying the difference a question asks about is wrong, and says so."""

from __future__ import annotations

from bot.decks.model import CardSpec
from bot.grading import Label, grade
from bot.grading.no_difference import denies_difference

SQL = CardSpec(
    key="s", question="What is the difference between WHERE and HAVING?",
    answer="WHERE filters rows before grouping; HAVING filters groups after GROUP BY.",
)
CLIMATE = CardSpec(
    key="c", question="What is the difference between weather and climate?",
    answer="Weather is the short-term state of the atmosphere; climate is its long-term "
    "average pattern, usually over 30 years.",
)
PYTHON = CardSpec(
    key="p", question="How does `==` differ from `is`?",
    answer="`==` compares values; `is` compares identity (the same object in memory).",
)


def test_denying_the_difference_is_wrong_and_named() -> None:
    """Three fields: the answer reuses the reference's words but says there is no difference."""
    for card, answer in ((SQL, "no difference, both filter rows"),
                         (CLIMATE, "there's no real difference, they are the same"),
                         (PYTHON, "they are interchangeable")):
        g = grade(card, answer)
        assert g.label is Label.WRONG, answer
        assert "you said there is none" in g.explanation


def test_naming_a_difference_after_all_is_not_a_denial() -> None:
    """ "The same ..., but ..." names a difference; "the same object" is a fact, not a denial;
    a question that asks for no difference is never read this way."""
    assert not denies_difference(SQL.question, SQL.answer,
                                 "they do the same thing, but HAVING runs after grouping")
    assert not denies_difference(PYTHON.question, PYTHON.answer,
                                 "`is` checks whether both names are the same object")
    assert not denies_difference("What does HAVING do?", SQL.answer, "no difference")
    assert grade(SQL, "WHERE filters rows, HAVING filters groups").label is Label.CORRECT


def test_a_reference_that_says_they_are_the_same_is_not_contradicted() -> None:
    card = CardSpec(key="t", question="Is there a difference between a tuple and a 1-tuple?",
                    answer="No difference: a 1-tuple is a tuple; they are the same type.")
    assert not denies_difference(card.question, card.answer, "no difference")
