"""How much a word says: rare words name ideas, frequent ones glue sentences together.

Corpus frequency comes from `wordfreq`'s small English list (a Zipf scale: 7 for "the",
about 5 for "model" or "data", about 3 for "exponential"). The words common enough to weigh
less than a rare word ship as `word_zipf.txt`, written by `bench/build_word_weights.py`, so
the bot does not import wordfreq (about 18 MiB) for one lookup per word.
The deck adds its own view: a word in many of a deck's references
("learning rate" in a deck about learning rates) tells its cards apart poorly.
"""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

# Zipf values between which the weight falls linearly from 1 to FLOOR.
RARE_ZIPF = 3.5
COMMON_ZIPF = 6.5
FLOOR = 0.25
# A key in at least this share of a deck's references (and at least DECK_MIN cards) weighs
# half (concepts.deck_common).
DECK_SHARE = 0.3
DECK_MIN = 3


@lru_cache(maxsize=1)
def _table() -> str:
    """The table as one string, searched per word: a dict of its 15k lines would cost the
    bot process megabytes for lookups that `word_weight`'s cache mostly answers anyway."""
    return "\n" + files("bot.grading").joinpath("word_zipf.txt").read_text(encoding="utf-8")


@lru_cache(maxsize=8192)
def zipf_frequency(word: str) -> float:
    """Zipf frequency of a common word; 0 for the rare ones the table leaves out."""
    if not word or any(c.isspace() for c in word):
        return 0.0
    table = _table()
    at = table.find(f"\n{word} ")
    if at < 0:
        return 0.0
    start = at + len(word) + 2
    end = table.find("\n", start)
    return float(table[start:end if end >= 0 else len(table)])


@lru_cache(maxsize=65536)
def word_weight(word: str) -> float:
    """1.0 for rare, specific words down to FLOOR for the most frequent ones."""
    words = [w for w in word.lower().replace("_", " ").replace("-", " ").split() if w]
    if not words:
        return FLOOR
    if len(words) > 1:
        # A phrase ("learning rate") is a term: as specific as its rarest word.
        return max(word_weight(w) for w in words)
    if words[0][:1].isdigit():
        return 0.5
    z = zipf_frequency(words[0])
    if z <= RARE_ZIPF:
        return 1.0
    return max(FLOOR, 1.0 - (1.0 - FLOOR) * (z - RARE_ZIPF) / (COMMON_ZIPF - RARE_ZIPF))
