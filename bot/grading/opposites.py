"""Which words say the opposite of a reference word: the lexical part of contradiction.

Three general sources, no card's own words: WordNet's antonyms (wordnet.py), a short list of
opposites every subject uses (below), and negating prefixes ("uncontrolled", "inactive",
"non-polar"). A word only counts as an opposite when the reference does not itself name
it: a reference that says both "higher" and "lower" relates them, and matching.conflicts
reads that relation instead.
"""

from __future__ import annotations

from functools import lru_cache

from bot.grading.spelling import stem
from bot.grading.wordnet import opposite as wordnet_opposite

# Pairs of opposites; each side may list several words that mean the same.
_GENERAL = """
increase raise grow bigger larger more higher enlarge expand amplify boost
  / decrease reduce lower shrink smaller less fewer drop limit cap clip restrict
change vary adjust alter update adapt schedule / fixed constant unchanged same static
training / inference
forward / backward
input / output
inside inner inward inwards internal / outside outer outward outwards external
before earlier / after later
start beginning first / end last final
add insert gain / remove delete lose lost
produce make build synthesize synthesise create form release generate
  / consume destroy degrade digest break
store save keep / release spend
absorb / emit reflect
active / passive
against / along
hydrophilic / hydrophobic
heat warm hot / cool cold
rise rises / sink sinks fall falls
north northern / south southern
east eastern / west western
import / export
mutable / immutable
local / global
public / private
dynamic / static
true / false
identical same / different distinct
haploid / diploid
short / long
old older oldest / young younger youngest
parent / child daughter
strong / weak
allow permit / forbid ban block prohibit
accept / reject
win won victory / lose lost defeat
attract / repel
acid acidic / base basic alkaline
cause / prevent
above / below
over / under
up upward / down downward
top / bottom
maximum max maximise maximize / minimum min minimise minimize
overfit overfitting / underfit underfitting
supervised / unsupervised
parallel / sequential serial
explicit / implicit
shortage scarcity deficit / surplus glut excess
one single only sole / multiple many several
introduce establish impose / end abolish
""".strip()

PREFIXES = ("anti", "non", "dis", "un", "in", "im", "ir", "il")
MIN_STEM = 4


def _groups() -> list[tuple[frozenset[str], frozenset[str]]]:
    out = []
    text = _GENERAL.replace("\n  /", " /")
    for line in text.splitlines():
        left, _, right = line.partition("/")
        out.append(
            (frozenset(stem(w) for w in left.split()), frozenset(stem(w) for w in right.split()))
        )
    return out


@lru_cache(maxsize=1)
def general() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for left, right in _groups():
        for a in left:
            table.setdefault(a, set()).update(right - left)
        for b in right:
            table.setdefault(b, set()).update(left - right)
    return {k: frozenset(v) for k, v in table.items()}


def opposites(key: str) -> frozenset[str]:
    """Stems that state the opposite of stem `key` (negating prefixes: see `unprefixed`).

    Called once per reference word when a card is analysed (the card model is cached).
    """
    out = set(general().get(key, ())) | wordnet_opposite(key)
    bare = unprefixed(key)
    if bare:
        out.add(bare)  # "uncontrolled" in the reference, "controlled" in the answer
    out.discard(key)
    return frozenset(out)


@lru_cache(maxsize=16384)
def unprefixed(key: str) -> str:
    """ "uncontrol" -> "control": the word a negating prefix turns around ("" if none)."""
    if key.isalpha():
        for p in PREFIXES:
            if key.startswith(p) and len(key) - len(p) >= MIN_STEM:
                return key[len(p) :]
    return ""
