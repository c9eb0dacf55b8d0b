"""Synonyms, related forms and antonyms of common English words, from WordNet 3.0.

The relations are precomputed by `bench/build_wordnet_relations.py` into a small text file
(snowball stems, one line each) that ships with the package, so the bot needs neither a
download nor the 30 MB database at run time. Loaded once, on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

_EMPTY: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Relations:
    related: dict[str, frozenset[str]]
    opposite: dict[str, frozenset[str]]


def parse_relations(text: str) -> Relations:
    related: dict[str, set[str]] = {}
    opposite: dict[str, set[str]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, rest = line.partition(" ~ ")
        same, _, opp = rest.partition("!")
        for table, words in ((related, same.split()), (opposite, opp.split())):
            for w in words:
                # Both directions: the file lists each pair under one of its words.
                table.setdefault(head, set()).add(w)
                table.setdefault(w, set()).add(head)
    return Relations(
        {k: frozenset(v) for k, v in related.items()},
        {k: frozenset(v) for k, v in opposite.items()},
    )


@lru_cache(maxsize=1)
def relations() -> Relations:
    text = files("bot.grading").joinpath("wordnet_relations.txt").read_text(encoding="utf-8")
    return parse_relations(text)


def related(key: str) -> frozenset[str]:
    """Stems that mean the same in a common sense of `key` (or are its derived forms)."""
    return relations().related.get(key, _EMPTY)


def opposite(key: str) -> frozenset[str]:
    return relations().opposite.get(key, _EMPTY)
