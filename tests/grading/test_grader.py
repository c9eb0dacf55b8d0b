"""Behaviour of the answer grader, one mechanism per test."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.decks.model import CardSpec
from bot.grading import Grade, Label, Rating, grade
from bot.grading.jsonl import grade_lines

AUG = CardSpec(
    key="aug",
    question="What is data augmentation?",
    answer="Technique used to artificially increase the size and diversity of a training "
    "dataset by applying transformations to the existing data.",
)
SGD = CardSpec(
    key="sgd",
    question="gradient descent with connection to mini-batch",
    answer="Stochastic gradient descent – Iterations are usually much faster",
)
CE = CardSpec(
    key="ce",
    question="What is cross-entropy loss?",
    answer="The combination of the softmax and the negative log likelihood.",
)
LR_FIND = CardSpec(key="lrf", question="Code for learning rate finder", answer="learn.lr_find()")
DISC = CardSpec(
    key="disc",
    question="What is discriminative learning rate?",
    answer="Approach is to train higher layers with a higher learning rate than lower layers",
)
WD = CardSpec(
    key="wd", question="What penalty does weight decay add?", answer="An L2 penalty on the weights"
)
BS = CardSpec(
    key="bs",
    question="What is a mini-batch?",
    answer="A set of items (batch size) processed together on the GPU",
)
WHY = CardSpec(
    key="why",
    question="Why use data augmentation?",
    answer="To tackle overfitting on the specific examples from the dataset",
)
TECH = CardSpec(
    key="tech",
    question="Techniques to improve model performance",
    answer="Learning rate, training duration, model depth, numeric precision",
)
DECK = (AUG, SGD, CE, LR_FIND, DISC, WHY, TECH)


def label(card: CardSpec, answer: str, **kw: object) -> Label:
    return grade(card, answer, **kw).label  # type: ignore[arg-type]


def test_typos_are_forgiven_in_long_words() -> None:
    """Misspelt long words still match ("augmentaion", "trainning", "diversty")."""
    g = grade(
        AUG,
        "artifically increse the size and diversty of the trainning data by "
        "transformaions of existing data",
    )
    assert g.label is Label.CORRECT


def test_short_tokens_need_exact_match() -> None:
    """ "lr" is not a typo of "l2": short tokens match exactly or not at all."""
    assert label(WD, "an L2 penalty on the weights") is Label.CORRECT
    assert label(WD, "lr") is Label.WRONG


def test_word_forms_match() -> None:
    """Other word forms count: "transforming", "increases", "diverse"."""
    assert (
        label(
            AUG,
            "it artificially increases the size and makes the training data more "
            "diverse by transforming the data that exists",
        )
        is Label.CORRECT
    )


def test_british_and_american_spelling_match() -> None:
    """British spellings match American ones ("generalise", "regularisation", "colour")."""
    card = CardSpec(
        key="b",
        question="Why augment?",
        answer="To generalize better and as regularization; color changes help",
    )
    assert label(card, "to generalise better, as regularisation; colour changes help") is (
        Label.CORRECT
    )


@pytest.mark.parametrize(
    ("card", "answer"),
    [
        (SGD, "SGD"),
        (SGD, "stochastic GD, iterations are quicker"),
        (CE, "softmax + NLL"),
        (
            AUG,
            "artificially enlarge the size and variety of the training set by transforming "
            "existing data",
        ),
        (BS, "a set of items of size bs processed together on the gpu"),
        (BS, "a set of samples (minibatch size) processed at once on the graphics card"),
    ],
)
def test_synonyms_and_abbreviations_match(card: CardSpec, answer: str) -> None:
    """Abbreviations and synonyms from the shipped table count as the full term."""
    assert label(card, answer) is Label.CORRECT


def test_mini_batch_spellings_are_one_term() -> None:
    """ "minibatch", "mini batch" and "mini-batch" are the same term."""
    card = CardSpec(key="m", question="What does SGD update on?", answer="one mini-batch")
    for spelling in ("one minibatch", "one mini batch", "one mini-batch"):
        assert label(card, spelling) is Label.CORRECT


@pytest.mark.parametrize(
    "answer",
    [
        "learn.lr_find()",
        "lr_find()",
        "learn.lr_find",
        "I'd call learner.lr_find(suggest_funcs=(minimum, steep))",
    ],
)
def test_code_answers_match_by_identifier(answer: str) -> None:
    """The same method name counts, with or without receiver and call parentheses."""
    assert label(LR_FIND, answer) is Label.CORRECT


def test_other_method_is_not_the_code_answer() -> None:
    """A different method on the same object is not the answer."""
    assert label(LR_FIND, "learn.fine_tune()") is not Label.CORRECT


def test_negation_withholds_credit() -> None:
    """Saying the reference is *not* so is wrong, however many words match."""
    assert label(SGD, "not stochastic gradient descent, it is normal gradient descent") is (
        Label.WRONG
    )
    assert label(LR_FIND, "never learn.lr_find(), use learn.fit_one_cycle()") is Label.WRONG


def test_negated_object_of_prevent_verb_agrees() -> None:
    """ "Prevent", "reduce" and "does not memorise" agree with "tackle overfitting"."""
    for answer in (
        "to prevent overfitting",
        "to reduce over-fitting",
        "so the model does not memorise the training examples",
    ):
        assert label(WHY, answer) is Label.CORRECT, answer
    assert label(WHY, "it increases overfitting on the training examples") is Label.WRONG


def test_reversed_relation_is_wrong() -> None:
    """Swapping which side gets the higher value reverses the claim."""
    assert label(DISC, "lower layers get a higher learning rate than higher layers") is (
        Label.WRONG
    )
    assert label(DISC, "earlier layers: small LR, later layers: large LR") is Label.CORRECT


def test_side_claim_reversed_caps_at_partial() -> None:
    """Right core but a reversed detail ("slower") is partial, not correct."""
    assert label(SGD, "Stochastic gradient descent, iterations are much slower") is (Label.PARTIAL)


def test_keyword_stuffing_is_wrong() -> None:
    """A bag of reference words with no statement earns nothing."""
    assert (
        label(AUG, "training dataset size diversity transformations existing artificially increase")
        is Label.WRONG
    )


def test_terse_lists_are_fine_for_list_cards() -> None:
    """Listing items is the answer when the reference is a list."""
    assert label(TECH, "lr, epochs count, depth, fp16") is Label.CORRECT
    assert label(TECH, "a better learning rate") is Label.PARTIAL


def test_question_echo_is_wrong() -> None:
    """Repeating the question back earns nothing."""
    assert label(AUG, "What is data augmentation?") is Label.WRONG
    assert label(AUG, "data augmentation") is Label.WRONG


def test_answer_to_another_card_is_wrong() -> None:
    """An answer that fits another card of the deck clearly better is wrong."""
    g = grade(CE, "stochastic gradient descent, iterations are much faster", deck=DECK)
    assert g.label is Label.WRONG
    assert "another card" in g.explanation


@pytest.mark.parametrize(
    "answer",
    ["", "   ", "?", "idk", "IDK 🤷", "no idea", "I don't know", "dunno...", "¯\\_(ツ)_/¯"],
)
def test_no_attempt_is_wrong(answer: str) -> None:
    """Empty, "idk", "?" and similar are wrong with score 0."""
    g = grade(AUG, answer)
    assert (g.label, g.score, g.rating) == (Label.WRONG, 0.0, Rating.AGAIN)


def test_unicode_junk_and_emoji_are_ignored() -> None:
    """Typographic quotes, dashes, full-width letters and emoji do not change the verdict."""
    plain = grade(SGD, "Stochastic gradient descent - iterations are much faster")
    noisy = grade(
        SGD, "“Ｓｔｏｃｈａｓｔｉｃ” gradient\u00a0descent — iterations are much faster 🚀🔥\u200b"
    )
    assert noisy.label is plain.label is Label.CORRECT
    assert noisy.score == plain.score


def test_long_answer_is_fast() -> None:
    """A 10,000-character answer is graded in well under 50 ms."""
    answer = "the model sees rotated and flipped copies of images so it generalises. " * 150
    answer = answer[:10_000]
    grade(AUG, "warm up", deck=DECK)
    timings = []
    for _ in range(3):  # best of three, so a busy CI machine does not fail the test
        start = time.perf_counter()
        g = grade(AUG, answer, deck=DECK)
        timings.append(time.perf_counter() - start)
    assert min(timings) < 0.05
    assert len(g.explanation) < 300


def test_long_reference_does_not_cap_a_correct_core_answer() -> None:
    """The core idea of a long explanatory reference suffices for correct."""
    card = CardSpec(
        key="w",
        question="Why use data augmentation?",
        answer="To tackle overfitting on the specific examples from the dataset, "
        "as usually you run the dataset multiple times through the training loop",
    )
    assert label(card, "to tackle overfitting") is Label.CORRECT
    assert label(card, "because we loop over the dataset many times") is Label.PARTIAL


def test_teacher_keys_define_the_concepts() -> None:
    """With `keys`, each key concept (any of its alternatives) is what must be named."""
    card = CardSpec(
        key="k",
        question="What does dropout do?",
        answer="Randomly zeroes activations during training to reduce overfitting.",
        keys=(("zero", "drop", "remove"), ("activations", "neurons", "units")),
    )
    assert label(card, "it drops random neurons") is Label.CORRECT
    assert label(card, "it drops things") is Label.PARTIAL
    assert label(card, "it adds noise to weights") is Label.WRONG


def test_teacher_alts_add_equivalences() -> None:
    """`alts` teach the grader a card-specific equivalence no general rule derives."""
    card = CardSpec(
        key="a",
        question="What improves predictions at inference for free?",
        answer="Test time augmentation",
        alts=(("test time augmentation", "averaging flipped copies"),),
    )
    assert label(card, "averaging flipped copies") is Label.CORRECT
    plain = CardSpec(key="b", question=card.question, answer=card.answer)
    assert label(plain, "averaging flipped copies") is Label.WRONG
    # Initials of the card's own words need no `alts` (abbreviations.py).
    assert label(plain, "TTA") is Label.CORRECT


def test_rating_follows_label() -> None:
    """wrong -> Again, partial -> Hard, correct -> Good."""
    assert grade(SGD, "batch size").rating is Rating.AGAIN
    assert grade(SGD, "stochastic").rating is Rating.HARD
    assert grade(SGD, "SGD").rating is Rating.GOOD


def test_fast_complete_correct_answer_is_easy() -> None:
    """Correct, complete and typed at once is Easy; slow or incomplete stays Good."""
    full = "stochastic gradient descent, iterations are much faster"
    assert grade(SGD, full, elapsed_s=9.0).rating is Rating.EASY
    assert grade(SGD, full, elapsed_s=60.0).rating is Rating.GOOD
    assert grade(SGD, full).rating is Rating.GOOD
    assert grade(SGD, "SGD", elapsed_s=2.0).rating is Rating.GOOD  # core only: not complete


def test_explanation_names_matched_and_missed() -> None:
    """The explanation names, in the reference's words, what was matched and what is missing."""
    g = grade(CE, "it uses the sofmax")
    assert isinstance(g, Grade)
    assert g.label is Label.PARTIAL  # one of the two named terms
    assert g.matched == ("softmax",)  # the reference's spelling, not the typo
    assert g.missed == ("negative log likelihood",)
    assert g.explanation == "You got: softmax. Missing: negative log likelihood."


