"""Notation that says the same thing: a chemical formula and its name are one concept."""

from __future__ import annotations

import pytest

from bot.decks.model import CardSpec
from bot.grading import Label, grade
from bot.grading.formulas import moved_across, rewrite, turned_arrow
from bot.grading.normalise import tokenise
from tests.grading.cards import card

PHOTO = card("Overall equation of photosynthesis?", "6CO2 + 6H2O → C6H12O6 + 6O2")
PRODUCTS = card("What are the products of photosynthesis?", "Glucose and oxygen.")
RESPIRATION = card(
    "What does aerobic respiration give off besides energy?", "Carbon dioxide and water."
)
NEUTRALISE = card(
    "What do hydrochloric acid and sodium hydroxide make?", "NaCl + H2O (a salt and water)"
)
GREENHOUSE = card(
    "Which gases cause the greenhouse effect?",
    "Water vapour, carbon dioxide, methane and nitrous oxide absorb infrared radiation.",
)
FERMENT = card("What does yeast make in fermentation?", "C2H5OH and CO2, without oxygen.")


def words(text: str) -> list[str]:
    return [t.text for t in tokenise(text) if t.kind in {"word", "num"}]


def test_a_formula_reads_as_its_name() -> None:
    """"6CO2" is six of carbon dioxide: the coefficient stays a number of its own."""
    assert words("6CO2 + 6H2O → C6H12O6 + 6O2") == [
        "6", "carbon", "dioxide", "6", "water", "glucose", "6", "oxygen"
    ]
    assert words("2 H2O") == ["2", "water"]
    assert words("h2so4 and NaOH") == ["sulfuric", "acid", "and", "sodium", "hydroxide"]


def test_formulas_inside_longer_names_are_left_alone() -> None:
    """Only a whole formula is a chemical: not part of a longer one, an identifier or a
    lower-case word that means something else."""
    assert "ozone" not in rewrite("Fe2O3 is rust")
    assert rewrite("co2_level") == "co2_level"
    assert "hydrogen" not in rewrite("an h2 heading") and "nitrogen" not in rewrite("n1 and n2")
    assert "ozone" not in rewrite("compile with -o3")


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        (PHOTO, "carbon dioxide + water -> glucose + oxygen"),
        (PRODUCTS, "C6H12O6 and O2"),
        (RESPIRATION, "CO2 and H2O"),
        (NEUTRALISE, "sodium chloride and water"),
        (GREENHOUSE, "H2O, CO2, CH4 and N2O soak up infrared"),
        (FERMENT, "ethanol and carbon dioxide, with no oxygen"),
    ],
)
def test_a_formula_matches_its_name(c: CardSpec, answer: str) -> None:
    """Biology, chemistry and earth science write a compound either way."""
    assert grade(c, answer).label is Label.CORRECT


def test_other_compounds_are_still_wrong() -> None:
    assert grade(PRODUCTS, "CO2 and H2O").label is Label.WRONG
    assert grade(RESPIRATION, "O2 and glucose").label is Label.WRONG


def test_an_equation_in_names_turned_round_is_wrong() -> None:
    """Names on one side of the comparison and formulas on the other still show a reaction
    written backwards, or an input and an output swapped across the arrow."""
    g = grade(PHOTO, "glucose + oxygen -> carbon dioxide + water")
    assert g.label is Label.WRONG
    assert "turned it around" in g.explanation
    g = grade(PHOTO, "oxygen + water -> glucose + carbon dioxide")
    assert g.label is Label.WRONG
    assert "carbon dioxide and oxygen" in g.explanation
    named = "carbon dioxide + water → glucose + oxygen"
    assert turned_arrow(named, "C6H12O6 + 6O2 -> 6CO2 + 6H2O") is not None
    assert moved_across(named, "6O2 + 6H2O -> C6H12O6 + 6CO2") == ("6CO2", "6O2")


def test_a_coefficient_does_not_change_the_side() -> None:
    """"6 carbon dioxide", "6CO2" and "CO2" are one term of a side."""
    assert turned_arrow(PHOTO.answer, "6 CO2 + 6 H2O -> C6H12O6 + 6 O2") is None
    assert moved_across(PHOTO.answer, "6 carbon dioxide + 6 water -> glucose + 6 oxygen") is None
    assert turned_arrow(PHOTO.answer, "glucose + 6 oxygen -> 6 carbon dioxide + 6 water") == (
        "6CO2 + 6H2O", "C6H12O6 + 6O2"
    )


SQUARES = card("How do you square every number in `nums` in one line?", "[v**2 for v in nums]")


@pytest.mark.parametrize(
    "answer",
    ["[n*n for n in nums]", "[pow(n, 2) for n in nums]", "squares = [k ** 2 for k in nums]"],
)
def test_code_that_says_the_same_reads_as_the_same(answer: str) -> None:
    """A comprehension's loop variable is the learner's to name, and `n*n`, `pow(n, 2)` and
    `n**2` are one square."""
    assert grade(SQUARES, answer).label is Label.CORRECT


def test_code_that_computes_something_else_is_not_the_same() -> None:
    assert grade(SQUARES, "[n*2 for n in nums]").label is not Label.CORRECT
    assert grade(SQUARES, "for n in nums: print(n**2)").label is not Label.CORRECT
    assert rewrite("range(0, 10)") == rewrite("range(10)")
