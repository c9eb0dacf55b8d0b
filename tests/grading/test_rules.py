"""One test per general grading rule of issue 15, with cases from several fields."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.decks.loader import parse_any
from bot.decks.model import CardSpec
from bot.grading import Label, grade
from bot.grading.formulas import readable, rewrite
from bot.grading.informativeness import word_weight
from bot.grading.named import named_facts, swapped_names
from bot.grading.opposites import opposites
from bot.grading.sameness import swapped_sameness
from bot.grading.spelling import stem
from bot.grading.wordnet import opposite, related
from tests.grading.cards import card
from tests.grading.labelled import HELDOUT

CLIP = card(
    "What is gradient clipping?",
    "Limits the size of the gradients (by value or by their norm) before the optimizer step, "
    "which prevents exploding gradients in deep or recurrent networks.",
)
SCHEDULER = card(
    "What is a learning rate scheduler?",
    "Component that changes the learning rate during training according to a rule "
    "(e.g. step decay, cosine annealing, one-cycle), usually lowering it towards the end.",
)
APOPTOSIS = card("What is apoptosis?", "Programmed, controlled cell death.")
ER = card(
    "Rough vs smooth endoplasmic reticulum?",
    "Rough ER is studded with ribosomes and makes proteins. Smooth ER has no ribosomes; it "
    "makes lipids and detoxifies drugs.",
)
CLIMATE = card(
    "What is the difference between weather and climate?",
    "Weather is the short-term state of the atmosphere at a place; climate is the long-term "
    "average pattern of weather, usually over 30 years or more.",
)
RELU = card("What is ReLU?", "The activation max(0, x): it keeps positive inputs, zeroes the rest.")
VERSAILLES = card(
    "What was the Treaty of Versailles?",
    "The 1919 peace treaty that ended World War I with Germany.",
)
CE = card(
    "What is cross-entropy loss?",
    "The combination of the softmax and the negative log likelihood.",
)
IMAGENET = card(
    "What is a pretrained model?",
    "A model whose weights were already trained on a large dataset (e.g. ImageNet).",
)


def test_rare_words_weigh_more_than_common_ones() -> None:
    """Informativeness: "the" < "model" < "norm" < "exponential" (wordfreq)."""
    assert word_weight("the") < word_weight("model") < word_weight("norm")
    assert word_weight("norm") <= word_weight("exponential") == 1.0
    assert word_weight("mitochondria") == 1.0  # unlisted in the common-word list: rare
    assert word_weight("learning rate") == word_weight("learning")  # a term: its rarest word


def test_example_in_parentheses_is_not_the_idea() -> None:
    """A parenthetical example counts least: "dataset" alone is not a pretrained model."""
    assert grade(IMAGENET, "dataset").label is not Label.CORRECT
    assert grade(IMAGENET, "ImageNet").label is not Label.CORRECT
    g = grade(IMAGENET, "a model whose weights were already trained on a big dataset")
    assert g.label is Label.CORRECT


def test_one_named_term_of_several_is_partial() -> None:
    """Naming softmax but not the negative log likelihood is half the idea."""
    assert grade(CE, "softmax").label is Label.PARTIAL
    assert grade(CE, "softmax followed by the negative log likelihood").label is Label.CORRECT


def test_wordnet_relates_synonyms_and_forms() -> None:
    """The shipped WordNet table: synonyms and derived forms, both directions."""
    assert stem("large") in related(stem("big"))
    assert stem("big") in related(stem("large"))
    assert stem("explosion") in related(stem("explode"))
    assert stem("decrease") in opposite(stem("increase"))


def test_wordnet_relates_pertainyms_also_see_and_verb_groups() -> None:
    """An adjective names its noun, "also see" and verb-group pairs count as the same idea."""
    assert stem("tooth") in related(stem("dental"))  # pertainym
    assert stem("dental") in related(stem("tooth"))
    assert stem("dead") in related(stem("extinct"))  # also see
    assert stem("transmit") in related(stem("convey"))  # verb group


def test_wordnet_leaves_out_broader_words() -> None:
    """A hypernym or an adjective's head is vaguer than the reference, so it does not match."""
    assert stem("periodic") not in related(stem("annual"))
    assert stem("move") not in related(stem("wind"))


def test_opposites_come_from_three_general_sources() -> None:
    """WordNet antonyms, the short general list, and negating prefixes."""
    assert stem("forget") in opposites(stem("remember"))  # WordNet
    assert stem("bigger") in opposites(stem("limits"))  # general list
    assert stem("inference") in opposites(stem("training"))
    assert stem("uncontrolled") in opposites(stem("controlled"))  # prefix


@pytest.mark.parametrize(
    ("c", "answer", "said"),
    [
        (CLIP, "making the gradients bigger so deep networks train faster",
         "You said the opposite: bigger instead of limits."),
        (SCHEDULER, "something that keeps the learning rate fixed for the whole of training",
         "You said the opposite: fixed instead of changes."),
        (APOPTOSIS, "uncontrolled cell death", "You said the opposite: uncontrolled instead of "
         "controlled."),
    ],
)
def test_an_opposite_is_wrong_and_named(c: CardSpec, answer: str, said: str) -> None:
    """An antonym of a reference word turns overlap into wrong, and says which words."""
    g = grade(c, answer)
    assert g.label is Label.WRONG
    assert g.explanation.startswith(said)


def test_negation_is_wrong() -> None:
    """ "not" before the reference's own word contradicts it."""
    g = grade(card("What do ribosomes do?", "Synthesise proteins from mRNA."),
              "they do not synthesise proteins")
    assert g.label is Label.WRONG


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        (ER, "smooth ER has ribosomes and makes proteins, rough ER makes lipids"),
        (CLIMATE, "Weather is the long-term average over decades, climate is a given day."),
    ],
)
def test_swapped_roles_are_wrong_and_named(c: CardSpec, answer: str) -> None:
    """The right facts tied to the other thing of a contrast are wrong."""
    g = grade(c, answer)
    assert g.label is Label.WRONG
    assert g.explanation.startswith("You swapped the roles: the reference says")


def test_mirrored_contrast_agrees() -> None:
    """Saying what the other side lacks ("smooth ER doesn't") is not a swap."""
    g = grade(ER, "rough ER has ribosomes and makes proteins, smooth ER has none and makes "
                  "lipids")
    assert g.label is Label.CORRECT


def test_a_wrong_date_is_named() -> None:
    """A year the reference does not give, where it gives another, is wrong."""
    g = grade(VERSAILLES, "the 1945 treaty that ended World War II")
    assert g.label is Label.WRONG
    assert g.explanation.startswith("Wrong date: you said 1945, the reference says 1919.")


@pytest.mark.parametrize(
    "answer", ["max(0, x)", "np.maximum(x, 0)", "x if x > 0 else 0", "0 if x < 0 else x"]
)
def test_formulas_that_say_the_same_match(answer: str) -> None:
    """`max(0, x)` and its code spellings are one formula."""
    assert rewrite(answer).strip() == "max_0_of_x"
    g = grade(RELU, answer)
    assert g.label is not Label.WRONG
    assert "max(0, x)" in g.matched


