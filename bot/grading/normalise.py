"""Text normalisation and tokenisation shared by references and learner answers.

Both sides go through the same pipeline so that the matcher compares like with like: a
reference typed with typographic quotes and an answer typed on a phone keyboard must meet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.grading.formulas import rewrite

# Typographic characters that NFKC leaves alone but learners never type the same way.
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": " - ",
        "\u2013": " - ",
        "\u2014": " - ",
        "\u2015": " - ",
        "\u2212": "-",
        "\u2192": " -> ",
        "\u21d2": " -> ",
        "\u00d7": " x ",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2022": "\n",
        "\u00b7": " ",
    }
)

# Abbreviations whose dots would otherwise end a sentence.
_DOTTED = re.compile(r"\b(e\.\s?g|i\.\s?e|etc|incl|vs|approx|resp)\.?(?=\W|$)", re.IGNORECASE)
_ABBREV = ((re.compile(r"\b(cannot)\b", re.IGNORECASE), "can not"),)

# One regex for every token kind; order matters: code first, so `learn.lr_find()` stays whole.
_TOKEN = re.compile(
    r"(?P<code>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?:\(\))?|[A-Za-z_]\w*\(\)|[A-Za-z]\w*_\w+|"
    r"[a-z]+[A-Z][A-Za-z]*|[A-Z][a-z]+[A-Z][A-Za-z]*)"
    r"|(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e-?\d+)?)"
    r"|(?P<word>[A-Za-z][A-Za-z0-9]*)"
    r"|(?P<arrow>->|=>|-{2,}|\s-\s)"
    r"|(?P<stop>[.;!?\n]+)|(?P<colon>:)|(?P<open>\((?=\D))|(?P<close>\))"
    r"|(?P<comma>[,/+&=])"
)

_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")


@dataclass(frozen=True, slots=True)
class Tok:
    """A raw token: `kind` is word, code, num or one of the boundary kinds."""

    kind: str
    text: str
    start: int = 0  # offsets into `clean(text)`, for quoting the reference back
    end: int = 0


_JUNK = frozenset({"So", "Sk", "Cs", "Co", "Cn", "Mn", "Cf"})


def clean(text: str) -> str:
    """Fold Unicode, quotes, dashes and emoji so that look-alike input compares equal."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text).translate(_TRANSLATE)
        # Emoji and other symbols carry no content; dropping them keeps "overfitting 💪".
        text = "".join(" " if unicodedata.category(ch) in _JUNK else ch for ch in text)
    text = rewrite(text)
    for pattern, repl in _ABBREV:
        text = pattern.sub(repl, text)
    text = _DOTTED.sub(lambda m: " " + m.group(1).replace(".", "").replace(" ", "") + " ", text)
    return text


def code_parts(token: str) -> list[str]:
    """Split an identifier into lower-case words: `ImageDataLoaders.from_name_func`."""
    parts: list[str] = []
    for piece in re.split(r"[._()]+", token):
        parts.extend(p.lower() for p in _CAMEL.findall(piece))
    return parts


def code_key(token: str) -> str:
    """The name a code answer is judged by: the last dotted component, without the call."""
    return token.rstrip("()").rsplit(".", 1)[-1].lower()


def tokenise(text: str) -> tuple[Tok, ...]:
    """Turn raw text into tokens, keeping identifiers whole and marking clause boundaries."""
    text = clean(text)
    out: list[Tok] = []
    for m in _TOKEN.finditer(" " + text + " "):
        kind = m.lastgroup or "word"
        value = m.group()
        start, end = max(0, m.start() - 1), m.end() - 1
        if kind == "word":
            # "US" is the country; "us" the pronoun, a stop word.
            value = "usa" if value == "US" else value.lower()
        elif kind == "arrow":
            kind, value = "stop", "->"
        elif kind == "stop":
            value = "\n" if "\n" in value else value.strip()[:1]
        elif kind == "num":
            value = value.replace(",", "")  # "100,000" is one number, not two items
        elif kind != "code":
            value = value.strip()
        out.append(Tok(kind, value, start, end))
    return _merge_contractions(out)


_NEG_SUFFIX = {
    "don",
    "doesn",
    "didn",
    "isn",
    "aren",
    "wasn",
    "weren",
    "hasn",
    "haven",
    "hadn",
    "shouldn",
    "wouldn",
    "couldn",
    "can",
    "won",
    "ain",
    "mustn",
    "needn",
}


def _merge_contractions(toks: list[Tok]) -> tuple[Tok, ...]:
    """Rejoin "doesn ' t" style splits into a word plus an explicit "not"."""
    out: list[Tok] = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if (
            t.kind == "word"
            and nxt is not None
            and nxt.kind == "word"
            and nxt.text == "t"
            and (t.text in _NEG_SUFFIX)
        ):
            out.append(Tok("word", "not", t.start, nxt.end))
            i += 2
            continue
        if (
            t.kind == "word"
            and len(t.text) == 1
            and t.text in "sdm"
            and out
            and out[-1].kind == "word"
        ):
            i += 1  # possessive or contraction tail ("model's", "I'm")
            continue
        if t.kind == "word" and t.text in {"ve", "re", "ll"} and out:
            i += 1
            continue
        if t.kind == "word" and t.text.endswith("nt") and t.text[:-2] in _NEG_SUFFIX:
            out.append(Tok("word", "not", t.start, t.end))
            i += 1
            continue
        out.append(t)
        i += 1
    return tuple(out)
