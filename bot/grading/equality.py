"""An equality the answer turns into an inequality.

"Equilibrium: quantity demanded equals quantity supplied" and "profit is maximised where
MR = MC" hang on one relation. An answer that keeps both sides but relates them by "greater
than", "exceeds" or ">" ("when quantity demanded is greater than quantity supplied") names
another state (a shortage), while every content word still matches. The relation words are
function words the matcher ignores, so they are read here, from the raw text.
"""

from __future__ import annotations

import re
from functools import lru_cache

_EQUAL = re.compile(
    r"\b(?:equals?|equal(?:ity|led|s)?\s+to|the\s+same\s+as|equate[sd]?)\b"
    r"|(?<![<>!=-])==?(?![=>])|≡"
)
_UNEQUAL = re.compile(
    r"\b(?:greater|more|less|fewer|larger|smaller|bigger|higher|lower|faster|slower"
    r"|stronger|weaker|heavier|lighter)\s+than\b"
    r"|\b(?:exceeds?|exceeding|unequal|not\s+equal)\b"
    r"|(?<![-=<])>(?!=?>)|<(?![-=]?-)|[≠≥≤]|!="
)


@lru_cache(maxsize=1024)
def _equates(reference: str) -> bool:
    return _EQUAL.search(reference) is not None and _UNEQUAL.search(reference) is None


def unequal(reference: str, answer: str) -> bool:
    """The reference relates by equality and never by inequality; the answer the reverse."""
    return (
        _equates(reference)
        and _UNEQUAL.search(answer) is not None
        and _EQUAL.search(answer) is None
    )