def test_formula_forms_read_back_as_written() -> None:
    """Explanations show formulas as a learner writes them."""
    assert readable(rewrite("x**2")).strip() == "x²"
    assert rewrite("y = z squared").split()[-1] == "square_of_z"


@pytest.mark.parametrize(
    ("informal", "formal"),
    [("train w/ more data", "with"), ("b/c it overfits", "because"),
     ("a multi-dim array", "multidimensional")],
)
def test_informal_forms_are_read_as_words(informal: str, formal: str) -> None:
    """ "w/", "b/c", "multi-dim" are read as the words they stand for."""
    assert formal in rewrite(informal)


def test_informal_words_match() -> None:
    """ "params" and "nums" count as "parameters" and "numbers"."""
    c = card("What is an embedding?", "A dense vector of learned numbers that represents an item.")
    assert grade(c, "dense vector of learned nums representing an item").label is Label.CORRECT


def test_matched_and_missed_are_reference_phrases_never_both() -> None:
    """The explanation lists the reference's words; a phrase is never matched and missed."""
    g = grade(card("What is an embedding?",
                   "Dense vector of learned numbers that represents a discrete item (a word, a "
                   "user, a category). In PyTorch: nn.Embedding"),
              "a learned dense vector that stands for a word or category")
    reference = "dense vector of learned numbers that represents a discrete item"
    assert g.matched and g.missed
    assert all(w.lower() in reference + " a word, a user, a category" for w in g.matched)
    assert not {w.lower() for w in g.matched} & {w.lower() for w in g.missed}


def test_grader_loads_no_torch() -> None:
    """Importing and using the grader leaves torch (and the demo stack) unloaded."""
    code = (
        "import sys\n"
        "from bot.grading import grade\n"
        "from bot.grading.jsonl import AdHocCard\n"
        "from bot.grading.deckcheck import check_card\n"
        "c = AdHocCard('What is ReLU?', 'The activation max(0, x).')\n"
        "grade(c, 'max(0, x)'); check_card(c)\n"
        "assert 'torch' not in sys.modules, 'torch imported'\n"
        "assert 'matplotlib' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


OSMOSIS = card(
    "What is osmosis?",
    "The diffusion of water across a selectively permeable membrane from a region of lower "
    "solute concentration to a region of higher solute concentration.",
)
STRATA = card(
    "What is the law of superposition?",
    "In undisturbed rock layers the oldest layers are at the bottom and the youngest at the top.",
)


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        (OSMOSIS, "water moves across a membrane from high solute concentration to low"),
        (STRATA, "the youngest layers are at the bottom and the oldest on top"),
    ],
)
def test_opposites_in_reversed_order_are_wrong(c: CardSpec, answer: str) -> None:
    """ "From high to low" where the reference goes from low to high is turned around."""
    g = grade(c, answer)
    assert g.label is Label.WRONG
    assert g.explanation.startswith("You turned it around:")


def test_turning_every_pair_around_mirrors_and_agrees() -> None:
    """ "Youngest on top, oldest at the bottom" says the same as the reference."""
    assert grade(STRATA, "the youngest layers are on top and the oldest at the bottom").label \
        is not Label.WRONG


DIVERGENT = card(
    "What is a divergent plate boundary?",
    "A boundary where two plates move apart and magma rises to form new crust, e.g. "
    "mid-ocean ridges (Mid-Atlantic Ridge) or continental rifts (East African Rift).",
)


def test_a_negated_statement_is_never_correct() -> None:
    """Negating part of the reference, even below the contradiction weight, is not correct."""
    g = grade(DIVERGENT, "where the two plates do not move apart and no new crust forms")
    assert g.label is not Label.CORRECT
    assert "not move" in g.explanation
    right = grade(DIVERGENT, "where two plates pull apart and magma rises to make new crust")
    assert right.label is Label.CORRECT


def test_non_prefix_negates_the_word() -> None:
    """ "non-rival" in the reference: the bare word is its opposite, the prefixed one agrees."""
    c = card("What is a public good?",
             "A good that is non-excludable and non-rival, such as national defence.")
    assert grade(c, "a good that is excludable and rival").label is Label.WRONG
    assert grade(c, "one that is non-excludable and non-rival").label is Label.CORRECT
    assert grade(c, "nobody can be excluded from it and it is not rival").label is not Label.WRONG


def test_comparative_and_superlative_agree() -> None:
    """ "older" for "oldest" is the same side, not the opposite of "youngest"."""
    c = card("What does the law of superposition say?",
             "In undisturbed layers of rock the oldest layers lie at the bottom and the youngest "
             "at the top.")
    assert grade(c, "undisturbed rock layers: the older ones lie at the bottom, the younger "
                    "ones on top").label is Label.CORRECT
    assert stem("largest") == stem("larger") and stem("honest") != stem("honer")


def test_several_ideas_are_not_one_named_term() -> None:
    """The one-term cap is for "softmax" alone, not for an answer that states two ideas."""
    c = card("Difference between a list and a tuple?",
             "Lists are mutable (can be changed after creation); tuples are immutable, so they "
             "can be used as dictionary keys.")
    g = grade(c, "a list can be changed after it is made, a tuple cannot, so only a tuple can "
                 "be a dict key")
    assert g.label is Label.CORRECT
    assert grade(c, "tuples").label is not Label.CORRECT


def test_two_ideas_stated_in_the_learners_words_are_not_one_term() -> None:
    """Geology and biology paraphrases that cover two ideas in part are not capped as one
    term; three bare keywords are not two ideas."""
    rock = card("What is the difference between weathering and erosion?",
                "Weathering breaks rock down in place (physically or chemically); erosion moves "
                "the broken material away (by water, wind, ice or gravity).")
    assert grade(rock, "weathering breaks, erosion moves").label is Label.CORRECT
    cells = card("How does meiosis differ from mitosis?",
                 "Mitosis: one division, 2 genetically identical diploid daughter cells "
                 "(growth, repair). Meiosis: two divisions, 4 genetically different haploid "
                 "cells (gametes), with crossing over.")
    g = grade(cells, "meiosis = 2 divisions, halves the chromosome number, variation via "
                     "crossing over; mitosis = 1 division, clones")
    assert g.label is Label.CORRECT
    # Graded as the bot grades it, with its deck: words common in the deck weigh less.
    deck = parse_any(HELDOUT / "python-programming.txt").cards
    env = next(c for c in deck if c.question == "What is a virtual environment?")
    assert grade(env, "pip, packages, venv", deck=deck).label is not Label.CORRECT


