"""Turn text into canonical concept units: the common currency of references and answers.

Typos, word forms, British spelling, compounds and synonyms are all resolved here, so that
later stages compare plain keys. Negation is resolved here too, because its scope is a
property of the sentence, not of the reference being compared with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import islice

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.grading.abbreviations import CardTerms, initials, unclip
from bot.grading.elements import named_element
from bot.grading.formulas import INFORMAL
from bot.grading.lexicon import (
    CLAUSE_BREAKS,
    EXAMPLE_CUES,
    NEGATIONS,
    NO,
    NOT_GRAMMAR,
    NUMBER_WORDS,
    STOPWORDS,
)
from bot.grading.normalise import Tok, code_key, code_parts, tokenise
from bot.grading.spelling import americanise, stem
from bot.grading.synonyms import SynonymTable

# Verbs that flip what follows: "tackle overfitting" and "does not overfit" agree.
_FLIP_WORDS = (
    "tackle", "prevent", "avoid", "combat", "counter", "counteract", "fight", "mitigate",
    "reduce", "minimize", "lessen", "eliminate", "stop", "inhibit", "suppress", "curb",
    "quit", "halt", "cease",
)  # fmt: skip
FLIPPERS = frozenset(stem(w) for w in _FLIP_WORDS)
# After a comma these start a new thought: "tackle overfitting, as we loop many times";
# a setting (", where the curves meet") and an accompaniment (", with embedded proteins") are
# details of the statement before them.
SUBORDINATORS = frozenset(
    {"as", "because", "since", "so", "which", "thus", "hence", "whereas", "while", "therefore",
     "usually", "typically", "often", "mostly", "especially", "allowing", "making", "giving",
     "where", "with"}
)
# These start a new thought even without a comma: "capping it so it cannot explode".
SEG_WORDS = frozenset({"so", "because", "but", "whereas", "thus", "hence", "therefore"})
# "also called L2 regularisation", "aka": another name, accepted but not required.
ALIAS_CUES = frozenset({"aka", "alias"})
# A gerund after "by" names how the core statement is done ("by applying transformations").
_MEANS = re.compile(r"[a-z]{3,}ing")
_INFLECTION = re.compile(r"(ers|er|est|ed|es|s|ing|ly|ion|ions|ive|ation|ations)$")
_STRONG_SCOPE = 1
_FLIP_SCOPE = 1
# A flipping verb straight before one of these has no object: "we stop and choose", "prevent
# with prepared statements" (the means, not what is prevented).
_NO_OBJECT = frozenset({"and", "or", "&", "with", "by", "using", "via", "through"})
# A flipping verb whose object is one of these denies nothing the answer names: "prevent it
# with parameterised queries" does not deny the queries.
_OBJECT_PRONOUNS = frozenset({"it", "them", "this", "that", "these", "those"})
# "keep prices from rising" prevents as "stop prices rising" does.
_KEEP = frozenset({"keep", "keeps", "kept", "keeping"})
_DETERMINERS = frozenset({"the", "a", "an", "its", "their", "his", "her", "our", "your"})
_OBJECT_WORDS = 3  # "prevent [the natural ligand] from binding"
_NOT_GERUNDS = frozenset({"during", "nothing", "something", "anything", "everything", "string",
                          "spring", "morning", "evening", "ceiling", "building", "setting"})
# Verbs that say little beyond their object: in "does not contain carbon" the negation falls
# on "carbon" too, so it stays open past them.
_LIGHT_VERBS = frozenset(
    {"contain", "includ", "have", "has", "need", "requir", "involv", "tri", "attempt"}
)


class Role(StrEnum):
    MAIN = "main"
    EXAMPLE = "example"  # after "e.g.", "such as": nice to have, not required
    ASIDE = "aside"  # inside parentheses
    CODE = "code"  # the name a code answer is judged by
    CODEPART = "codepart"  # words inside an identifier


@dataclass(frozen=True, slots=True)
class Unit:
    key: str
    neg: bool
    seg: int
    clause: int
    item: int
    role: Role
    surface: str
    header: bool = False
    start: int = 0  # span in `clean(text)`
    end: int = 0


@dataclass(frozen=True, slots=True)
class Analysis:
    units: tuple[Unit, ...]
    n_words: int
    n_function: int
    structured: bool
    comparative: bool  # "X gets a higher LR than Y" names both sides of a contrast
    seg_breaks: tuple[str, ...]
    first_word: str  # "yes"/"no" verdicts open an answer
    says_no: bool  # any "no", "not", "never"...
    # "more" is a function word (no unit), but it is the opposite of a reference's "less".
    says_more: bool = False


@dataclass(eq=False)
class Lexicon:
    """The synonym table plus one card's vocabulary, for typo repair and compounds.

    The table's own words live once in the table; a card keeps only its own words, so that
    thousands of cached cards do not each copy the table's vocabulary.
    """

    table: SynonymTable
    vocab: frozenset[str]
    stems: frozenset[str]
    candidates: tuple[str, ...]
    # The card's words indexed for its short forms (abbreviations.py); None for a whole
    # deck's lexicon: short forms are read against one card, not thousands of them.
    terms: CardTerms | None = None
    memo: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def knows(self, word: str) -> bool:
        """The word, or its stem, is the card's or the table's."""
        if word in self.vocab or word in self.table.surface:
            return True
        s = stem(word)
        return s in self.stems or s in self.table.surface_stems


def make_lexicon(
    table: SynonymTable, card_words: set[str], terms: CardTerms | None = None
) -> Lexicon:
    # Long table words and every card word are typo targets; short table words would turn
    # ordinary English ("clean") into jargon ("clear").
    # A typo of the base form ("protien") is one edit from "protein", two from "proteins".
    bases = {b for w in card_words for b in _bases(w)}
    cands = tuple(sorted({w for w in card_words | bases if len(w) >= 4} | table.long_words))
    return Lexicon(
        table, frozenset(card_words), frozenset(stem(w) for w in card_words), cands, terms
    )


def _bases(word: str) -> tuple[str, ...]:
    """The word less an inflection ending, where the stem says it is the same word."""
    s = stem(word)
    return tuple(
        b
        for end in ("s", "es", "d", "ed", "ing")
        if word.endswith(end) and len(b := word[: -len(end)]) >= 4 and stem(b) == s
    )


def _allowed_edits(word: str) -> int:
    """Edit budget scaled to length: short tokens ("lr", "l2") must match exactly."""
    n = len(word)
    return 0 if n < 5 else 1 if n < 9 else 2


def repair(word: str, lex: Lexicon) -> tuple[str, ...]:
    """Return the word as the learner meant it: de-typoed, de-compounded, American."""
    hit = lex.memo.get(word)
    if hit is not None:
        return hit
    out = _repair(word, lex)
    lex.memo[word] = out
    return out


def _repair(word: str, lex: Lexicon) -> tuple[str, ...]:
    w = americanise(INFORMAL.get(word, word))
    if w in NUMBER_WORDS:
        return (NUMBER_WORDS[w],)
    if w in STOPWORDS or w in NEGATIONS:
        return (w,)  # "I", "he", "be" are never iodine, helium, beryllium
    element = named_element(w, lambda e: e in lex.vocab or stem(e) in lex.stems)
    if element is not None and w not in lex.vocab:
        return (element,)  # "C and H" where the card says "carbon and hydrogen"
    if lex.knows(w):
        return (w,)
    if lex.terms is not None:
        short = initials(w, lex.terms)
        if short is not None:
            return short
        full = unclip(w, lex.terms)
        if full is not None:
            return (full,)
    if len(w) <= 3:
        return (w,)
    for suffix, extra in (("er", ""), ("est", ""), ("r", ""), ("st", ""), ("er", "e")):
        base = w[: -len(suffix)] + extra
        if w.endswith(suffix) and len(base) >= 3 and lex.knows(base):
            return (base,)
    for i in range(3, len(w) - 2):
        head, tail = w[:i], w[i:]
        if (head in lex.vocab or head in lex.table.surface) and (
            tail in lex.vocab or stem(tail) in lex.stems
        ):
            return (head, tail)
    # Spelled as heard: "profase", "metafase" for prophase, metaphase.
    sounded = w.replace("f", "ph")
    if sounded != w and lex.knows(sounded):
        return (sounded,)
    budget = _allowed_edits(w)
    if budget:
        best = process.extractOne(w, lex.candidates, scorer=OSA.distance, score_cutoff=budget)
        if best is not None and best[0][0] == w[0]:
            fixed = str(best[0])
            # "loaded" is not a typo of "loader": same root, other ending.
            if _INFLECTION.sub("", fixed) != _INFLECTION.sub("", w):
                return (fixed,)
    return (w,)


@dataclass(slots=True)
class _Entry:
    """One word (or code name) on its way to becoming a unit."""

    stem: str
    surface: str
    seg: int
    clause: int
    item: int
    role: Role
    header: bool = False
    stop: bool = False
    cue: int = 0  # negation scope opened by this word
    flip: bool = False
    atomic: str = ""  # already canonical (code names)
    start: int = 0
    end: int = 0


def _entries(
    toks: tuple[Tok, ...], lex: Lexicon, spans: bool
) -> tuple[list[_Entry], int, int, bool, list[str], list[str]]:
    seg = clause = item = 0
    paren = 0
    example = False
    structured = False
    n_words = n_function = 0
    denied_at = 0  # the gerund a flipping verb before its object denies
    breaks: list[str] = []
    raw_words: list[str] = []
    out: list[_Entry] = []
    for i, tok in enumerate(toks):
        mark = len(out)
        try:
            kind = tok.kind
            if kind == "stop":
                seg, clause, item, example, paren = seg + 1, clause + 1, 0, False, 0
                breaks.append(tok.text[:1] if tok.text != "->" else "->")
                structured = structured or tok.text == "->"
                continue
            if kind == "comma":
                clause, item = clause + 1, item + 1
                structured = structured or tok.text in "+=&/"
                nxt_tok = toks[i + 1] if i + 1 < len(toks) else None
                if tok.text == "," and nxt_tok is not None and nxt_tok.text in SUBORDINATORS:
                    seg, item, example = seg + 1, 0, False
                    breaks.append(",")
                continue
            if kind == "colon":
                structured = True  # "earlier layers: small LR" is one statement
                for e in out:
                    if e.seg == seg:
                        e.header = True
                continue
            if kind == "open":
                paren, clause = paren + 1, clause + 1
                continue
            if kind == "close":
                paren, clause = max(0, paren - 1), clause + 1
                example = example and paren > 0
                continue
            role = Role.EXAMPLE if example else Role.ASIDE if paren else Role.MAIN
            if kind == "num":
                structured = True
                out.append(_Entry(tok.text.lower(), tok.text, seg, clause, item, role))
                continue
            if kind == "code":
                parts = code_parts(tok.text)
                named = [p for p in tok.text.rstrip("()").replace(".", "_").split("_") if p]
                if len(named) >= 2:
                    structured = True
                    out.append(
                        _Entry(
                            "",
                            tok.text,
                            seg,
                            clause,
                            item,
                            role if role != Role.MAIN else Role.CODE,
                            atomic="code:" + code_key(tok.text),
                        )
                    )
                    role = role if role != Role.MAIN else Role.CODEPART
                for part in parts:
                    for w in repair(part, lex):
                        out.append(
                            _Entry(stem(w), part, seg, clause, item, role, stop=w in STOPWORDS)
                        )
                continue
            w = tok.text
            n_words += 1
            raw_words.append(w)
            nxt = toks[i + 1].text if i + 1 < len(toks) else ""
            if w in CLAUSE_BREAKS and not (w == "than" and out and out[-1].surface == "rather"):
                n_function += 1
                clause += 1
                if w in SEG_WORDS and nxt not in {"far", "much", "many", "called"}:
                    seg, item, example = seg + 1, 0, False
                    breaks.append(",")
                continue
            if w == "by" and _MEANS.fullmatch(nxt) and out and not out[-1].stop:
                # "Synthesise proteins by translating mRNA": the means is a detail of the core.
                n_function += 1
                clause += 1
                seg, item, example = seg + 1, 0, False
                breaks.append(",")
                continue
            if w in ALIAS_CUES or (w == "also" and nxt in {"called", "known", "named"}):
                example = True
                n_function += 1
                continue
            if (w in EXAMPLE_CUES and not (w == "like" and out and not out[-1].stop)) or (
                w in {"example", "instance"} and i and toks[i - 1].text == "for"
            ):
                example = True
                n_function += 1
                continue
            if denied_at and i == denied_at:
                # "prevent communism (from) spreading": what is denied is the spreading.
                denied_at = 0
                out.append(_Entry("", "", seg, clause, item, role, stop=True, cue=_FLIP_SCOPE,
                                  flip=True))
            if w == "longer" and i and toks[i - 1].text == "no":
                n_function += 1
                continue  # "no longer improves": the negation falls on what follows
            if w in NEGATIONS:
                n_function += 1
                if w == "not" and nxt == "only":
                    continue  # "not only X but also Y" asserts X
                if w in {"nothing", "none"} and i >= 2 and toks[i - 1].text == "or" and (
                    toks[i - 2].text == "all"
                ):
                    continue  # "all or nothing", "all-or-none": a whole, not a denial
                out.append(_Entry("", w, seg, clause, item, role, stop=True, cue=_STRONG_SCOPE))
                continue
            for fixed in repair(w, lex):
                is_stop = fixed in STOPWORDS
                n_function += is_stop and fixed not in NOT_GRAMMAR
                s = stem(fixed)
                if s in FLIPPERS or w in _KEEP:
                    denied_at = _from_gerund(toks, i, bare=s in FLIPPERS)
                if s in FLIPPERS:
                    n_function += 1
                    # Without an object ("we stop and choose") it denies nothing, nor is it
                    # a word of the statement: "stop" is no opposite of the steps' "start".
                    if nxt in _OBJECT_PRONOUNS:
                        # "doesn't reduce it for others": the verb itself is what is said
                        # (or denied), not the words after its pronoun.
                        out.append(_Entry(s, w, seg, clause, item, role))
                    elif not denied_at and nxt not in _NO_OBJECT:
                        out.append(_Entry("", w, seg, clause, item, role, stop=True,
                                          cue=_FLIP_SCOPE, flip=True))
                else:
                    out.append(_Entry(s, w, seg, clause, item, role, stop=is_stop))

        finally:
            # References remember where each entry came from, to quote them back.
            if spans:
                for e in out[mark:]:
                    e.start, e.end = tok.start, tok.end
    return out, n_words, n_function, structured, breaks, raw_words


def _from_gerund(toks: tuple[Tok, ...], i: int, *, bare: bool) -> int:
    """Where the gerund is when word i is followed by an object and a gerund, "from" between
    them ("stop the natural ligand from binding") or, where `bare`, not, for a one-word object
    ("stop prices rising"; "keep prices rising" is no prevention); 0 when it is not."""
    if i + 2 >= len(toks) or toks[i + 1].kind != "word":
        return 0
    k = i + 2 if toks[i + 1].text in _DETERMINERS else i + 1
    if bare and k + 1 < len(toks) and toks[k].kind == "word" and (
        toks[k].text not in STOPWORDS and _gerund(toks[k + 1])
    ):
        return k + 1
    for j in range(i + 2, min(i + 2 + _OBJECT_WORDS, len(toks) - 1)):
        if toks[j].kind != "word":
            return 0
        if toks[j].text == "from":
            return j + 1 if _gerund(toks[j + 1]) else 0
    return 0


def _gerund(tok: Tok) -> bool:
    return (tok.kind == "word" and len(tok.text) > 5 and tok.text.endswith("ing")
            and tok.text not in _NOT_GERUNDS)


def _canonical(entries: list[_Entry], table: SynonymTable) -> list[tuple[_Entry, str]]:
    """Rewrite phrases to their canonical keys, longest match first, within one clause."""
    out: list[tuple[_Entry, str]] = []
    n = len(entries)
    # A phrase never spans a code name or a negation: `free[i]` is where the run ends.
    free = [n] * (n + 1)
    for j in range(n - 1, -1, -1):
        free[j] = j if entries[j].atomic or entries[j].cue else free[j + 1]
    i = 0
    while i < n:
        e = entries[i]
        if e.atomic or e.cue:
            out.append((e, e.atomic))
            i += 1
            continue
        done = False
        longest = min(table.max_len, free[i] - i) if e.stem in table.starts else 0
        for length in range(longest, 1, -1):
            span = entries[i : i + length]
            canon = table.phrases.get(tuple(x.stem for x in span))
            if canon is not None:
                out.append((_merge(span), canon))
                i += length
                done = True
                break
        if done:
            continue
        if e.stop:
            i += 1
            continue
        # Content-only match: "depth of the model" reads as "depth model".
        content: list[int] = []
        if e.stem in table.content_starts:
            content = list(
                islice(
                    (j for j in range(i, n) if not entries[j].stop and not entries[j].cue),
                    table.max_len,
                )
            )
        for length in range(len(content), 1, -1):
            idx = content[:length]
            if any(entries[j].atomic for j in idx):
                continue
            canon = table.content_phrases.get(tuple(entries[j].stem for j in idx))
            if canon is not None:
                out.append((_merge([entries[j] for j in idx]), canon))
                for j in idx[1:]:
                    entries[j] = _Entry("", "", e.seg, e.clause, e.item, e.role, stop=True)
                i += 1
                done = True
                break
        if done:
            continue
        single = table.phrases.get((e.stem,))
        out.append((e, single if single is not None else e.stem))
        i += 1
    return out


def _merge(span: list[_Entry]) -> _Entry:
    first = span[0]
    surface = " ".join(x.surface for x in span if x.surface)
    return _Entry(
        first.stem,
        surface,
        first.seg,
        first.clause,
        first.item,
        first.role,
        header=first.header,
        start=min(x.start for x in span),
        end=max(x.end for x in span),
    )


def _says_more(words: list[str]) -> bool:
    """ "more" as a direction ("more satisfaction"), not a count ("more than two classes")."""
    return any(
        w == "more" and (i + 1 == len(words) or words[i + 1] != "than")
        for i, w in enumerate(words)
    )


def analyse(
    text: str, lex: Lexicon, toks: tuple[Tok, ...] | None = None, *, spans: bool = False
) -> Analysis:
    """Analyse one text against one card's lexicon (`toks`: its tokens, if already cut).

    `spans` records where each unit sits in `clean(text)`; only references need it.
    """
    entries, n_words, n_function, structured, breaks, words = _entries(
        tokenise(text) if toks is None else toks, lex, spans
    )
    said = frozenset(words)
    units: list[Unit] = []
    start = 0
    while start < len(entries):
        end = start
        clause = entries[start].clause
        while end < len(entries) and entries[end].clause == clause:
            end += 1
        strong = flip = 0
        for e, key in _canonical(entries[start:end], lex.table):
            if e.cue:
                if e.flip:
                    flip = e.cue
                else:
                    strong = e.cue
                continue
            neg = (strong > 0) != (flip > 0)
            units.append(
                Unit(key, neg, e.seg, e.clause, e.item, e.role, e.surface, e.header, e.start, e.end)
            )
            if strong and key not in _LIGHT_VERBS:
                strong -= 1
            if flip:
                flip -= 1
        start = end
    return Analysis(
        tuple(units),
        n_words,
        n_function,
        structured,
        "than" in said,
        tuple(breaks),
        words[0] if words else "",
        bool(said & NO),
        _says_more(words),
    )
