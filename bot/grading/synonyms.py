"""The synonym table: equivalent wordings and opposites, shipped as `synonyms.txt`.

A plain text file so that a teacher can extend it without touching Python; it is parsed
once per process, and a card's own `alts` are layered on top of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from bot.grading.lexicon import NUMBER_WORDS, STOPWORDS
from bot.grading.spelling import stem

_STEMMED_STOPS = frozenset(stem(w) for w in STOPWORDS)


@dataclass(frozen=True, slots=True)
class SynonymTable:
    """Phrase rewrites and opposites, keyed by stem tuples."""

    phrases: dict[tuple[str, ...], str]
    content_phrases: dict[tuple[str, ...], str]
    # A multi-word concept's own sub-concepts ("stochastic gradient descent" -> stochast,
    # gradient_descent): naming some of them earns part of the credit.
    parts: dict[str, tuple[str, ...]]
    antonyms: dict[str, str]
    surface: frozenset[str]
    max_len: int
    # First stem of every phrase longer than one word: most words start none, so the
    # phrase search is skipped for them.
    starts: frozenset[str]
    content_starts: frozenset[str]
    surface_stems: frozenset[str] = frozenset()
    long_words: frozenset[str] = frozenset()  # typo targets (analysis.make_lexicon)


def _words(entry: str) -> list[str]:
    words = re.findall(r"[a-z0-9_]+", entry.lower().replace("-", " "))
    return [NUMBER_WORDS.get(w, w) for w in words]


def _stems(entry: str) -> tuple[str, ...]:
    return tuple(w if "_" in w else stem(w) for w in _words(entry))


def _canon(head: str) -> str:
    words = _words(head)
    if len(words) == 1:
        return words[0] if "_" in words[0] else stem(words[0])
    return "_".join(words)


def _split(
    words: tuple[str, ...], phrases: dict[tuple[str, ...], str], whole: str
) -> tuple[str, ...]:
    """Greedy canonical reading of a phrase's words, never as the whole phrase."""
    out: list[str] = []
    i = 0
    while i < len(words):
        for n in range(min(len(words) - i, len(words) - 1), 0, -1):
            hit = phrases.get(words[i : i + n])
            hit = None if hit == whole else hit
            if hit is not None or n == 1:
                key = hit if hit is not None else words[i]
                if words[i] not in _STEMMED_STOPS:
                    out.append(key)
                i += n
                break
    return tuple(dict.fromkeys(out))


def build_table(groups: list[list[str]], antonym_pairs: list[tuple[str, str]]) -> SynonymTable:
    """Compile synonym groups so that lookup is a dict hit per candidate phrase."""
    phrases: dict[tuple[str, ...], str] = {}
    content: dict[tuple[str, ...], str] = {}
    heads: dict[str, tuple[str, ...]] = {}
    surface: set[str] = set()
    for group in groups:
        canon = _canon(group[0])
        heads.setdefault(canon, _stems(group[0].replace("_", " ")))
        for alt in group:
            key = _stems(alt)
            if not key:
                continue
            surface.update(re.findall(r"[a-z]+", alt.lower()))
            phrases.setdefault(key, canon)
            words = _words(alt)
            ckey = tuple(k for k, w in zip(key, words, strict=False) if w not in STOPWORDS)
            if ckey and (len(ckey) > 1 or len(key) == 1):
                content.setdefault(ckey, canon)
    parts = {
        c: p for c, words in heads.items() if len(words) > 1 and (p := _split(words, phrases, c))
    }
    antonyms: dict[str, str] = {}
    for a, b in antonym_pairs:
        ca, cb = phrases.get(_stems(a)), phrases.get(_stems(b))
        if ca and cb:
            antonyms[ca] = cb
            antonyms[cb] = ca
    max_len = max((len(k) for k in phrases), default=1)
    return SynonymTable(
        phrases,
        content,
        parts,
        antonyms,
        frozenset(surface),
        max_len,
        frozenset(k[0] for k in phrases if len(k) > 1),
        frozenset(k[0] for k in content if len(k) > 1),
        frozenset(stem(w) for w in surface),
        frozenset(w for w in surface if len(w) >= 6),
    )


def parse_table(text: str) -> tuple[list[list[str]], list[tuple[str, str]]]:
    groups: list[list[str]] = []
    pairs: list[tuple[str, str]] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "<>" in line:
            a, b = (p.strip() for p in line.split("<>", 1))
            pairs.append((a, b))
        else:
            groups.append([p.strip() for p in line.split("|") if p.strip()])
    return groups, pairs


def table_text() -> str:
    return files("bot.grading").joinpath("synonyms.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def default_table() -> SynonymTable:
    """The shipped table, parsed once per process."""
    groups, pairs = parse_table(table_text())
    return build_table(groups, pairs)