def test_a_word_the_reference_states_both_ways_is_no_contradiction() -> None:
    """ "prevents the disease" in the reference: "stop the disease" agrees with it."""
    c = card("What does the germ theory of disease state?",
             "Many diseases are caused by microorganisms such as bacteria and viruses; these "
             "pathogens spread from host to host; preventing their spread (hygiene, vaccination) "
             "prevents the disease.")
    g = grade(c, "lots of illnesses come from microbes like bacteria and viruses, which spread "
                 "between hosts, so hygiene and vaccines stop the disease")
    assert g.label is not Label.WRONG
    assert "opposite" not in g.explanation


def test_a_word_the_reference_says_is_no_opposite() -> None:
    """ "to the right" names one of the reference's own two sides, not the opposite of "left"."""
    c = card("What is the Coriolis effect?",
             "The apparent deflection of moving air and water caused by Earth's rotation: to the "
             "right in the Northern Hemisphere, to the left in the Southern Hemisphere.")
    g = grade(c, "because the earth rotates, moving air is deflected to the right in the northern "
                 "hemisphere")
    assert g.label is not Label.WRONG
    assert "opposite" not in g.explanation


def test_roles_swapped_across_and_are_wrong() -> None:
    """ "X does B and Y does A" swaps the roles as much as two sentences would."""
    c = card("What do mitochondria and chloroplasts do?",
             "Mitochondria release energy from glucose by respiration; chloroplasts capture "
             "light energy by photosynthesis.")
    swapped_answer = ("mitochondria capture light energy by photosynthesis and chloroplasts "
                      "release energy from glucose by respiration")
    assert grade(c, swapped_answer).label is Label.WRONG
    right = ("mitochondria release energy from glucose by respiration and chloroplasts capture "
             "light energy by photosynthesis")
    assert grade(c, right).label is Label.CORRECT


def test_names_turned_round_are_not_correct() -> None:
    """ "Harold defeated William" for "William defeated Harold": at most partial; the passive
    ("Harold was defeated by William") keeps the meaning."""
    c = card("What happened at the Battle of Hastings?",
             "In 1066 William of Normandy defeated King Harold and conquered England.")
    assert grade(c, "in 1066 Harold defeated William of Normandy and conquered England"
                 ).label is not Label.CORRECT
    assert grade(c, "in 1066 William of Normandy defeated Harold and conquered England"
                 ).label is Label.CORRECT
    assert grade(c, "in 1066 Harold was defeated by William of Normandy, who conquered England"
                 ).label is Label.CORRECT


def test_a_side_given_the_other_sides_polarity_is_swapped() -> None:
    """ "A does not X; B does X" answered "A does X and B does not": swapped, and named."""
    c = card("What is the difference between a constant and a variable in algebra?",
             "A constant does not change its value; a variable changes its value.")
    g = grade(c, "a constant changes its value and a variable does not change")
    assert g.label is Label.WRONG
    assert g.explanation.startswith("You swapped the roles")
    assert grade(c, "a constant keeps the same value, a variable changes its value"
                 ).label is not Label.WRONG


def test_relations_in_parentheses_do_not_turn_an_answer_round() -> None:
    """Only the reference's own statements, not its asides, say which way a relation runs."""
    c = card("How does the Adam optimizer work?",
             "Combines momentum (moving average of the gradients) with RMSProp (moving average of "
             "the squared gradients). Each parameter's step is its smoothed gradient divided by "
             "the square root of its smoothed squared gradient, so every parameter gets its own "
             "adaptive learning rate.")
    g = grade(c, "momentum + RMSprop: moving avg of grads divided by sqrt of moving avg of "
                 "squared grads, so per-parameter adaptive LR")
    assert g.label is not Label.WRONG


def test_keeps_going_keeps_its_direction() -> None:
    """ "keeps going down" says "decreases"; it is not the idea "repeat"."""
    c = card("What happens to a body's temperature after death?",
             "It keeps going down until it matches the temperature of the surroundings.")
    assert grade(c, "it keeps going up until it matches the surroundings").label is Label.WRONG
    assert grade(c, "it keeps going down until it matches the surroundings"
                 ).label is Label.CORRECT


def test_what_the_reference_rules_out_is_not_correct() -> None:
    """ "instead of returning them": an answer that says "return" is at most partial."""
    c = card("What is a generator?",
             "A function that uses yield to hand out values one at a time, lazily, instead of "
             "returning them all at once; it keeps its state between values.")
    assert grade(c, "a function that uses return to hand out values one at a time, lazily"
                 ).label is not Label.CORRECT
    assert grade(c, "a function that yields values one at a time, lazily, keeping its state"
                 ).label is Label.CORRECT


def test_a_direction_said_of_the_wrong_thing_is_wrong_and_named() -> None:
    """ "Demand rises" where the reference says demand falls is wrong, even though the
    reference says "rises" of something else; the reason names both words."""
    giffen = card(
        "What happens to a normal good when income falls?",
        "Its demand falls when consumer income falls, and rises when income rises.",
    )
    inferior = card(
        "What is an inferior good?", "A good whose demand falls when consumer income rises."
    )
    g = grade(inferior, "a good whose demand rises when income rises")
    assert g.label is Label.WRONG
    assert "rises instead of falls" in g.explanation
    assert grade(inferior, "its demand drops as people earn more").label is not Label.WRONG
    assert grade(giffen, "demand falls as income falls and rises as it rises").label is (
        Label.CORRECT
    )
    air = card("How does air pressure change with height?", "Air pressure falls as altitude rises.")
    assert grade(air, "air pressure rises with altitude").label is Label.WRONG
    assert grade(air, "the higher you go, the lower the air pressure").label is not Label.WRONG


def test_an_equation_written_backwards_is_wrong() -> None:
    """A reaction (or any arrow) with its sides swapped says the reverse process."""
    photo = card(
        "Overall equation of photosynthesis?", "6CO2 + 6H2O + light energy → C6H12O6 + 6O2"
    )
    g = grade(photo, "C6H12O6 + 6O2 -> 6CO2 + 6H2O + energy")
    assert g.label is Label.WRONG
    assert "turned it around" in g.explanation
    assert grade(photo, "6CO2 + 6H2O + light -> C6H12O6 + 6O2").label is Label.CORRECT


def test_the_passive_turns_the_names_round() -> None:
    """ "The Bolsheviks were overthrown by the government" reverses "the Bolsheviks
    overthrew the government"; the passive of the reference's own order agrees."""
    revolution = card(
        "What happened in the October Revolution?",
        "The Bolsheviks, led by Lenin, overthrew the Provisional Government in Petrograd.",
    )
    assert grade(revolution, "the Bolsheviks were overthrown by the Provisional "
                 "Government").label is not Label.CORRECT
    assert grade(revolution, "the Provisional Government was overthrown by the "
                 "Bolsheviks under Lenin").label is Label.CORRECT


def test_lost_is_the_opposite_of_gained() -> None:
    """ "Lost their independence" for "gained independence" is the opposite claim."""
    decolonisation = card(
        "What is decolonisation?",
        "The process by which colonies gained independence from European empires.",
    )
    g = grade(decolonisation, "when colonies lost their independence to European empires")
    assert g.label is Label.WRONG
    assert "lost" in g.explanation


