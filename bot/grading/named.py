"""Swapped names: the two things a question contrasts, each given the other's facts.

roles.py reads its contrasted things from single question words, so it is blind when the two
names share words ("UNION" and "UNION ALL", "INNER JOIN" and "LEFT JOIN") or are stop words
("WHERE" and "HAVING"). Here the names are read whole from the question ("the difference
between X and Y", "X vs Y"), and a text is read as a sequence of names, the longest that
fits winning ("UNION ALL" is not "UNION"). Every word after a name, up to the next name, is
said of it. A word the reference says of one name only, that the answer says of the other
with the same polarity ("UNION keeps duplicates" where the reference's UNION ALL keeps them),
is swapped; more swaps than agreements make the answer wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.grading.lexicon import NEGATIONS
from bot.grading.spelling import stem

_LIST = r"(?P<names>[^?;:]+?)"
_OTHER = r"(?P<other>[^?;:]+?)\s*(?:\?|$)"
# How a question names the things it contrasts: "the difference between X and Y", "How do X,
# Y and Z differ?", "How does X differ from Y?", "X vs Y?".
_PAIRS = tuple(re.compile(p, re.IGNORECASE) for p in (
    rf"\bbetween\s+{_LIST}\s*(?:\?|$|;|\bin\b|\bwhen\b)",
    rf"^how\s+(?:do|does)\s+{_LIST}\s+differ\s*(?:\?|$)",
    rf"^(?:how\s+(?:do|does|is|are)\s+)?{_LIST}\s+(?:differs?|different)\s+from\s+{_OTHER}",
    rf"^(?:\w+\s+){{0,3}}?{_LIST}\s+(?:vs\.?|versus)\s+{_OTHER}",
))
_SEP = re.compile(r",\s*(?:and\s+)?|\s+and\s+", re.IGNORECASE)
# Comparison operators are names too ("`==` and `is`").
_TOKEN = re.compile(r"[a-z0-9_*]+(?:'[a-z]+)?|==|!=|<=|>=|[;.,:!?]")
_BREAKS = frozenset({";", ".", ",", ":", "!", "?", "and", "but", "while", "whereas", "whilst"})
# Words that say nothing of the name they follow; "all", "only", "both", "before" and
# "after" stay, since they are what tells two names apart.
_EMPTY = frozenset(
    """a an the of to in on at by for from with as is are was were be been it its it's they
    them their there that this which who what so can could will would does do did has have
    had and or but while whereas whilst just also too than then into one e g eg ie i
    like such""".split()  # noqa: SIM905 - a word list reads best as running text
)
_ARTICLES = ("the ", "a ", "an ")
_MIN_SWAPS = 2


@dataclass(frozen=True, slots=True)
class NameSwap:
    fact: str  # the reference's word for the fact
    owner: str  # the name the reference says it of
    said_of: str  # the name the answer says it of


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _key(token: str) -> str:
    return stem(token) if token[:1].isalnum() else token


def _name(raw: str) -> tuple[str, ...]:
    low = raw.strip().lower()
    for art in _ARTICLES:
        if low.startswith(art):
            low = low[len(art):]
    return tuple(t for t in _tokens(low) if t not in _BREAKS)


def _said(
    toks: list[str], names: tuple[tuple[str, ...], ...], name_words: frozenset[str], *,
    answer: bool = False,
) -> list[tuple[int, str, bool, str]]:
    """(name index, stem, negated, surface) for every word said after a name.

    A name owns what follows only where it opens its clause: in "rent is fixed and raw
    materials are variable" nothing is said of "fixed". In an answer it owns no more than
    its clause: terse notes ("truncate = all rows fast, structure stays") run on after a
    comma with words the reference says of another name.
    """
    out = []
    owner = -1
    neg = False
    fresh = True  # no word with content yet in this clause
    i = 0
    keys = [_key(t) for t in toks]
    while i < len(toks):
        t = toks[i]
        hit = next((n for n, name in enumerate(names) if tuple(keys[i:i + len(name)]) == name),
                   -1)
        if hit >= 0:
            owner, neg, fresh = (hit if fresh else -1), False, False
            i += len(names[hit])
            continue
        i += 1
        if t in _BREAKS:
            neg, fresh = False, True
            if answer and not t[:1].isalpha():
                owner = -1
            continue
        if t in NEGATIONS or t.endswith("n't"):
            neg = True
            continue
        if t not in _EMPTY:
            fresh = False
        if owner < 0 or t in _EMPTY or keys[i - 1] in name_words or len(t) <= 1:
            continue
        out.append((owner, keys[i - 1], neg, t))
    return out


@dataclass(frozen=True, slots=True)
class NamedFacts:
    names: tuple[tuple[str, ...], ...]  # longest first
    surfaces: tuple[str, ...]
    facts: dict[str, tuple[int, bool, str]]  # stem -> (name index, negated, surface)
    name_words: frozenset[str]


@lru_cache(maxsize=4096)
def named_facts(question: str, reference: str) -> NamedFacts | None:
    """The question's two contrasted names and the words the reference says of one only."""
    m = next((m for p in _PAIRS if (m := p.search(question.strip())) is not None), None)
    if m is None:
        return None
    raw = _SEP.split(m.group("names"))
    if "other" in m.re.groupindex:
        raw.append(m.group("other"))
    pair = [n for n in (_name(r) for r in raw) if n]
    if len(pair) < 2 or len(set(pair)) < len(pair) or any(len(n) > 4 for n in pair):
        return None
    pair.sort(key=len, reverse=True)
    names = tuple(tuple(_key(w) for w in n) for n in pair)
    words = frozenset(w for n in names for w in n)
    owners: dict[str, set[int]] = {}
    first: dict[str, tuple[int, bool, str]] = {}
    for owner, key, neg, surface in _said(_tokens(reference), names, words):
        owners.setdefault(key, set()).add(owner)
        first.setdefault(key, (owner, neg, surface))
    facts = {k: f for k, f in first.items() if len(owners[k]) == 1}
    if len({f[0] for f in facts.values()}) < 2:
        return None
    return NamedFacts(names, tuple(" ".join(n).upper() for n in pair), facts, words)


def swapped_names(model: NamedFacts | None, answer: str) -> NameSwap | None:
    """The first fact the answer says of the other name, when swaps outnumber agreements."""
    if model is None:
        return None
    swaps: list[NameSwap] = []
    agree = 0
    for owner, key, neg, _ in _said(_tokens(answer), model.names, model.name_words,
                                    answer=True):
        fact = model.facts.get(key)
        if fact is None:
            continue
        same_owner = owner == fact[0]
        if same_owner == (neg == fact[1]):
            agree += 1
        elif not same_owner:
            swaps.append(NameSwap(fact[2], model.surfaces[fact[0]], model.surfaces[owner]))
    # One swapped word can be a loose paraphrase ("some/all rows"); two are a swap.
    return swaps[0] if len(swaps) >= _MIN_SWAPS and len(swaps) > agree else None
