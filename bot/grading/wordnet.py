"""Synonyms, related forms and antonyms of common English words, from WordNet 3.0.

The relations are precomputed by `bench/build_wordnet_relations.py` into a small text file
(snowball stems, one line per stem, both directions of every pair) that ships with the
package, so the bot needs neither a download nor the 30 MB database at run time. The file is
kept as one string per stem and a line is split only when a card asks for that word.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

_EMPTY: frozenset[str] = frozenset()


def parse_lines(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            head, _, rest = line.partition(" ~ ")
            out[head] = rest
    return out


@lru_cache(maxsize=1)
def _lines() -> dict[str, str]:
    return parse_lines(
        files("bot.grading").joinpath("wordnet_relations.txt").read_text(encoding="utf-8")
    )


@lru_cache(maxsize=8192)
def _entry(key: str) -> tuple[frozenset[str], frozenset[str]]:
    rest = _lines().get(key)
    if rest is None:
        return _EMPTY, _EMPTY
    same, _, opp = rest.partition("!")
    return frozenset(same.split()), frozenset(opp.split())


def related(key: str) -> frozenset[str]:
    """Stems that mean the same in a common sense of `key` (or are its derived forms)."""
    return _entry(key)[0]


def opposite(key: str) -> frozenset[str]:
    return _entry(key)[1]