def test_a_line_of_code_in_another_shape_is_not_correct() -> None:
    """The reference's names in a loop, or `if` where it says `for`, are at most partial;
    the same shape with other names is correct, and a prose reference is never judged so."""
    squares = card("List comprehension of the squares of 0 to 9?", "[x**2 for x in range(10)]")
    assert grade(squares, "[x**2 if x in range(10)]").label is not Label.CORRECT
    assert grade(squares, "for x in range(10): print(x**2)").label is not Label.CORRECT
    assert grade(squares, "[ x ** 2 for x in range( 10 ) ]").label is Label.CORRECT
    evens = card("Keep the even numbers of xs?", "[x for x in xs if x % 2 == 0]")
    assert grade(evens, "[x for x in xs if x % 2 == 0]").label is Label.CORRECT
    assert grade(evens, "[x if x % 2 == 0 for x in xs]").label is not Label.CORRECT
    lam = card("What is a lambda?", "An anonymous, single-expression function, e.g. `lambda x: x`.")
    g = grade(lam, "an anonymous function written inline with a single expression")
    assert g.label is Label.CORRECT and "shape" not in g.explanation


def test_a_symmetric_relation_has_no_order_to_turn_round() -> None:
    """ "supply = demand" says "demand equals supply"; "from supply to demand" still has an
    order."""
    equilibrium = card(
        "What is market equilibrium?",
        "The price at which quantity demanded equals quantity supplied.",
    )
    assert grade(equilibrium, "the price where supply = demand").label is not Label.WRONG
    assert grade(equilibrium, "the price where quantity supplied equals quantity "
                 "demanded").label is Label.CORRECT


@pytest.mark.parametrize(
    ("c", "answer", "label"),
    [
        (card("What is the function of the mitochondria?",
              "Site of aerobic cellular respiration: they produce most of the cell's ATP. "
              "Also called the powerhouse of the cell."), "powerhouse of the cell", Label.CORRECT),
        (card("What is market equilibrium?",
              "The price and quantity at which quantity demanded equals quantity supplied. "
              "Also known as the market-clearing price."), "the market clearing price",
         Label.CORRECT),
        (card("What is one-cycle?",
              "A learning rate schedule that first increases the LR to a maximum, then "
              "decreases it to a very low value. Also called one-cycle training."),
         "one cycle training", Label.CORRECT),
        # Part of the alias, or the alias negated, is not correct (None: anything else).
        (card("What is the function of the mitochondria?",
              "Site of aerobic cellular respiration: they produce most of the cell's ATP. "
              "Also called the powerhouse of the cell."), "powerhouse", None),
        (card("What is the function of the mitochondria?",
              "Site of aerobic cellular respiration: they produce most of the cell's ATP. "
              "Also called the powerhouse of the cell."), "it is not the powerhouse of the cell",
         None),
    ],
)
def test_an_alias_the_reference_lists_is_correct(
    c: CardSpec, answer: str, label: Label | None
) -> None:
    got = grade(c, answer).label
    assert got is label if label is not None else got is not Label.CORRECT


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        (card("What do ribosomes do?",
              "Synthesise proteins by translating mRNA into a chain of amino acids."),
         "they synthesise proteins"),
        (card("What is data augmentation?",
              "Enlarging a training set by applying random transformations to its examples."),
         "enlarging the training set"),
        (card("What is collective bargaining?",
              "Negotiation of wages and conditions between employers and a union by meeting "
              "regularly."), "negotiation of wages and conditions between employers and a union"),
    ],
)
def test_the_means_after_by_is_a_detail_of_the_core(c: CardSpec, answer: str) -> None:
    """"by <doing>" says how the core is done: the core alone is correct."""
    assert grade(c, answer).label is Label.CORRECT
    assert grade(c, "by " + c.answer.split(" by ", 1)[1]).label is not Label.CORRECT


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        (card("What is a rift valley?",
              "A lowland formed where the crust is pulled apart, where a block sinks between "
              "two parallel faults."),
         "a lowland formed where the crust is pulled apart"),
        (card("What is the structure of the cell membrane?",
              "A phospholipid bilayer, with embedded proteins, cholesterol and carbohydrates."),
         "a phospholipid bilayer"),
        (card("What is an armistice?",
              "An agreement between warring sides to stop fighting, with troops staying in "
              "place until a peace treaty."),
         "an agreement between warring sides to stop fighting"),
    ],
)
def test_a_where_or_with_clause_is_a_detail(c: CardSpec, answer: str) -> None:
    """", where …" and ", with …" qualify the statement before them: it alone is correct."""
    assert grade(c, answer).label is Label.CORRECT
    detail = c.answer.split(", ", 1)[1]
    assert grade(c, detail).label is not Label.CORRECT


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        (card("What is a price ceiling?",
              "A legal maximum price set below the equilibrium price. It causes a shortage."),
         "a legal maximum price set below the equilibrium price that causes a surplus"),
        (card("What was the civil rights movement?",
              "A movement of the 1950s-60s to end racial segregation and discrimination."),
         "a movement of the 1950s-60s to introduce racial segregation and discrimination"),
        (card("What is the GIL?",
              "A mutex that allows only one thread to execute Python bytecode at a time."),
         "a mutex that allows multiple threads to execute Python bytecode at a time"),
    ],
)
def test_general_opposites_of_amount_and_of_starting(c: CardSpec, answer: str) -> None:
    """shortage/surplus, one/multiple, introduce/end: the reference's words, the other way."""
    g = grade(c, answer)
    assert g.label is not Label.CORRECT
    assert grade(c, c.answer).label is Label.CORRECT


@pytest.mark.parametrize(
    ("c", "answer", "correct_answer"),
    [
        (card("What is diminishing marginal utility?",
              "Each additional unit of a good consumed gives less extra satisfaction than the "
              "previous one."),
         "each additional unit gives more satisfaction than the previous one",
         "each extra unit consumed gives less extra satisfaction than the one before"),
        (card("What does a low albedo do?",
              "A dark surface reflects less sunlight and absorbs it instead."),
         "a dark surface reflects more sunlight",
         "a dark surface reflects less sunlight and absorbs it"),
    ],
)
def test_more_for_less_is_an_opposite(c: CardSpec, answer: str, correct_answer: str) -> None:
    """ "more" is a function word, yet it says the opposite of a reference's "less"."""
    g = grade(c, answer)
    assert g.label is not Label.CORRECT
    assert "more" in g.explanation
    assert grade(c, correct_answer).label is Label.CORRECT


def test_more_as_a_count_or_beside_a_named_increase_is_no_opposite() -> None:
    osmosis = card("What is osmosis?", "Diffusion of water across a membrane from lower to "
                   "higher solute concentration.")
    softmax = card("What is softmax?", "A softer maximum: small differences are amplified. The "
                   "multi-category equivalent of the sigmoid.")
    assert "opposite" not in grade(osmosis, "water diffusing across a membrane to the more "
                                   "concentrated side").explanation
    assert "opposite" not in grade(softmax, "the sigmoid for more than two categories").explanation


