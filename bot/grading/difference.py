"""A difference taken the wrong way round.

"Consumer surplus: the difference between what consumers are willing to pay and what they
actually pay" fixes which side comes first; "what they actually pay minus what they are
willing to pay" keeps every word and flips the sign. The same holds for profit (revenue minus
cost) or net flows. A plain "difference between A and B" in an answer is read as no order at
all, since people say it both ways; only an explicit "minus" (or " - ") in the answer counts.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.grading.spelling import stem

_BETWEEN = re.compile(r"\bdifference\s+between\s+(.+?)\s+and\s+(.+?)(?:[.;:(]|$)", re.I)
# In a reference only the word: a " - " there is a dash or a bullet. In an answer a short
# "A - B" on one line also counts.
_MINUS_WORD = re.compile(r"([^\n.;:(]+?)\s+minus\s+([^\n.;:(]+)", re.I)
_MINUS = re.compile(r"([^\n.;:(]+?)[^\S\n]+(minus|[-−])[^\S\n]+([^\n.;:(]+)", re.I)
_DASH_SIDE_WORDS = 8
_WORD = re.compile(r"[a-z][a-z0-9]+")
# Only the words that name nothing: the grader's own stop list drops "actually", which is
# all that tells "what they actually pay" from "what they are willing to pay".
_GLUE = frozenset(
    {"a", "an", "the", "what", "which", "who", "whom", "that", "this", "these", "those", "it",
     "its", "they", "them", "their", "we", "our", "you", "your", "he", "she", "his", "her",
     "i", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "has",
     "have", "had", "will", "would", "can", "could", "should", "may", "might", "to", "of",
     "for", "and", "or", "in", "on", "at", "by", "with", "from", "as", "than", "then", "so"}
)


def side_keys(text: str) -> frozenset[str]:
    """The words that name something, stemmed."""
    return frozenset(stem(w) for w in _WORD.findall(text.lower()) if w not in _GLUE)


# What defines a quantity: the side after it is the formula ("Profit is revenue minus cost").
DEFINED = re.compile(r"\b(?:is|are|equals|means)\b|=|:")


@lru_cache(maxsize=1024)
def _operands(reference: str) -> tuple[str, str] | None:
    """The two sides the reference subtracts ("Profit is total revenue minus total cost":
    total revenue, total cost)."""
    found = _BETWEEN.search(reference) or _MINUS_WORD.search(reference)
    if found is None:
        return None
    return DEFINED.split(found.group(1))[-1].strip(), found.group(2).strip()


@lru_cache(maxsize=1024)
def _sides(reference: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The words only the first side says and those only the second says."""
    ops = _operands(reference)
    if ops is None:
        return None
    first, second = side_keys(ops[0]), side_keys(ops[1])
    return first - second, second - first


def turned_difference(reference: str, answer: str) -> tuple[str, str] | None:
    """The reference's two sides, when the answer subtracts them the other way round: its
    first side leans to the reference's second and its second side to the first."""
    sides = _sides(reference)
    if sides is None:
        return None
    said = _MINUS.search(answer)
    if said is None:
        return None
    left, sign, right = said.groups()
    if sign.lower() != "minus" and max(len(left.split()), len(right.split())) > _DASH_SIDE_WORDS:
        return None
    only_first, only_second = sides
    a, b = side_keys(left), side_keys(right)
    lean_a = len(a & only_second) - len(a & only_first)
    lean_b = len(b & only_second) - len(b & only_first)
    if a & only_second and b & only_first and lean_a > lean_b:
        return _operands(reference)
    return None
