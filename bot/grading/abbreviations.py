"""Short forms a learner types for the card's own words: initials ("Qd" for "quantity
demanded", "GIL", "SR") and clipped words ("temp", "grads", "euks" for "eukaryotic").

A fixed list (formulas.INFORMAL) cannot know every field's jargon, but the card itself spells
out the long forms, so the short forms are read off the card: initials of adjacent content
words, and the head of a longer card word. Both are looked up only for answer words that
neither the card nor the synonym table knows, so a word the reference uses keeps its meaning.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.grading.informativeness import zipf_frequency
from bot.grading.lexicon import NEGATIONS, STOPWORDS
from bot.grading.normalise import tokenise
from bot.grading.spelling import stem
from bot.grading.wordnet import is_word

# Initials of two to four adjacent words ("LRAC" for "long run average cost").
MIN_INITIALS, MAX_INITIALS = 2, 4
# A frequent word means itself: "go" is not "gradient overflow". Initials are strong evidence
# (the letters are the card's own phrase), so only very common words are kept as they are.
INITIALS_MAX_ZIPF = 4.9
# A clipped word keeps at least this many letters, and drops at least CLIP_MIN_CUT of them.
MIN_CLIP = 3
CLIP_MIN_CUT = 2
# A common word means itself ("parts" is not "particles", "period" is not "periodic").
CLIP_MAX_ZIPF = 4.0
# What the clip leaves out is not a word of its own (a common word, or one WordNet relates):
# "earth(quakes)", "sea(water)" and "over(fitting)" are compounds, not abbreviations.
MIN_REST_WORD = 3


@dataclass(frozen=True, slots=True)
class CardTerms:
    """A card's words as its short forms are read against them, indexed once per card so
    that an unknown answer word costs a set lookup, not a scan of the card."""

    runs: tuple[tuple[str, ...], ...]  # adjacent content words: what initials stand for
    firsts: frozenset[str]  # their first letters
    long_words: tuple[str, ...]  # words a clip may stand for, sorted: the first spelling wins


def card_terms(vocab: frozenset[str] | set[str], *texts: str) -> CardTerms:
    out: list[tuple[str, ...]] = []
    for text in texts:
        run: list[str] = []
        for tok in tokenise(text):
            if tok.kind == "word" and tok.text not in STOPWORDS and tok.text.isalpha():
                run.append(tok.text)
                continue
            if len(run) >= MIN_INITIALS:
                out.append(tuple(run))
            run = []
        if len(run) >= MIN_INITIALS:
            out.append(tuple(run))
    return CardTerms(
        tuple(out),
        frozenset(w[0] for run in out for w in run),
        tuple(sorted(w for w in vocab if len(w) >= MIN_CLIP + CLIP_MIN_CUT and _plain(w))),
    )


def _a_word(rest: str) -> bool:
    return len(rest) >= MIN_REST_WORD and (zipf_frequency(rest) > 0 or is_word(stem(rest)))


def _plain(word: str) -> bool:
    return word.isalpha() and word not in STOPWORDS and word not in NEGATIONS


def initials(word: str, terms: CardTerms) -> tuple[str, ...] | None:
    """The one phrase of the card whose initials `word` spells ("qd", "lrs"), if any."""
    if not set(word) <= terms.firsts | {"s"} or not _plain(word):
        return None
    if zipf_frequency(word) >= INITIALS_MAX_ZIPF:
        return None
    found: set[tuple[str, ...]] = set()
    for letters in {word, word[:-1] if word.endswith("s") else word}:
        n = len(letters)
        if not MIN_INITIALS <= n <= MAX_INITIALS:
            continue
        for run in terms.runs:
            for i in range(len(run) - n + 1):
                window = run[i : i + n]
                if all(w[0] == c for w, c in zip(window, letters, strict=True)):
                    found.add(window)
    # Two phrases with the same initials: the learner's meaning is unknown.
    return found.pop() if len(found) == 1 else None


def unclip(word: str, terms: CardTerms) -> str | None:
    """The one card word `word` is the head of ("temp" -> "temperature"), if any."""
    if not _plain(word) or zipf_frequency(word) >= CLIP_MAX_ZIPF:
        return None
    heads = {word, word[:-1]} if word.endswith("s") else {word}
    found: dict[str, str] = {}
    for head in heads:
        if len(head) < MIN_CLIP:
            continue
        for full in terms.long_words:
            if (
                len(full) - len(head) >= CLIP_MIN_CUT
                and full.startswith(head)
                and not _a_word(full[len(head) :])
            ):
                found.setdefault(stem(full), full)
    return next(iter(found.values())) if len(found) == 1 else None
