"""Word forms the stemmer cannot fold: irregular plurals of science and of everyday English."""

from __future__ import annotations

from bot.decks.model import CardSpec
from bot.grading import Label, grade
from bot.grading.spelling import stem
from tests.grading.cards import card


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


def test_a_typo_of_the_base_form_is_repaired_against_an_inflected_reference_word() -> None:
    """ "protien" is one edit from "protein", two from the reference's "proteins"."""
    ribosomes = CardSpec(key="r", question="What do ribosomes do?",
                         answer="Synthesise proteins by translating mRNA.")
    assert "proteins" in grade(ribosomes, "PROTIEN SYNTHESIS").matched
    sql = CardSpec(key="i", question="What does an index do?",
                   answer="Speeds up lookups on the indexed columns.")
    assert "columns" in grade(sql, "faster lookups on a colum").matched


def test_words_spelled_as_heard_match() -> None:
    """ "f" for "ph": the phases of mitosis, a pharmacology term."""
    mitosis = CardSpec(key="m", question="Phases of mitosis?",
                       answer="Prophase, metaphase, anaphase and telophase.")
    assert grade(mitosis, "profase, metafase, anafase, telofase").label is Label.CORRECT
    drug = CardSpec(key="d", question="What is a pharmacophore?",
                    answer="The arrangement of features a molecule needs to bind its target.")
    assert "pharmacophore" not in grade(drug, "farmacofore").missed


def test_a_number_with_thousands_separators_is_one_number() -> None:
    """ "100,000 years" is not the items "100" and "000 years"."""
    cycles = CardSpec(key="c", question="What is the eccentricity cycle?",
                      answer="The change in the shape of Earth's orbit, about every 100,000 years.")
    said = grade(cycles, "orbit shape, 100000 yrs").matched
    assert "100000" in {m.replace(",", "") for m in said}
    assert grade(cycles, "the orbit's shape changes every 100,000 years").label is Label.CORRECT


def test_rises_and_falls_are_increases_and_decreases() -> None:
    """"Rises" and "goes up", "falls" and "decreases" state one direction; the other direction
    is the opposite, in economics, physiology and physics alike."""
    supply = card("What is the law of supply?",
                  "As the price of a good rises, the quantity supplied rises.")
    assert grade(supply, "as price goes up, quantity supplied increases").label is Label.CORRECT
    assert grade(supply, "as price increases, quantity supplied falls").label is Label.WRONG
    insulin = card("What does insulin do to blood glucose?", "Blood glucose falls.")
    assert grade(insulin, "it lowers it: blood glucose decreases").label is Label.CORRECT
    assert grade(insulin, "blood glucose rises").label is Label.WRONG
    boiling = card("How does pressure change the boiling point of water?",
                   "The boiling point rises as pressure increases.")
    assert grade(boiling, "higher pressure, the boiling point goes up").label is not Label.WRONG
    assert grade(boiling, "the boiling point drops as pressure increases").label is Label.WRONG


def test_us_in_capitals_is_the_country_and_lower_case_the_pronoun() -> None:
    """"the US" names the United States (and so does "the USA"); "us" is a pronoun."""
    pearl = card("What did the attack on Pearl Harbor do?", "Japan's surprise attack on the "
                 "United States naval base brought the United States into World War II.")
    assert grade(pearl, "Japan attacked the US navy base and that brought the US into "
                 "WW2").label is Label.CORRECT
    # The two countries the other way round: the reference's order of names is kept.
    assert grade(pearl, "the US attacked Japan's naval base, which brought Japan into the "
                 "war").label is not Label.CORRECT
    assert grade(pearl, "it brought us into the war").label is not Label.CORRECT


def test_north_and_northern_are_one_word() -> None:
    """"north of the equator" says "Northern Hemisphere" in other words; it is not the
    opposite of the reference's "Southern"."""
    trade = card("Where do trade winds blow from?", "From the northeast in the Northern "
                 "Hemisphere and from the southeast in the Southern Hemisphere.")
    assert grade(trade, "from the northeast north of the equator, from the southeast south "
                 "of it").label is Label.CORRECT
