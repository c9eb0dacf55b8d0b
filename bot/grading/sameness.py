""""The same X" where the reference says "a different X", or the other way round.

"Same" is a stop word (it says nothing alone), so an answer that swaps which property is the
same and which differs ("a different formula but the same arrangement" for "the same
formula but a different arrangement"; "bonds of different lengths" for "bonds of the same
length") keeps every word the match counts. Read here: each "same"/"different" with the
first word it describes; a thing the reference calls the same that the answer calls
different (or the reverse) is a contradiction. A "not" just before flips the word ("not the
same formula"), and a thing the reference calls both proves nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.grading.lexicon import STOPWORDS
from bot.grading.spelling import stem

_WORD = re.compile(r"[a-z][a-z0-9-]*")
_SAME = frozenset({"same", "identical"})
# Not "distinct": "one row per distinct value" is a group of rows with the same value.
_DIFFERENT = frozenset({"different", "differing"})
_NOT = frozenset({"not", "no", "never"})
# How far after "same"/"different" the thing it describes may stand ("the same molecular
# formula", "a different number of neutrons").
_REACH = 5


def _phrase(words: list[str], start: int) -> list[str]:
    """The thing a "same"/"different" at `start - 1` describes: its words up to the first
    stop word other than "of" ("number of protons"), the article before it skipped. Its last
    word names it: "the same number of protons" and "a different number of neutrons" are
    about protons and neutrons, not "number"."""
    out: list[str] = []
    for w in words[start : start + _REACH]:
        if w in _SAME or w in _DIFFERENT or w in _NOT:
            break
        if w in STOPWORDS and not (w == "of" and out):
            if out:
                break
            continue
        out.append(w)
    while out and out[-1] == "of":
        out.pop()
    return out


def _said(text: str) -> dict[tuple[bool, str], str]:
    """(True for same / False for different, stem of the thing) for each sameness word, with
    the thing as written."""
    words = _WORD.findall(text.lower())
    out: dict[tuple[bool, str], str] = {}
    for i, w in enumerate(words):
        if w in _SAME:
            same = True
        elif w in _DIFFERENT:
            same = False
        else:
            continue
        if any(p in _NOT for p in words[max(0, i - 2) : i]):
            same = not same
        phrase = _phrase(words, i + 1)
        if phrase:
            out.setdefault((same, stem(phrase[-1])), " ".join(phrase))
    return out


@lru_cache(maxsize=1024)
def _reference(reference: str) -> frozenset[tuple[bool, str]]:
    return frozenset(_said(reference))


def swapped_sameness(reference: str, answer: str) -> tuple[str, str, str] | None:
    """(what the answer says, what the reference says, the thing) for a thing the answer
    calls the same where the reference calls it different, or the reverse; None if none."""
    ref = _reference(reference)
    if not ref:
        return None
    for (same, thing), surface in _said(answer).items():
        if (not same, thing) in ref and (same, thing) not in ref:
            return ("the same" if same else "different", "different" if same else "the same",
                    surface)
    return None