TRANSFORM = card(
    "What is a transform boundary?",
    "Plates slide past each other horizontally; crust is neither created nor destroyed. "
    "Causes shallow earthquakes, e.g. the San Andreas Fault.",
)
CATALYST = card(
    "What does a catalyst do?",
    "Speeds up a reaction; the catalyst is neither used up nor changed by it.",
)
PURE = card(
    "What is a pure function?",
    "A function whose output depends only on its inputs; it neither reads nor modifies global "
    "state.",
)


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        (TRANSFORM, "plates grinding sideways past each other, no crust made or destroyed"),
        (CATALYST, "speeds up a reaction, no catalyst consumed or changed"),
        (PURE, "output depends only on inputs, no global state modified"),
    ],
)
def test_a_negation_the_reference_shares_is_no_contradiction(c: CardSpec, answer: str) -> None:
    """The answer negates, in one clause, what the reference negates: it agrees."""
    assert "opposite" not in grade(c, answer).explanation


def test_negating_what_the_reference_asserts_is_still_a_contradiction() -> None:
    assert grade(TRANSFORM, "plates slide past each other and crust is created").label is not (
        Label.CORRECT
    )
    assert "opposite" in grade(CATALYST, "speeds up a reaction, and the catalyst is changed"
                               ).explanation
    assert "opposite" in grade(PURE, "output depends on inputs and it modifies global state"
                               ).explanation


def test_a_term_moved_across_the_arrow_is_wrong() -> None:
    """An input and an output exchanged across a reaction's arrow, the rest in place, says
    another process, in any field that writes arrows."""
    photo = card(
        "Overall equation of photosynthesis?", "6CO2 + 6H2O + light energy → C6H12O6 + 6O2"
    )
    g = grade(photo, "6O2 + 6H2O -> C6H12O6 + 6CO2")
    assert g.label is Label.WRONG
    assert "wrong sides of the arrow" in g.explanation
    ester = card(
        "What is the equation of esterification?", "carboxylic acid + alcohol → ester + water"
    )
    assert grade(ester, "carboxylic acid + water -> ester + alcohol").label is Label.WRONG
    assert grade(ester, "acid + alcohol -> ester + water").label is Label.CORRECT
    fusion = card("What does fusion in the Sun turn into what?", "hydrogen → helium + energy")
    assert grade(fusion, "helium -> hydrogen + energy").label is Label.WRONG
    assert grade(fusion, "hydrogen -> helium + energy").label is Label.CORRECT


def test_facts_tied_across_the_references_clauses_are_not_correct() -> None:
    """Two parallel facts with their words crossed over ("tails facing outwards, heads
    inwards") reuse every word of the reference but say the opposite of both."""
    membrane = card(
        "What is the structure of the cell membrane?",
        "A phospholipid bilayer (hydrophilic heads facing outwards, hydrophobic tails facing "
        "inwards) with embedded proteins.",
    )
    g = grade(membrane, "a phospholipid bilayer with the hydrophobic tails facing outwards "
              "and the hydrophilic heads facing inwards")
    assert g.label is not Label.CORRECT
    assert "hydrophobic" in g.explanation and "outwards" in g.explanation
    assert grade(membrane, "phospholipid bilayer, hydrophilic heads facing outwards and "
                 "hydrophobic tails facing inwards, with proteins").label is Label.CORRECT
    rocks = card(
        "How do weathering and erosion differ?",
        "Weathering breaks rock down in place; erosion moves the broken material away.",
    )
    assert grade(rocks, "Erosion breaks rock down in place, weathering moves the broken "
                 "material away.").label is not Label.CORRECT
    policy = card(
        "Who runs each kind of economic policy?",
        "Fiscal policy is set by the government through taxes and spending, monetary policy by "
        "the central bank through interest rates.",
    )
    assert grade(policy, "fiscal policy is set by the central bank through interest rates and "
                 "monetary policy by the government through taxes").label is not Label.CORRECT
    assert grade(policy, "fiscal policy is set by the government through taxes and spending "
                 "and monetary policy by the central bank through interest "
                 "rates").label is Label.CORRECT


def test_an_equality_turned_into_an_inequality_is_wrong() -> None:
    """The same two sides related by "greater than" or ">" where the reference says they are
    equal names another state (a shortage, a loss-making output, a net reaction)."""
    market = card(
        "What is market equilibrium?",
        "The price at which quantity demanded equals quantity supplied.",
    )
    g = grade(market, "when quantity demanded is greater than quantity supplied")
    assert g.label is Label.WRONG
    assert "equal" in g.explanation
    assert grade(market, "the price where quantity demanded = quantity "
                 "supplied").label is Label.CORRECT
    profit = card("Where does a firm maximise profit?", "Where marginal revenue equals marginal "
                  "cost (MR = MC).")
    assert grade(profit, "where MR > MC").label is Label.WRONG
    chem = card(
        "What is dynamic equilibrium in a reversible reaction?",
        "The state in which the rate of the forward reaction equals the rate of the reverse "
        "reaction, so concentrations stay constant.",
    )
    assert grade(chem, "the rate of the forward reaction is faster than the rate of the "
                 "reverse reaction").label is Label.WRONG
    assert grade(chem, "forward and reverse reactions go at equal rates so concentrations "
                 "stay constant").label is not Label.WRONG
    newton = card("What does Newton's third law say?",
                  "Every action force has an equal and opposite reaction force.")
    assert grade(newton, "the reaction force is greater than the action "
                 "force").label is Label.WRONG
    assert grade(newton, "for every action there is an equal and opposite "
                 "reaction").label is not Label.WRONG


def test_a_difference_taken_the_wrong_way_round_is_wrong() -> None:
    """ "B minus A" for a reference's "difference between A and B" (or "A minus B") keeps
    every word and flips the sign; "difference between" in an answer has no order."""
    surplus = card(
        "What is consumer surplus?",
        "The difference between what consumers are willing to pay for a good and what they "
        "actually pay.",
    )
    g = grade(surplus, "what consumers actually pay minus what they are willing to pay")
    assert g.label is Label.WRONG
    assert "other way round" in g.explanation
    assert grade(surplus, "what consumers are willing to pay minus what they actually "
                 "pay").label is Label.CORRECT
    profit = card("What is profit?", "Profit is total revenue minus total cost.")
    assert grade(profit, "total cost minus total revenue").label is Label.WRONG
    assert grade(profit, "total revenue - total cost").label is Label.CORRECT
    migration = card("What is net migration?", "Net migration is immigration minus emigration.")
    assert grade(migration, "emigration minus immigration").label is Label.WRONG
    assert grade(migration, "the difference between emigration and "
                 "immigration").label is not Label.WRONG


