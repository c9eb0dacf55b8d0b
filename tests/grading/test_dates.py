"""A "When …?" question is answered by its date: history, science history and computing."""

from __future__ import annotations

from bot.decks.model import CardSpec
from bot.grading import Label, grade
from bot.grading.dates import DateVerdict, asks_when, dated

USSR = CardSpec(
    key="u", question="When did the Soviet Union collapse?",
    answer="In December 1991, when it dissolved into 15 independent republics, after "
    "Gorbachev's reforms and the fall of the communist regimes in Eastern Europe in 1989.",
)
MOON = CardSpec(
    key="m", question="When did humans first land on the Moon?",
    answer="On 20 July 1969, with Apollo 11 (Neil Armstrong and Buzz Aldrin); the last "
    "crewed landing was Apollo 17 in 1972.",
)
WAR = CardSpec(
    key="w", question="When was the First World War fought?",
    answer="From 1914 to 1918, between the Allies and the Central Powers.",
)
PYTHON3 = CardSpec(
    key="p", question="In what year was Python 3.0 released?",
    answer="2008, a release that broke backward compatibility with Python 2 (first "
    "released in 1991).",
)


def test_only_a_question_that_asks_when_alone_is_dated() -> None:
    assert asks_when("When did the Soviet Union collapse?")
    assert asks_when("In what year was Python 3.0 released?")
    assert not asks_when("When and why was the Berlin Wall built?")
    assert not asks_when("What was the Cold War?")


def test_the_date_alone_answers_a_when_question() -> None:
    """A bare date, short or abbreviated, is the answer the question asks for."""
    for card, answer in ((USSR, "December 1991"), (USSR, "dec '91"),
                         (MOON, "1969, Apollo 11"), (PYTHON3, "in 2008"),
                         (WAR, "1914-1918")):
        g = grade(card, answer)
        assert g.label is Label.CORRECT, (answer, g)


def test_another_year_of_the_reference_is_the_wrong_date() -> None:
    """The context's year is not the event's: "1989" for the Soviet collapse."""
    for card, answer in ((USSR, "1989"), (MOON, "in 1972 with Apollo 17"),
                         (PYTHON3, "1991")):
        g = grade(card, answer)
        assert g.label is Label.WRONG, (answer, g)
    g = grade(USSR, "1989, after the communist regimes fell")
    assert "1991" in g.explanation and "1989" in g.explanation


def test_the_decade_around_the_date_is_partial() -> None:
    g = grade(USSR, "early 1990s")
    assert g.label is Label.PARTIAL, g
    assert grade(MOON, "the 1950s").label is Label.WRONG


def test_the_end_of_a_span_and_questions_that_ask_more_are_left_to_the_match() -> None:
    assert dated(WAR.question, WAR.answer, "it ended in 1918") is None
    wall = "In 1961, by East Germany (GDR), to stop East Germans fleeing to West Berlin."
    assert dated("When and why was the Berlin Wall built?", wall, "1961") is None
    assert dated(USSR.question, USSR.answer, "December 1991") == dated(
        USSR.question, USSR.answer, "in Dec. 1991")
    found = dated(USSR.question, USSR.answer, "1991")
    assert found is not None and found.verdict is DateVerdict.RIGHT
