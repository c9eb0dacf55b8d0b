"""Answers that look like matches but must not earn credit.

Each check is cheap and independent, so the engine can run them in a fixed order and name
the first that fires in its explanation.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

from bot.grading.analysis import Analysis
from bot.grading.concepts import CardModel
from bot.grading.formulas import rewrite
from bot.grading.lexicon import IDK, NO, YES
from bot.grading.normalise import clean


class Trap(StrEnum):
    BLANK = "blank"
    ECHO = "echo"
    STUFFING = "stuffing"
    CONTRADICTS = "contradicts"  # negated or reversed core: wrong
    SLIPS = "slips"  # right core, a side claim reversed: at most partial
    NO_STANCE = "no_stance"  # a yes/no question answered without yes or no: at most partial
    NO_CODE = "no_code"  # a code card answered in words: at most partial
    OTHER_CARD = "other_card"
    SWAPPED = "swapped"  # the reference's facts tied to the other thing it contrasts: wrong
    ONE_SIDE = "one_side"  # a comparison answered for one of its sides: at most partial


_CALL = re.compile(r"^\s*[A-Za-z_][\w.]*\(.*\)\s*$", re.DOTALL)
_CODE = re.compile(r"[\w\])]\s*\(|\w\.[A-Za-z_]|[A-Za-z]_[A-Za-z]")
_IDK_MAX_CHARS = 40  # every "no attempt" phrase is shorter than this
_PUNCT = re.compile(r"[^\w\s']+")
# Below this share of function words a 4+ word answer reads as a bag of keywords.
STUFFING_FUNCTION_SHARE = 0.12
ECHO_SHARE = 0.8
IN_ORDER_SHARE = 0.9


def is_blank(answer: str, analysis: Analysis) -> bool:
    """Empty, "idk", "?" and friends: no attempt at all."""
    if not analysis.units:
        return True
    if len(answer) > _IDK_MAX_CHARS:
        return False
    cleaned = clean(answer)
    text = " ".join(_PUNCT.sub(" ", cleaned.lower()).split())
    return not text or text in IDK or cleaned.strip() in IDK


def is_echo(model: CardModel, analysis: Analysis) -> bool:
    """The question repeated back: every content unit comes from the question."""
    keys = [u.key for u in analysis.units]
    if not keys or not model.question_keys:
        return False
    inside = sum(k in model.question_keys for k in keys)
    return inside / len(keys) >= ECHO_SHARE and len(set(keys)) <= len(model.question_keys) + 1


def _lcs(a: list[str], b: list[str]) -> int:
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


def is_stuffing(model: CardModel, analysis: Analysis, question: str) -> bool:
    """A bag of reference words with no claim: no function words, no structure.

    Terse but real statements ("correlation means two variables move together") keep the
    reference's order within one of its sentences; a bag is drawn from several sentences or
    shuffled. Lists are legitimate answers to list cards, so those are exempt.
    """
    if model.listing or analysis.structured or analysis.n_words < 4:
        return False
    if len(model.anchors & {u.key for u in analysis.units}) >= 2:
        return False  # "weathering breaks, erosion moves": a terse contrast, not a bag
    if analysis.n_function / analysis.n_words >= STUFFING_FUNCTION_SHARE:
        return False
    if _own_words(question, model.reference, analysis):
        return False
    first_seg: dict[str, int] = {}
    for key, seg in model.order:
        first_seg.setdefault(key, seg)
    keys = [u.key for u in analysis.units if u.key in first_seg]
    if len(keys) < 3:
        return False
    segments = {first_seg[k] for k in keys}
    ref = [k for k, _ in model.order]
    return len(segments) >= 2 or _lcs(keys, ref) < IN_ORDER_SHARE * len(keys)


_WORD = re.compile(r"[a-z]{2,}")


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


@lru_cache(maxsize=2048)
def _card_words(question: str, reference: str) -> frozenset[str]:
    return frozenset(_singular(w) for w in _WORD.findall(f"{reference} {question}".lower()))


def _own_words(question: str, reference: str, analysis: Analysis) -> bool:
    """Some word is the learner's own, not one of the reference's words in another number
    ("rotation deflects moving air" where it says "deflection"): a terse claim in their
    words, not a bag copied from the reference."""
    words = _card_words(question, reference)
    return any(_singular(w) not in words
               for u in analysis.units for w in _WORD.findall(u.surface.lower()))


# A question that asks for a comparison: "How do X and Y differ?", "X vs Y".
_COMPARISON = re.compile(
    r"\b(?:differ\w*|vs|versus|compar\w*|contrast\w*|distinguish\w*)\b", re.IGNORECASE
)


def one_sided(question: str, model: CardModel, analysis: Analysis) -> bool:
    """The question asks for a comparison of the things the reference contrasts, and the
    answer names only one of them: one side of a comparison is part of the answer."""
    if len(model.anchors) < 2 or not _COMPARISON.search(question):
        return False
    return len(model.anchors & {u.key for u in analysis.units}) < 2


def stance_trap(model: CardModel, answer: Analysis) -> Trap | None:
    """A reference that opens with "No." (or "Yes.") makes the verdict part of the answer.

    The opposite verdict is wrong however many words match; no verdict at all, or for
    "no" no negation anywhere, is at most partial.
    """
    ref = model.verdict
    if not ref:
        return None
    first = answer.first_word
    if (ref in NO and first in YES) or (ref in YES and first in NO):
        return Trap.CONTRADICTS
    if ref in NO and not answer.says_no:
        return Trap.NO_STANCE
    if ref in YES and first not in YES and answer.says_no:
        return Trap.NO_STANCE
    return None


def code_described(model: CardModel, answer: str) -> bool:
    """The reference is a bare call (`learn.lr_find()`) and the answer has no code at all.

    Naming the idea in words shows recall of the concept, not of the code: partial.
    """
    return bool(_CALL.match(model.reference)) and not _CODE.search(answer)


# The words and brackets that give a line of Python its shape: a comprehension and a loop
# use the same names but mean different things.
_SHAPE = re.compile(r"\b(?:for|if|else|in|while|lambda|return|def|not|is|and|or)\b|[\[\]{}():]")
_CODE_LINE_MAX = 80
_KEYWORDS = frozenset({"for", "if", "else", "in", "while", "lambda", "return", "def", "not"})
# A word of prose: neither a keyword nor a name being called or looked into (`range(`).
_PROSE_WORD = re.compile(r"(?<![.\w])[A-Za-z]{3,}\b(?![(.\w])")
_CONTROL = frozenset({"for", "if", "while", "lambda"})


@lru_cache(maxsize=1024)
def code_shape(reference: str) -> tuple[str, ...]:
    """The shape of a reference that is one line of code with a control keyword
    (`[x**2 for x in range(10)]`); () for anything else."""
    ref = reference.strip()
    if len(ref) > _CODE_LINE_MAX or "\n" in ref:
        return ()
    # Code only: every word is a keyword, a short name or has code characters in it.
    if any(w not in _KEYWORDS for w in _PROSE_WORD.findall(ref)):
        return ()
    shape = tuple(_SHAPE.findall(rewrite(ref)))
    return shape if _CONTROL & set(shape) and any(not t.isalpha() for t in shape) else ()


def reshaped_code(model: CardModel, answer: str) -> bool:
    """The answer writes the reference's line of code with another shape: the same names in a
    loop instead of a comprehension, `if` where it says `for`."""
    shape = code_shape(model.reference)
    # Compared as rewritten, so `pow(x, 2)` is the `x**2` it spells.
    return bool(shape) and tuple(_SHAPE.findall(rewrite(answer))) != shape