def test_a_query_without_a_clause_of_the_reference_query_is_not_correct() -> None:
    """An answer query with the reference query's names but without one of its keywords
    (`GROUP BY`, `IS`, `WHERE`, `COUNT`) is at most partial and says what it lacks; the same
    query, in other case or with an extra clause, and prose answers are graded as before."""
    per_country = card("Count the customers in each country.",
                       "SELECT country, COUNT(*) FROM customers GROUP BY country;")
    g = grade(per_country, "SELECT country, COUNT(*) FROM customers")
    assert g.label is Label.PARTIAL
    assert "GROUP BY" in g.explanation
    assert grade(per_country, "SELECT country, SUM(country) FROM customers GROUP BY "
                 "country").label is not Label.CORRECT
    assert grade(per_country, "select country, count(*) from customers group by country "
                 "order by country").label is Label.CORRECT
    unshipped = card("How do you find the orders that have not shipped?",
                     "Use IS NULL, not = NULL.\nSELECT * FROM orders WHERE shipped_at IS NULL;")
    assert grade(unshipped, "SELECT * FROM orders WHERE shipped_at = NULL;"
                 ).label is not Label.CORRECT
    assert grade(unshipped, "SELECT * FROM orders WHERE shipped_at IS NULL"
                 ).label is Label.CORRECT
    late = card("Which books are overdue?",
                "SELECT title FROM loans WHERE due_date < CURRENT_DATE;")
    assert grade(late, "SELECT title FROM loans").label is not Label.CORRECT
    assert "WHERE" in grade(late, "SELECT title FROM loans").explanation
    view = card("What is a view?", "A saved query used like a table.\n"
                "CREATE VIEW active_users AS SELECT * FROM users WHERE active;")
    assert "query lacks" not in grade(view, "a saved query you can select from like a "
                                      "table").explanation


def test_same_and_different_swapped_is_wrong() -> None:
    """An answer that calls the same what the reference calls different (or the reverse)
    contradicts it, though "same" is a stop word; "not the same" reads as "different"."""
    isotopes = card("What are isotopes?", "Atoms of the same element with the same number of "
                    "protons but a different number of neutrons.")
    g = grade(isotopes, "atoms with a different number of protons but the same number of "
              "neutrons")
    assert g.label is Label.WRONG
    assert "opposite" in g.explanation
    assert grade(isotopes, "atoms of one element with the same number of protons and a "
                 "different number of neutrons").label is Label.CORRECT
    assert swapped_sameness(isotopes.answer, "not the same number of protons") is not None
    isomers = card("What are structural isomers?", "Compounds with the same molecular formula "
                   "but a different arrangement of atoms.")
    assert grade(isomers, "compounds with a different molecular formula but the same "
                 "arrangement of atoms").label is Label.WRONG
    substitutes = card("What are perfect substitutes?", "Goods that consumers see as the same, "
                       "so they buy whichever has the lower price.")
    assert grade(substitutes, "goods consumers see as the same and buy at the lower price"
                 ).label is Label.CORRECT


def test_a_negated_light_verb_negates_its_object() -> None:
    """ "does not contain carbon": the negation falls past a verb that says little by itself
    (contain, include, have, need, require, involve) onto its object."""
    hydrocarbon = card("What is a hydrocarbon?", "A compound made only of carbon and hydrogen "
                       "atoms.")
    assert grade(hydrocarbon, "a compound that does not contain carbon").label is not (
        Label.CORRECT)
    assert grade(hydrocarbon, "a compound that contains only carbon and hydrogen atoms"
                 ).label is Label.CORRECT
    autotroph = card("What is an autotroph?", "An organism that makes its own food from "
                     "light or chemical energy.")
    assert grade(autotroph, "an organism that does not need light or chemical energy to "
                 "make its own food").label is not Label.CORRECT
    walk = card("What is a random walk?", "A sequence of positions where each step is "
                "random.")
    assert grade(walk, "a sequence of positions that does not involve random steps"
                 ).label is not Label.CORRECT


UNION = card(
    "What is the difference between UNION and UNION ALL?",
    "UNION combines the results of two queries and removes duplicate rows; UNION ALL keeps all "
    "rows including duplicates (and is faster).",
)
COPY = card(
    "What is the difference between a shallow copy and a deep copy?",
    "A shallow copy creates a new outer object but shares the nested objects; a deep copy "
    "recursively copies the nested objects too.",
)
POLYMERASE = card(
    "What is the difference between DNA polymerase and RNA polymerase?",
    "DNA polymerase copies DNA during replication and needs a primer; RNA polymerase "
    "transcribes genes into messenger RNA without any primer.",
)
MARGINAL = card(
    "What is the difference between marginal cost and average cost?",
    "Marginal cost is the cost of producing one more unit; average cost is total cost divided "
    "by the number of units produced.",
)
COSTS = card(
    "What is the difference between fixed and variable costs?",
    "Fixed costs do not change with the level of output (e.g. rent); variable costs change "
    "with output (e.g. raw materials).",
)


@pytest.mark.parametrize(
    ("c", "answer", "said"),
    [
        (UNION, "UNION keeps duplicates and UNION ALL removes them", "“keeps” of UNION ALL"),
        (COPY, "a deep copy shares the nested objects and a shallow copy copies them "
               "recursively", "“shares”"),
        (MARGINAL, "average cost is the cost of one more unit, marginal cost is total cost "
                   "divided by the number of units", "“total”"),
        (POLYMERASE, "RNA polymerase copies DNA during replication and needs a primer, DNA "
                     "polymerase transcribes genes into mRNA", "of DNA POLYMERASE"),
    ],
)
def test_names_sharing_words_swapped_are_wrong_and_named(
    c: CardSpec, answer: str, said: str
) -> None:
    """Two contrasted names read whole ("UNION ALL" is not "UNION"), each given the other's
    facts, are wrong, and the explanation names the fact and both names."""
    g = grade(c, answer)
    assert g.label is Label.WRONG
    assert g.explanation.startswith("You swapped the roles: the reference says")
    assert said in g.explanation


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        (UNION, "UNION removes duplicate rows, UNION ALL keeps all rows and is faster"),
        (UNION, "UNION ALL keeps duplicates, plain UNION doesn't"),
        (COPY, "a deep copy recursively copies nested objects, a shallow one shares them"),
        (COSTS, "rent is fixed and raw materials are variable"),
    ],
)
def test_names_in_their_own_places_are_not_swapped(c: CardSpec, answer: str) -> None:
    """Facts said of their own name, the other side denied, or a name that does not open
    its clause ("rent is fixed") are no swap."""
    g = grade(c, answer)
    assert "swapped" not in g.explanation


@pytest.mark.parametrize(
    ("c", "answer", "fact", "owner"),
    [
        (UNION, "UNION keeps duplicates and UNION ALL removes them", "keeps", "UNION ALL"),
        (MARGINAL, "average cost is the cost of one more unit, marginal cost is total cost "
                   "divided by the number of units", "more", "MARGINAL COST"),
        (POLYMERASE, "RNA polymerase copies DNA and needs a primer", "copies", "DNA POLYMERASE"),
    ],
)
def test_swapped_names_reads_each_name_whole(
    c: CardSpec, answer: str, fact: str, owner: str
) -> None:
    """The name check itself finds the swapped fact and the name the reference says it of."""
    found = swapped_names(named_facts(c.question, c.answer), answer)
    assert found is not None
    assert (found.fact, found.owner) == (fact, owner)


