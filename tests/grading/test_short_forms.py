"""Rules for short forms and for directions, with cases from several fields: initials and
clipped words read off the card (abbreviations.py), compounds split only into the card's
words, directions never damped by the deck, and a sentence naming opposites both ways round."""

from __future__ import annotations

from bot.grading import Label, grade
from bot.grading.abbreviations import CardTerms, card_terms, initials, unclip
from bot.grading.analysis import analyse
from bot.grading.concepts import build
from bot.grading.engine import model_for
from tests.grading.cards import card


def terms(text: str) -> CardTerms:
    return card_terms(frozenset(), text)


def test_initials_stand_for_the_cards_own_phrase() -> None:
    """"Qd", "GIL", "NH", "LRs": initials of adjacent content words of the card."""
    assert initials("qd", terms("As the price rises, the quantity demanded falls.")) == (
        "quantity", "demanded")
    assert initials("gil", terms("The global interpreter lock lets one thread run.")) == (
        "global", "interpreter", "lock")
    assert initials("nh", terms("to the right in the northern hemisphere")) == (
        "northern", "hemisphere")
    assert initials("lrs", terms("pick learning rates per layer")) == ("learning", "rates")


def test_initials_that_are_words_or_ambiguous_stay_as_typed() -> None:
    """"go" is a word, not "gradient overflow"; "qd" for two phrases is no one's."""
    assert initials("go", terms("gradient overflow")) is None
    assert initials("qd", terms("quantity demanded, quality data")) is None
    assert initials("the", terms("the huge elephant")) is None


def test_clipped_words_are_the_card_word_they_start() -> None:
    """"temp", "euks", "grads", "deps": the head of one longer card word."""
    assert unclip("temp", card_terms(frozenset({"temperature", "salinity"}))) == "temperature"
    assert unclip("euks", card_terms(frozenset({"eukaryotic"}))) == "eukaryotic"
    assert unclip("grads", card_terms(frozenset({"gradient", "gradients"}))) == "gradient"
    assert unclip("deps", card_terms(frozenset({"dependencies"}))) == "dependencies"


def test_common_words_and_compounds_are_not_clips() -> None:
    """"parts" means parts, not "particles"; "earth" + "quakes" and "sea" + "water" are
    compounds; a head of two different card words is nobody's."""
    assert unclip("parts", card_terms(frozenset({"particles"}))) is None
    assert unclip("earths", card_terms(frozenset({"earthquakes"}))) is None
    assert unclip("sea", card_terms(frozenset({"seawater"}))) is None
    assert unclip("con", card_terms(frozenset({"concentration", "convection"}))) is None


def test_short_forms_earn_the_words_they_stand_for() -> None:
    """End to end: the short form earns the reference's words, in three fields."""
    thermo = card(
        "What drives thermohaline circulation?",
        "Differences in seawater density caused by temperature and salinity.",
    )
    assert grade(thermo, "temp + salinity -> density").label is Label.CORRECT
    assert "temperature" in grade(thermo, "temp + salinity -> density").matched
    assert grade(thermo, "parts + salinity -> density").label is not Label.CORRECT
    gil = card(
        "What is the GIL's job in CPython?",
        "The global interpreter lock: a mutex that lets only one thread execute Python "
        "bytecode at a time.",
    )
    assert grade(gil, "glob interp lock - one thread runs bytecode at once").label is (
        Label.CORRECT)
    cells = card(
        "How do prokaryotic and eukaryotic cells differ?",
        "Eukaryotic cells have a nucleus; prokaryotic cells have none.",
    )
    assert grade(cells, "euks have a nucleus, proks don't").label is Label.CORRECT


def test_a_compound_splits_only_into_the_cards_words() -> None:
    """"raindrops" is not "rain" + "drop" (a direction, in synonyms.txt) when the card never
    says "drop"; "learningrate" still splits into the card's words."""
    model = model_for(card(
        "How does rain form?",
        "Water vapour condenses on tiny particles into cloud droplets, which merge into rain.",
    ))
    keys = {u.key for u in analyse("raindrops merge in clouds", model.lex).units}
    assert "decreas" not in keys
    lr = model_for(card("What does the learning rate set?", "The size of each optimizer step."))
    assert {u.key for u in analyse("learningrate", lr.lex).units} == {
        u.key for u in analyse("learning rate", lr.lex).units}


def test_directions_are_never_damped_by_the_deck() -> None:
    """A word in much of the deck weighs less, but a direction ("decreases") is what a
    statement asserts however many cards say it."""
    question, answer = ("What happens to demand when the price rises?",
                        "Quantity demanded decreases as the price increases.")
    alone = build(question, answer, (), ())
    in_deck = build(question, answer, (), (), frozenset({"decreas", "price"}))

    def weights(model: object) -> dict[str, float]:
        return {n.key: n.weight for c in model.concepts for o in c.options  # type: ignore[attr-defined]
                for n in o}

    assert weights(in_deck)["decreas"] == weights(alone)["decreas"]
    assert weights(in_deck)["price"] < weights(alone)["price"]


def test_opposites_named_both_ways_round_give_no_order() -> None:
    """"growing larger: cost decreases as output increases" names the two directions in
    both orders, so an answer may name them in either."""
    scale = card(
        "What are economies of scale?",
        "Cost advantages from growing larger: average cost decreases as output increases.",
    )
    assert model_for(scale).polar == ()
    assert grade(scale, "average cost goes down as output goes up").label is Label.CORRECT
    flow = card("Which way does air flow?", "From higher pressure to lower pressure.")
    assert model_for(flow).polar == (("increas", "decreas"),)
    assert grade(flow, "from lower pressure to higher pressure").label is Label.WRONG


def test_directions_that_vary_together_give_no_order() -> None:
    """"pressure falls as altitude rises" ties each direction to its own thing: "the higher
    you go, the lower the pressure" says the same the other way round."""
    air = card("How does air pressure change with height?",
               "Air pressure falls as altitude rises.")
    assert model_for(air).polar == ()
    assert grade(air, "the higher you go, the lower the air pressure").label is not Label.WRONG
    assert grade(air, "air pressure rises as altitude rises").label is Label.WRONG


def test_chemical_symbols_stand_for_the_elements_the_card_names() -> None:
    """"C and H" is "carbon and hydrogen" on a card that names them; a card that names no
    element keeps the letters as they are ("O(n)" is no oxygen)."""
    hydrocarbon = card("What is a hydrocarbon?", "A compound made only of carbon and hydrogen "
                       "atoms.")
    assert grade(hydrocarbon, "compound of only C and H").label is Label.CORRECT
    rust = card("What is rust?", "Iron oxide, formed when iron reacts with oxygen and water.")
    assert grade(rust, "Fe oxide: Fe reacting with O and water").label is Label.CORRECT
    search = card("How fast is binary search?", "O(log n): it halves the range each step.")
    assert "oxygen" not in grade(search, "O of log n, halving each step").explanation
