"""Word forms the stemmer cannot fold: irregular plurals of science and of everyday English."""

from __future__ import annotations

from bot.decks.model import CardSpec
from bot.grading import Label, grade
from bot.grading.spelling import stem


def test_irregular_plurals_fold_to_their_singular() -> None:
    """ "nuclei" and "nucleus", "strata" and "stratum", "teeth" and "tooth" match."""
    for plural, singular in (("nuclei", "nucleus"), ("strata", "stratum"),
                             ("criteria", "criterion"), ("teeth", "tooth"), ("leaves", "leaf")):
        assert stem(plural) == stem(singular), plural


def test_an_answer_in_the_other_number_is_graded_as_the_reference() -> None:
    """Geology and biology: the plural in the answer earns the reference's singular."""
    superposition = CardSpec(
        key="s", question="What does the law of superposition say?",
        answer="In undisturbed rock, each stratum is younger than the one beneath it.",
    )
    assert grade(superposition, "undisturbed strata: each is younger than the one beneath").label \
        is Label.CORRECT
    division = CardSpec(key="d", question="What happens in mitosis?",
                        answer="One nucleus divides into two identical nuclei.")
    assert "nucleus" in grade(division, "the nuclei divide into two identical ones").matched
