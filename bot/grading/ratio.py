"""A ratio taken upside down.

"PED = % change in quantity demanded / % change in price" fixes which side is on top; "%
change in price divided by % change in quantity demanded" keeps every word and inverts the
ratio. The same holds for density (mass over volume), speed, or a rate per unit. A ratio is
read from " / " between spaced sides, "÷", "divided by" and "the ratio of A to B"; a bare
slash ("tea/coffee", "CO2/H2O") is an "or", not a ratio.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.grading.difference import side_keys

_SIDE = r"([^\n.;:=()]+?)"
_RATIO = re.compile(
    rf"(?:\bratio\s+of\s+{_SIDE}\s+to\s+{_SIDE}"
    rf"|{_SIDE}(?:[^\S\n]+/[^\S\n]+|\s*÷\s*|\s+divided\s+by\s+){_SIDE})(?=[\n.;:()]|,\s|$)",
    re.IGNORECASE,
)
_DEFINED = re.compile(r"\b(?:is|are|equals|means|gives)\b|=|:")


_CUES = (" / ", "÷", "divided", "ratio")


def _ratio(text: str) -> tuple[frozenset[str], frozenset[str]] | None:
    low = text.lower()
    if not any(cue in low for cue in _CUES):
        return None  # the common case, without the regex's scan
    found = _RATIO.search(text)
    if found is None:
        return None
    groups = [g for g in found.groups() if g is not None]
    top = _DEFINED.split(groups[0])[-1]
    return side_keys(top), side_keys(groups[1])


@lru_cache(maxsize=1024)
def _reference_sides(reference: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The words only the top says and those only the bottom says."""
    sides = _ratio(reference)
    if sides is None:
        return None
    top, bottom = sides
    only_top, only_bottom = top - bottom, bottom - top
    return (only_top, only_bottom) if only_top and only_bottom else None


def turned_ratio(reference: str, answer: str) -> bool:
    """The answer puts the reference's bottom on top and its top at the bottom."""
    sides = _reference_sides(reference)
    if sides is None:
        return False
    said = _ratio(answer)
    if said is None:
        return False
    only_top, only_bottom = sides
    top, bottom = said
    lean_top = len(top & only_bottom) - len(top & only_top)
    lean_bottom = len(bottom & only_bottom) - len(bottom & only_top)
    return bool(top & only_bottom and bottom & only_top) and lean_top > lean_bottom
