"""Word lists and the synonym table: the grader's knowledge of English and of the field.

Kept apart from the matching code so that a teacher can extend `synonyms.txt` without
touching Python, and so that the table is parsed once per process, not once per answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import snowballstemmer

# Function words carry no concept; they are still counted, because a "sentence" without any
# of them is a bag of keywords (see traps.py).
STOPWORDS = frozenset(
    """
    a an the this that these those it its it's they them their there here he she we you
    your our us i me my mine one's of in on at to into onto from by with within without
    for as about over under between through throughout during per via up down out off
    than then so such and or nor but if while whereas although though because since
    until till unless when where which who whom whose what why how whether is are was
    were be been being am do does did done doing have has had having can could will
    would shall should may might must also just only even still yet again already ever
    both each every all any some most other another own same too very really quite
    rather pretty much many more lot lots bit kind sort thing things something anything
    everything someone way ok okay well basically actually simply generally usually
    typically normally often always sometimes certain specific specifically particular
    i'm im think guess believe sure probably maybe perhaps like called call get gets got
    getting make makes made making let lets use used uses using via etc eg ie incl
    including e.g i.e vs namely apply applying applied applies help helps helped take takes taking took so-called one's oneself yes yeah hmm um uh just
    """.split()  # noqa: SIM905 - a word list reads best as running text
)
# "one" stays a content word (one epoch, one mini-batch); numbers are matched as numbers.
NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "once": "1",
    "twice": "2",
    "single": "1",
    "half": "half",
}
NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "none",
        "nor",
        "cannot",
        "neither",
        "nothing",
        "without",
        "instead",
        "rather",
        "opposite",
        "nobody",
        "nowhere",
    }
)
# Words that start a new clause: relations are only read inside one clause.
CLAUSE_BREAKS = frozenset(
    {
        "then",
        "than",
        "while",
        "whereas",
        "after",
        "afterwards",
        "before",
        "until",
        "till",
        "because",
        "since",
        "but",
        "so",
        "although",
        "though",
        "whilst",
        "however",
        "otherwise",
        "finally",
        "next",
        "first",
        "firstly",
        "secondly",
        "lastly",
    }
)
EXAMPLE_CUES = frozenset({"eg", "e.g", "such", "incl", "including", "like", "etc", "ie"})
# Nouns so common in the field that matching them alone proves little.
GENERIC = frozenset(
    {
        "data",
        "dataset",
        "model",
        "function",
        "set",
        "valu",
        "number",
        "method",
        "techniqu",
        "process",
        "step",
        "result",
        "thing",
        "way",
        "approach",
        "system",
        "train",
        "layer",
        "network",
        "architectur",
        "item",
        "size",
        "measur",
        "predict",
        "combin",
        "same",
        "1",
        "time",
    }
)
IDK = frozenset(
    {
        "idk",
        "dunno",
        "no idea",
        "i don't know",
        "i dont know",
        "dont know",
        "don't know",
        "do not know",
        "i do not know",
        "not sure",
        "no clue",
        "pass",
        "skip",
        "?",
        "??",
        "???",
        "forgot",
        "i forgot",
        "no",
        "nothing",
        "-",
        "n/a",
        "na",
        "none",
        "...",
        "x",
        "no answer",
        "idk really",
        "can't remember",
        "cant remember",
        "i can't remember",
        "not a clue",
        "no clue at all",
        "blank",
    }
)

_BRITISH_WORDS = {
    "colour": "color",
    "behaviour": "behavior",
    "neighbour": "neighbor",
    "favour": "favor",
    "flavour": "flavor",
    "labour": "labor",
    "honour": "honor",
    "humour": "humor",
    "rumour": "rumor",
    "vapour": "vapor",
    "centre": "center",
    "metre": "meter",
    "litre": "liter",
    "fibre": "fiber",
    "analyse": "analyze",
    "catalogue": "catalog",
    "dialogue": "dialog",
    "analogue": "analog",
    "defence": "defense",
    "licence": "license",
    "grey": "gray",
    "programme": "program",
    "whilst": "while",
    "amongst": "among",
    "aeroplane": "airplane",
    "modelling": "modeling",
    "modelled": "modeled",
    "labelled": "labeled",
    "labelling": "labeling",
    "travelled": "traveled",
    "cancelled": "canceled",
    "learnt": "learned",
    "towards": "toward",
    "artefact": "artifact",
    "sceptical": "skeptical",
    "judgement": "judgment",
    "optimisation": "optimization",
    "normalisation": "normalization",
    "regularisation": "regularization",
}
_ISE_KEEP = frozenset(
    {
        "rise",
        "wise",
        "precise",
        "exercise",
        "noise",
        "raise",
        "otherwise",
        "concise",
        "promise",
        "surprise",
        "advise",
        "comprise",
        "expertise",
        "likewise",
        "premise",
        "revise",
        "supervise",
        "compromise",
        "enterprise",
        "despise",
        "disguise",
        "franchise",
        "improvise",
        "clockwise",
        "arise",
        "poise",
        "praise",
        "cruise",
        "bruise",
        "chaise",
        "anise",
        "guise",
        "raised",
        "raising",
        "raises",
        "noisy",
        "precisely",
        "exercises",
    }
)
_ISE = re.compile(r"(?<=[a-z]{3})is(e|ed|es|ing|ation|ations|er|ers)$")
_OUR = re.compile(r"(?<=[a-z]{3})our(s|ed|ing|ful|ite|ites)?$")

_STEMMER = snowballstemmer.stemmer("english")


@lru_cache(maxsize=65536)
def americanise(word: str) -> str:
    """Fold British spellings so "generalise" and "generalize" share a stem."""
    if word in _BRITISH_WORDS:
        return _BRITISH_WORDS[word]
    if word in _ISE_KEEP or len(word) < 6:
        return word
    word = _ISE.sub(lambda m: "iz" + m.group(1), word)
    return (
        _OUR.sub(lambda m: "or" + (m.group(1) or ""), word)
        if word[:-3]
        in {"col", "behavi", "neighb", "fav", "flav", "lab", "hon", "hum", "rum", "vap"}
        else word
    )


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return str(_STEMMER.stemWord(americanise(word)))


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
