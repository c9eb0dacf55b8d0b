"""A "When …?" question is answered by its date ("When did the Soviet Union collapse?" →
"December 1991").

The reference to such a question opens with the date and goes on with context that names
the event's words and often other dates ("… after the fall of the communist regimes in
1989"). Keyword coverage reads a bare "December 1991" as a sliver of that reference, and a
bare "1989" as a fair part of it; a teacher marks the first correct and the second wrong.
So, where the question asks only when and the reference gives a year, the first year the
reference gives is the answer: an answer whose first date is that year (or its two-digit
form, "dec '91") answers the question; the decade around it ("the early 1990s") is vague, so
partial; another of the reference's years names the wrong date. A question that asks more
("When and why …") is left to the match: the date is one of its parts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

_ONLY_WHEN = re.compile(
    r"^\s*(?:when|in\s+what\s+year|what\s+year)\b"
    r"(?![^?]*\b(?:and|or)\s+(?:why|how|who|what|where|which))",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?<![\d.,])(1[0-9]{3}|20[0-9]{2})(?![\d.,]\d|s\b)")
_DECADE = re.compile(r"(?<![\d.,])(1[0-9]{2}|20[0-9])0s\b")
# "1914-1918", "from 1914 to 1918", "between 1914 and 1918": one date, a span.
_SPAN = re.compile(r"\s*(?:-|\u2013|to|and|until|till)\s*(1[0-9]{3}|20[0-9]{2})\b")
# A year a learner writes short: "'91", "in 61" (only read against the reference's year).
_SHORT = re.compile(r"(?:'|\u2019|\bin\s+)([0-9]{2})(?![\d.,]\d|\s*(?:%|per|cm|km|m\b|kg))")


class DateVerdict(StrEnum):
    RIGHT = "right"
    VAGUE = "vague"  # the decade around the reference's year
    WRONG = "wrong"  # another year the reference gives


@dataclass(frozen=True, slots=True)
class Dated:
    """The answer's date, judged against the reference's."""

    verdict: DateVerdict
    said: str  # the date the answer gives
    year: str  # the year the reference gives


def asks_when(question: str) -> bool:
    return bool(_ONLY_WHEN.match(question))


def _first_date(text: str, year: str) -> str | None:
    found: list[tuple[int, str]] = [(m.start(), m.group(1)) for m in _YEAR.finditer(text)]
    found += [(m.start(), m.group(0)) for m in _DECADE.finditer(text)]
    found += [(m.start(), year) for m in _SHORT.finditer(text) if m.group(1) == year[2:]]
    return min(found)[1] if found else None


def dated(question: str, reference: str, answer: str) -> Dated | None:
    """How the answer dates the event, where the question asks only when; else None."""
    if not asks_when(question):
        return None
    first = _YEAR.search(reference)
    if first is None:
        return None
    year = first.group(1)
    span = _SPAN.match(reference, first.end())
    said = _first_date(answer, year)
    if said is None or (span is not None and said == span.group(1)):
        return None  # no date, or the end of the reference's span: the match decides
    if said == year:
        return Dated(DateVerdict.RIGHT, said, year)
    if said.endswith("s"):
        decade = said[:3] == year[:3]
        return Dated(DateVerdict.VAGUE, said, year) if decade else None
    if said in _YEAR.findall(reference):
        return Dated(DateVerdict.WRONG, said, year)
    return None  # a date the reference never gives: matching's wrong year