ALKANES = card(
    "How do alkanes, alkenes and alkynes differ?",
    "By their carbon-carbon bonds: alkanes have only single bonds, alkenes at least one C=C "
    "double bond, alkynes at least one triple bond.",
)
IDENTITY = card(
    "What is the difference between `==` and `is`?",
    "`==` compares values (equality); `is` compares identity (whether both names refer to the "
    "same object in memory).",
)
MEIOSIS = card(
    "How does meiosis differ from mitosis?",
    "Meiosis makes four genetically different haploid cells; mitosis makes two identical "
    "diploid cells.",
)
DELETE = card(
    "What is the difference between DELETE, TRUNCATE and DROP?",
    "DELETE removes selected rows (can use WHERE, can be rolled back); TRUNCATE quickly removes "
    "all rows but keeps the table; DROP removes the whole table including its structure.",
)


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        (ALKANES, "alkanes have double bonds, alkenes single bonds and alkynes triple bonds"),
        (IDENTITY, "`is` compares values and `==` checks whether they are the same object"),
        (MEIOSIS, "mitosis makes four haploid cells and meiosis makes two identical diploid "
                  "cells"),
    ],
)
def test_names_of_lists_operators_and_differ_from_are_read(c: CardSpec, answer: str) -> None:
    """Names read from "How do X, Y and Z differ?", "X differ from Y" and code operators
    (`==`, `is`) catch a swap too."""
    assert swapped_names(named_facts(c.question, c.answer), answer) is not None


def test_a_terse_note_running_on_after_a_comma_is_no_swap() -> None:
    """In an answer a name owns only its own clause: "structure stays" after a comma is not
    said of TRUNCATE."""
    answer = ("delete = some/all rows, logged; truncate = all rows fast, structure stays; "
              "drop = table gone incl. schema")
    assert swapped_names(named_facts(DELETE.question, DELETE.answer), answer) is None



def test_facts_tied_across_by_with_are_not_correct() -> None:
    """"with" starts a part of the answer as a comma does: the two facts on either side of it
    tied the other way round are crossed, the same words in place are right."""
    join = card("What does a left outer join return?", "All rows of the left table, with NULLs "
                "in the right table's columns where there is no match.")
    assert grade(join, "all rows of the right table with NULLs in the left table's "
                 "columns").label is Label.PARTIAL
    assert grade(join, "all rows of the left table with NULLs in the right table's "
                 "columns").label is Label.CORRECT
    blood = card("How is blood carried in the pulmonary circuit?", "The pulmonary artery "
                 "carries deoxygenated blood to the lungs; the pulmonary vein returns "
                 "oxygenated blood to the heart.")
    assert grade(blood, "the pulmonary artery carries oxygenated blood to the lungs with the "
                 "vein returning deoxygenated blood").label is Label.PARTIAL
    assert grade(blood, "the pulmonary artery carries deoxygenated blood to the lungs with "
                 "the vein returning oxygenated blood").label is Label.CORRECT


TITRATION = card("What do you do at the end point of a titration?",
                 "Stop adding acid from the burette and record the volume used.")
ALL_OR_NONE = card("What is the all-or-none law?", "A neuron fires a full action potential or "
                   "none at all; a stronger stimulus does not make a bigger one.")
INHIBITOR = card("What does an enzyme inhibitor do?",
                 "It stops the enzyme binding its substrate, so the reaction slows.")
EARLY_STOP = card("What is early stopping?", "Stop training when the validation loss stops "
                  "improving and keep the best checkpoint.")


@pytest.mark.parametrize(
    ("c", "answer"),
    [
        # A flipping verb with no object ("stop and ...") denies nothing.
        (TITRATION, "you stop and record the volume of acid used"),
        # "all or none" names a whole; it denies nothing.
        (ALL_OR_NONE, "all-or-none firing of a full action potential, never a bigger one"),
        # "halts" and "ceases" deny as "stops" does, so they agree with it.
        (INHIBITOR, "it halts the enzyme binding the substrate so the reaction slows"),
        (INHIBITOR, "it ceases enzyme binding so the reaction is slower"),
        # "no longer improves" denies "improves", as "stops improving" does.
        (EARLY_STOP, "halt training once validation loss no longer improves and keep the best "
         "checkpoint"),
    ],
)
def test_idioms_of_negation_are_read_as_a_teacher_reads_them(c: CardSpec, answer: str) -> None:
    assert grade(c, answer).label is Label.CORRECT


def test_idioms_of_negation_still_deny_what_they_govern() -> None:
    stopped = grade(TITRATION, "you stop recording the volume")
    assert stopped.label is not Label.CORRECT
    assert "opposite" in stopped.explanation
    assert "opposite" in grade(CATALYST, "it no longer speeds up a reaction").explanation


SCURVY = card("How is scurvy prevented?",
              "Scurvy comes from a lack of vitamin C; prevent it with fresh fruit and vegetables.")
ANTAGONIST = card("What does a receptor antagonist do?",
                  "It binds the receptor and prevents the natural ligand from activating it.")
MAGINOT = card("What did the Maginot Line aim to do?", "Defend France's border with Germany with "
               "fixed fortifications rather than trying to attack first.")
TARIFF = card("What does a tariff do?", "A tax on imports that protects domestic producers by "
              "stopping foreign goods from undercutting their prices.")


@pytest.mark.parametrize(
    ("c", "right", "wrong"),
    [
        # "prevent it with X": the pronoun is what is prevented, not X.
        (SCURVY, "it comes from too little vitamin C, so eat fresh fruit and vegetables",
         "it comes from too much vitamin C, so avoid fresh fruit and vegetables"),
        # "prevent X from Y-ing" and "keep X from Y-ing" deny the Y-ing, not X.
        (ANTAGONIST, "it sits on the receptor and keeps the natural ligand from activating it",
         "it binds the receptor and helps the natural ligand activate it"),
        (TARIFF, "a tax on imports that keeps foreign goods from undercutting domestic producers",
         "a tax on imports that helps foreign goods undercut domestic producers"),
        # "prevent with X": X is the means, not what is prevented.
        (card("How do you prevent scurvy?", "Eat fresh fruit and vegetables, which contain "
              "vitamin C."), "prevent with fresh fruit and vegetables, for their vitamin C",
         "avoid fresh fruit and vegetables, they contain vitamin C"),
        # "rather than trying to attack": the denial passes "trying" to what is tried.
        (MAGINOT, "defend the border with Germany with fixed fortifications, not attack first",
         "attack Germany first rather than defend the border"),
    ],
)
def test_what_a_preventing_verb_denies_is_its_object_or_gerund(
    c: CardSpec, right: str, wrong: str
) -> None:
    assert grade(c, right).label is Label.CORRECT
    assert grade(c, wrong).label is not Label.CORRECT


