"""A reference's lines: steps, or a definition with its formula or code; and a ratio turned
upside down. Cases from economics, chemistry, SQL, physics and biology."""

from __future__ import annotations

from bot.decks.model import CardSpec
from bot.grading import Label, grade
from bot.grading.concepts import is_procedure
from bot.grading.ratio import turned_ratio

PED = CardSpec(
    key="p", question="What is price elasticity of demand?",
    answer="The responsiveness of quantity demanded to a change in price.\n"
    "PED = % change in quantity demanded / % change in price\n"
    "|PED| > 1: elastic; |PED| < 1: inelastic.",
)
ESTER = CardSpec(
    key="e", question="What is esterification?",
    answer="The reaction of a carboxylic acid with an alcohol to form an ester and water, "
    "usually with an acid catalyst (concentrated H2SO4).\nRCOOH + R'OH → RCOOR' + H2O",
)
VIEW = CardSpec(
    key="v", question="What is a view?",
    answer="A stored query that behaves like a virtual table. It holds no data of its own; it "
    "is computed from the underlying tables each time it is queried.\n"
    "CREATE VIEW active_users AS SELECT * FROM users WHERE active;",
)


def test_bullets_and_short_lines_are_steps_a_definition_with_its_formula_is_not() -> None:
    assert is_procedure("- Prophase\n- Metaphase\n- Anaphase\n- Telophase")
    assert is_procedure("1. Heat the mixture\n2. Filter it\n3. Let it cool")
    assert is_procedure("Many buyers and sellers\nidentical products\nfree entry and exit\n"
                        "perfect information\nFirms are price takers in such a market.")
    assert not is_procedure(PED.answer)
    assert not is_procedure(ESTER.answer)
    assert not is_procedure(VIEW.answer)
    assert not is_procedure("One line only.")


def test_the_definition_alone_answers_a_card_that_adds_its_formula() -> None:
    """The definition in the learner's words is correct without the formula's line."""
    assert grade(PED, "responsiveness of demand to price changes").label is Label.CORRECT
    assert grade(ESTER, "making an ester by reacting an acid with an alcohol").label \
        is Label.CORRECT
    assert grade(VIEW, "a saved query you can select from like a table, but it stores no "
                       "data itself").label is Label.CORRECT
    assert grade(VIEW, "what the user sees in the app's window").label is not Label.CORRECT


def test_a_ratio_turned_upside_down_is_wrong_and_says_so() -> None:
    g = grade(PED, "% change in price divided by % change in quantity demanded")
    assert g.label is Label.WRONG
    assert "upside down" in g.explanation
    assert grade(PED, "PED = % change in Qd divided by % change in price").label \
        is Label.CORRECT
    density = "Density is mass divided by volume."
    assert turned_ratio(density, "volume divided by mass")
    assert not turned_ratio(density, "mass / volume")
    assert turned_ratio("The ratio of surface area to volume.", "the ratio of volume to area")
    # A bare slash is an "or": no ratio at all.
    assert not turned_ratio(density, "volume/mass, mass/volume")
