"""An answer that denies the difference a question asks about ("no difference, both filter
rows", "they are interchangeable").

A question about the difference between two things presupposes one, and the reference names
it. An answer saying there is none often reuses the question's names and the reference's
words ("both filter rows" for "WHERE filters rows ...; HAVING filters groups"), so the match
alone can score it high; a teacher marks it wrong. An answer that goes on to name a
difference ("the same result, but X is faster") does not deny it, nor does any answer where
the reference itself says the two are the same.
"""

from __future__ import annotations

import re

_ASKS = re.compile(
    r"\bdiffer|\bdifference|\bvs\b|\bversus\b|\bcompare|\bcontrast|\bdistinguish",
    re.IGNORECASE,
)
_DENIES = re.compile(
    r"\b(?:no|not\s+(?:any|much|really\s+a|a))\s+(?:real\s+|actual\s+)?difference"
    r"|\b(?:they|both|all|the\s+two)(?:'re|\s+are|\s+all|\s+both|\s+do|\s+does|\s+mean)*+"
    r"\s+(?:just\s+|basically\s+|exactly\s+|really\s+)?(?:the\s+same(?:\s+thing)?"
    r"|identical|interchangeable|equivalent|synonyms)\s*(?:[,.;!]|$)"
    r"|\bsame\s+thing\b"
    r"|\balways\s+(?:return|give|do|mean)s?\s+the\s+same\b",
    re.IGNORECASE,
)
# Words after which an answer names a difference after all.
_YET = re.compile(
    r"\b(?:but|except|however|whereas|while|apart\s+from|other\s+than|only\s+(?:that|when))\b",
    re.IGNORECASE,
)


def denies_difference(question: str, reference: str, answer: str) -> bool:
    """The question asks how things differ, the reference says how, and the answer says
    they do not."""
    if not _ASKS.search(question) or _DENIES.search(reference):
        return False
    return bool(_DENIES.search(answer)) and not _YET.search(answer)