def test_a_terse_claim_in_the_learners_own_words_is_no_keyword_bag() -> None:
    """A bag copies the reference's words; a terse statement that rephrases one of them
    ("deflects" for "deflection", "carrier" for "currency") is a claim and is graded as one."""
    coriolis = card("What is the Coriolis effect?", "The apparent deflection of moving air and "
                    "water caused by Earth's rotation: to the right in the Northern Hemisphere.")
    assert grade(coriolis, "earth's rotation deflects moving air").label is Label.CORRECT
    assert grade(coriolis, "rotation earth moving air deflection").label is Label.WRONG
    atp = card("What is ATP?", "Adenosine triphosphate, the main energy currency of the cell: "
               "energy is released when its last phosphate group is removed.")
    assert grade(atp, "energy carrier molecule, adenosine triphosphate").label is Label.CORRECT
    assert grade(atp, "phosphate energy cell currency adenosine").label is Label.WRONG


def test_one_side_of_a_comparison_is_partial() -> None:
    """"How do A and B differ?" answered for A alone is part of the answer, however right;
    both sides, in few words, are the answer."""
    costs = card("What is the difference between fixed and variable costs?",
                 "Fixed costs do not change with the level of output (e.g. rent); variable "
                 "costs change with output (e.g. raw materials).")
    one = grade(costs, "variable costs change with output")
    assert one.label is Label.PARTIAL
    assert "one side" in one.explanation
    assert grade(costs, "fixed costs stay the same whatever the output, variable costs change "
                 "with output").label is Label.CORRECT
    cells = card("How do prokaryotic and eukaryotic cells differ?",
                 "Eukaryotic cells have a nucleus and membrane-bound organelles; prokaryotic "
                 "cells have neither.")
    assert grade(cells, "eukaryotic cells have a nucleus and membrane-bound "
                 "organelles").label is Label.PARTIAL
    assert grade(cells, "eukaryotic cells have a nucleus and membrane-bound organelles, "
                 "prokaryotic cells don't").label is Label.CORRECT


def test_facts_in_parentheses_belong_to_what_they_follow() -> None:
    """"Arteries (carry blood away from the heart), veins (return it)": each parenthesis is
    a fact of the name before it, so the descriptions swapped between names are crossed."""
    vessels = card("What do the three kinds of blood vessel do?", "Arteries (carry blood away "
                   "from the heart under high pressure), veins (return blood to the heart at low "
                   "pressure), capillaries (exchange substances with tissues).")
    crossed = grade(vessels, "arteries return blood to the heart at low pressure, veins carry "
                    "blood away from the heart under high pressure")
    assert crossed.label is Label.PARTIAL
    assert "arteries" in crossed.explanation
    assert grade(vessels, "arteries carry blood away from the heart under high pressure, veins "
                 "return blood to the heart at low pressure, capillaries exchange substances "
                 "with tissues").label is Label.CORRECT


def test_a_name_the_reference_gives_loosely_is_a_term_without_its_explanation() -> None:
    """"often called the constructor" is what people call it, not what it is: the name alone
    is partial, the name with the idea correct, and another name earns nothing."""
    init = card("What is `__init__`?", "The initialiser method of a class (often called the "
                "constructor), called automatically when a new object is created, to set its "
                "attributes.")
    assert grade(init, "the constructor").label is Label.PARTIAL
    assert grade(init, "the constructor: it runs when an object is created and sets its "
                 "attributes").label is Label.CORRECT
    assert grade(init, "the destructor").label is Label.WRONG
    dollar = card("What is the US dollar's role in trade?", "The main currency of international "
                  "trade and reserves (sometimes called the world's reserve currency).")
    assert grade(dollar, "the world's reserve currency").label is not Label.WRONG


def test_keep_without_from_continues_rather_than_prevents() -> None:
    """"keep prices from rising" prevents the rising; "keep the engine turning" continues it."""
    flywheel = card("What does a flywheel do?", "It stores energy so the engine goes on turning "
                    "smoothly between power strokes.")
    assert grade(flywheel, "stores energy and keeps the engine turning smoothly between power "
                 "strokes").label is Label.CORRECT


@pytest.mark.parametrize(
    ("c", "right", "turned"),
    [
        (card("How do you test for an alkene?", "Shake it with bromine water: an alkene "
              "decolourises it (orange-brown to colourless); an alkane does not."),
         "bromine water goes from orange to colourless with an alkene",
         "bromine water goes from colourless to orange with an alkene"),
        (card("What is melting?", "The change of a substance from solid to liquid when it is "
              "heated to its melting point."),
         "going from solid to liquid when heated to the melting point",
         "going from liquid to solid when heated to the melting point"),
        (card("What is transcription?", "Copying a gene's DNA into messenger RNA in the "
              "nucleus, by RNA polymerase."),
         "copying a gene from DNA into mRNA in the nucleus",
         "copying a gene from RNA into DNA in the nucleus"),
    ],
)
def test_a_change_of_state_turned_around_is_wrong(c: CardSpec, right: str, turned: str) -> None:
    assert grade(c, right).label is Label.CORRECT
    g = grade(c, turned)
    assert g.label is Label.WRONG
    assert "turned it around" in g.explanation


@pytest.mark.parametrize(
    ("c", "right", "added"),
    [
        (card("What is a hydrocarbon?", "A compound made only of carbon and hydrogen atoms."),
         "a compound of C and H only", "a compound made of carbon, hydrogen and oxygen"),
        (card("Which colours does a colour-blind cat see?", "Cats see only blue and green; "
              "red looks grey to them."),
         "blue and green only, red looks grey", "blue, green and red"),
        (card("Which noble gases are in the first three periods?", "Only helium, neon and "
              "argon."), "helium, neon and argon", "helium, neon, argon and krypton"),
    ],
)
def test_an_item_added_to_a_list_the_reference_closes_with_only_is_wrong(
    c: CardSpec, right: str, added: str
) -> None:
    assert grade(c, right).label is not Label.WRONG
    g = grade(c, added)
    assert g.label is Label.WRONG
    assert "only" in g.explanation


def test_names_either_side_of_a_nominal_passive_keep_no_order() -> None:
    """"the killing of Chinese civilians by Japanese troops" names the agent second: "the
    Japanese army's killing of Chinese civilians" says the same; "Poland invaded Germany"
    still does not where the reference says it actively."""
    nanjing = card("What was the Nanjing Massacre?", "The mass killing of Chinese civilians "
                   "and prisoners of war by Japanese troops in 1937.")
    assert grade(nanjing, "the Japanese army's mass killing of Chinese civilians and prisoners "
                 "in 1937").label is Label.CORRECT
    active = card("How did World War II begin in Europe?", "Germany invaded Poland on 1 "
                  "September 1939.")
    assert grade(active, "Poland invaded Germany on 1 September 1939").label is not Label.CORRECT
