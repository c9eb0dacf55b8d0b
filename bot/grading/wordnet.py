"""Synonyms, related forms and antonyms of common English words, from WordNet 3.0.

"Related" covers what a learner may say instead of the reference word and still mean it: words
sharing one of the top senses, derivations ("explode" ~ "explosion"), pertainyms ("solar" ~
"sun"), WordNet's "also see" near-synonyms and verb groups. Broader words (hypernyms, an
adjective's head) are not included, so a vaguer answer does not match a precise reference.

The relations are precomputed by `bench/build_wordnet_relations.py` into a small text file
(snowball stems, one line per stem, both directions of every pair) that ships with the
package, so the bot needs neither a download nor the 30 MB database at run time. The file is
kept as one string and a stem's line is found and split only when a card asks for that word.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

_EMPTY: frozenset[str] = frozenset()


@lru_cache(maxsize=1)
def _table() -> str:
    """The file as one string, searched per stem: a dict of its lines would cost the bot
    process megabytes for the few hundred stems a deck's cards ever ask about."""
    return "\n" + files("bot.grading").joinpath("wordnet_relations.txt").read_text(
        encoding="utf-8")


def _line(key: str) -> str | None:
    if not key or any(c.isspace() for c in key):
        return None
    table = _table()
    at = table.find(f"\n{key} ~ ")
    if at < 0:
        return None
    start = at + len(key) + 4
    end = table.find("\n", start)
    return table[start:end if end >= 0 else len(table)]


@lru_cache(maxsize=8192)
def _entry(key: str) -> tuple[frozenset[str], frozenset[str]]:
    rest = _line(key)
    if rest is None:
        return _EMPTY, _EMPTY
    same, _, opp = rest.partition("!")
    return frozenset(same.split()), frozenset(opp.split())


def is_word(key: str) -> bool:
    """WordNet relates this stem to something: it is an English word in its own right."""
    return _line(key) is not None


def related(key: str) -> frozenset[str]:
    """Stems that mean the same in a common sense of `key` (or are its derived forms)."""
    return _entry(key)[0]


def opposite(key: str) -> frozenset[str]:
    return _entry(key)[1]