def test_grade_lines_outputs_one_json_line_per_input() -> None:
    """`tutorbot grade`: one JSON result per line, errors reported per line, in order."""
    lines = [
        json.dumps({"question": "what is DATA augmentation", "answer": "idk"}),
        "{not json",
        json.dumps({"question": "Q?", "answer": "blue", "reference": "The sky is blue"}),
        json.dumps({"question": "Unknown card?", "answer": "x"}),
        json.dumps({"question": "What is data augmentation?"}),
    ]
    out = [json.loads(x) for x in grade_lines(lines, DECK)]
    assert len(out) == 5
    assert out[0] == {**out[0], "label": "wrong", "rating": "again"}
    assert set(out[0]) == {"label", "score", "rating", "matched", "missed", "explanation"}
    assert "line 2" in out[1]["error"]
    assert out[2]["label"] in {"correct", "partial"}
    assert "error" in out[3] and "error" in out[4]


def test_analysis_of_a_card_is_cached() -> None:
    """Grading many answers to one card analyses its reference once."""
    from bot.grading.concepts import _build

    grade(AUG, "first")
    hits = _build.cache_info().hits
    grade(AUG, "second")
    assert _build.cache_info().hits > hits


def test_grading_does_not_import_heavy_modules() -> None:
    """The grader stays pure: no torch, telegram or database imports."""
    code = (
        "import sys, bot.grading as g; g.grade; "
        "print([m for m in ('torch', 'telegram', 'sqlmodel', 'sqlalchemy') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@settings(derandomize=True, max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_any_text_gets_a_sane_grade(answer: str) -> None:
    """Arbitrary Unicode never raises and always yields a score in 0..1 and a short reason."""
    g = grade(AUG, answer, deck=DECK, elapsed_s=1.0)
    assert 0.0 <= g.score <= 1.0
    assert len(g.explanation) < 300


def test_verdict_only_reference() -> None:
    """A reference that is just "No." is answered by the verdict alone."""
    card = CardSpec(key="v", question="Is accuracy a good loss function?", answer="No.")
    assert label(card, "no") is Label.CORRECT
    assert label(card, "it is not") is Label.CORRECT
    assert label(card, "yes") is Label.WRONG
