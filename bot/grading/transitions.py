"""A change from one state to another, said the other way round ("from colourless to orange"
where the reference says "orange-brown to colourless").

Opposites in reversed order are read elsewhere (roles.polar_pairs: "from low to high"); this
reads the states that are no opposites: colours, phases of matter, places, molecules. The
answer's "from X to Y" names the order; the reference must name the same two words with a
word of transition between them the other way round, and never this way round.
"""

from __future__ import annotations

import re
from functools import lru_cache

from bot.grading.spelling import stem

_FROM_TO = re.compile(r"\bfrom\s+(?:the\s+|an?\s+)?([a-z][a-z-]{0,30})\s+(?:in)?to\s+"
                      r"(?:the\s+|an?\s+)?([a-z][a-z-]{0,30})")
_WORD = re.compile(r"[a-z]+|→|->")
_STEPS = frozenset({"to", "into", "→", "->"})
# The two words must stand this close around the reference's "to" ("orange-brown to
# colourless", "from liquid into gas").
_REACH = 3


def turned_transition(reference: str, answer: str) -> tuple[str, str] | None:
    """The reference's (from, to) when the answer says "from to … to from"."""
    said = _FROM_TO.search(answer.lower())
    if said is None:
        return None
    first, then = stem(said.group(1).split("-")[0]), stem(said.group(2).split("-")[0])
    if first == then:
        return None
    stems = _stems(reference)
    if _goes(stems, first, then):
        return None
    if _goes(stems, then, first):
        return said.group(2), said.group(1)
    return None


@lru_cache(maxsize=2048)
def _stems(reference: str) -> tuple[str, ...]:
    return tuple(stem(w) for w in _WORD.findall(reference.lower()))


def _goes(stems: tuple[str, ...], a: str, b: str) -> bool:
    """`a`, then within reach a word of transition, then within reach `b`."""
    for i, s in enumerate(stems):
        if s != a:
            continue
        for j in range(i + 1, min(i + 1 + _REACH, len(stems))):
            if stems[j] in _STEPS and b in stems[j + 1 : j + 1 + _REACH]:
                return True
    return False
