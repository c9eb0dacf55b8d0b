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

from bot.grading.difference import DEFINED, side_keys

# The separator is found first and each side read off around it, so that a long answer
# without a ratio costs one scan, not one per starting position.
_SEP = re.compile(r"[^\S\n]+/[^\S\n]+|\s*÷\s*|\s+divided\s+by\s+", re.IGNORECASE)
_OF = re.compile(
    r"\bratio\s+of\s+([^\n.;:=()]{1,80}?)\s+to\s+([^\n.;:=(),]{1,80})", re.IGNORECASE
)
_BOUND = re.compile(r"[\n.;:=()]|,\s")
_CUES = (" / ", "÷", "divided", "ratio")


def _ratio(text: str) -> tuple[frozenset[str], frozenset[str]] | None:
    low = text.lower()
    if not any(cue in low for cue in _CUES):
        return None  # the common case, without a scan
    of = _OF.search(text)
    if of is not None:
        top, bottom = of.group(1), of.group(2)
    else:
        sep = _SEP.search(text)
        if sep is None:
            return None
        top = _BOUND.split(text[: sep.start()])[-1]
        bottom = _BOUND.split(text[sep.end() :])[0]
    top = DEFINED.split(top)[-1]
    if not top.strip() or not bottom.strip():
        return None
    return side_keys(top), side_keys(bottom)


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
