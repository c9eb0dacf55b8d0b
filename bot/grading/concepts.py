"""Derive a card's key concepts from its reference answer (or from the teacher's `keys`).

A reference is read as segments (sentences, `;`-separated parts, bullet lines). Prose
references are "explanatory": the first segment holds the core idea and suffices for
`correct`, so a long reference never caps a correct short answer. References written as
steps or items (`;`, new lines, comma lists) are "enumerative": credit is N of M named.
The analysis is cached per card text because the bot grades many answers per card.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial

from bot.grading.abbreviations import card_terms
from bot.grading.analysis import Lexicon, Role, Unit, analyse, make_lexicon
from bot.grading.crossing import clause_homes
from bot.grading.formulas import readable
from bot.grading.informativeness import DECK_MIN, DECK_SHARE, word_weight
from bot.grading.lexicon import GENERIC
from bot.grading.normalise import clean, tokenise
from bot.grading.opposites import general, opposites, unprefixed
from bot.grading.roles import (
    Fact,
    Polar,
    anchored_polars,
    name_pairs,
    polar_pairs,
    reference_facts,
)
from bot.grading.spelling import stem
from bot.grading.synonyms import (
    SynonymTable,
    build_table,
    default_table,
    parse_table,
    table_text,
)
from bot.grading.wordnet import related

QUOTE_CHARS = 48
# Words in parentheses qualify the idea ("by value or by norm"): they count for little.
ASIDE_FACTOR = 0.5
LIST_ITEM_MAX = 5
HEADER_MAX = 3
POSITION_DECAY = 0.1
PAIR_WINDOW = 4
_UNQUOTE = str.maketrans({c: " " for c in '"()[]{}'})

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Need:
    """One canonical unit the reference asks for."""

    key: str
    neg: bool
    weight: float
    example: bool  # given "e.g.": earns a bonus when named, costs little when missing
    specific: bool  # neither generic nor echoed from the question: naming it shows knowledge
    surface: str
    parts: tuple[str, ...] = ()
    # Looked up once per card, not per answer: WordNet synonyms and forms, and the opposites
    # the reference itself does not name (opposites.py).
    related: frozenset[str] = frozenset()
    opposite: frozenset[str] = frozenset()
    family: frozenset[str] = frozenset()  # the stem less one or two letters (matching)


@dataclass(frozen=True, slots=True)
class Concept:
    label: str
    options: tuple[tuple[Need, ...], ...]
    items: bool  # options are list items (N of M) rather than alternative wordings
    header: bool = False  # items follow a "For images:" header, which is options[0]
    item_labels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CardModel:
    lex: Lexicon
    concepts: tuple[Concept, ...]
    core_mode: bool
    enumerative: bool
    listing: bool  # the reference itself is a list of short items
    question_keys: frozenset[str]
    ref_keys: frozenset[str]
    pairs: frozenset[Pair]
    order: tuple[tuple[str, int], ...]  # reference keys in reading order, with segment
    reference: str
    verdict: str  # "yes" or "no" when the reference opens with one
    antonyms: dict[str, str]
    anchors: frozenset[str] = frozenset()  # things the reference contrasts (roles.py)
    facts: dict[str, Fact] = field(default_factory=dict)
    said_of: frozenset[str] = frozenset()  # every word the reference says of one side
    named: tuple[Need, ...] = ()  # the specific terms of the core (matching._one_word_cap)
    years: frozenset[str] = frozenset()  # dates the reference gives
    ref_prefixed: frozenset[str] = frozenset()  # "activ" when the reference says "inactive"
    ref_negated: frozenset[str] = frozenset()  # keys the reference itself negates
    polar: tuple[tuple[str, str], ...] = ()  # opposites the reference names, in its order
    names: tuple[tuple[str, str], ...] = ()  # names it relates, in its order (roles.py)
    polars: dict[str, Polar] = field(default_factory=dict)  # thing -> its direction (roles.py)
    homes: dict[str, int] = field(default_factory=dict)  # word -> its one clause (crossing.py)

    # Direction words ("rises", "less", "inwards"): those with a general opposite.
    directions: frozenset[str] = frozenset()


@lru_cache(maxsize=64)
def _directions_of(antonyms: tuple[str, ...]) -> frozenset[str]:
    return frozenset(general()) | frozenset(antonyms)


def _directions(antonyms: dict[str, str]) -> frozenset[str]:
    return _directions_of(tuple(sorted(antonyms)))


def _direction_opposites(antonyms: dict[str, str], key: str) -> frozenset[str]:
    return general().get(key, frozenset()) | _one(antonyms.get(key))


def _card_words(*texts: str) -> set[str]:
    words: set[str] = set()
    for text in texts:
        for tok in tokenise(text):
            if tok.kind == "word":
                words.add(tok.text)
            elif tok.kind == "code":
                words.update(
                    tok.text.lower()
                    .replace("(", " ")
                    .replace(")", " ")
                    .replace(".", " ")
                    .replace("_", " ")
                    .split()
                )
                words.add(tok.text.lower().rstrip("()").rsplit(".", 1)[-1].replace("_", ""))
    return words


@lru_cache(maxsize=64)
def _table(alts: tuple[tuple[str, ...], ...]) -> SynonymTable:
    if not alts:
        return default_table()
    groups, pairs = parse_table(table_text())
    # A teacher's equivalences win over the shipped table: put them first.
    return build_table([list(a) for a in alts if len(a) >= 2] + groups, pairs)


def _weight(u: Unit, question_keys: frozenset[str], shared: frozenset[str]) -> float:
    if u.role is Role.CODE:
        return 2.0
    if u.role is Role.CODEPART:
        return 0.1 if len(u.key) == 1 else 0.35
    # Rare words name ideas; frequent ones ("model", "data") carry little (informativeness.py).
    w = 0.3 if len(u.key) == 1 else word_weight(u.surface)
    if u.key in GENERIC or u.key[:1].isdigit():
        w = min(w, 0.5)
    if u.key in question_keys:
        w *= 0.5  # echoing the question proves little
    if u.key in shared:
        w *= 0.5  # a word in every step of a procedure does not tell the steps apart
    return ASIDE_FACTOR * w if u.role is Role.ASIDE else w


def _needs(
    units: list[Unit],
    question_keys: frozenset[str],
    shared: frozenset[str],
    parts: dict[str, tuple[str, ...]],
) -> tuple[Need, ...]:
    best: dict[tuple[str, bool], Need] = {}
    for pos, u in enumerate(units):
        # The core comes first: what a thing is or does, then how, then details.
        w = _weight(u, question_keys, shared) / (1.0 + POSITION_DECAY * pos)
        old = best.get((u.key, u.neg))
        if old is None or old.weight < w:
            specific = u.role is Role.CODEPART or (
                u.key not in GENERIC and u.key not in question_keys and len(u.key) > 1
            )
            best[(u.key, u.neg)] = Need(
                u.key,
                u.neg,
                w,
                u.role is Role.EXAMPLE,
                specific,
                readable(u.surface),
                parts.get(u.key, ()),
            )
    return tuple(best.values())


def _quote(text: str, units: list[Unit]) -> str:
    """The teacher's own words for a concept, cut short for an explanation."""
    main = [u for u in units if u.role is not Role.EXAMPLE] or units
    start, end = min(u.start for u in main), max(u.end for u in main)
    words = readable(text[start:end]).translate(_UNQUOTE).strip(" -,;:.\n").split()
    out = ""
    for w in words:
        if len(out) + len(w) > QUOTE_CHARS:
            return out + "…"
        out = f"{out} {w}" if out else w
    return out


_MARKER = re.compile(r"\s*(?:[-\u2013\u2022*]|\d+[.)])\s")
STEP_WORDS = 4


def is_procedure(text: str) -> bool:
    """Lines that are bullets, numbered or a few words each: steps or items, N of M.

    A definition followed by its formula or code ("… the squared weights. / loss = loss +
    wd * w²") is one statement with a detail, not steps; one line of intro or outro is
    allowed around steps.
    """
    lines = [x for x in text.strip().splitlines() if x.strip()]
    if len(lines) < 2:
        return False
    short = sum(bool(_MARKER.match(x)) or len(x.split()) <= STEP_WORDS for x in lines)
    return short >= len(lines) - 1


def _segment_concept(
    text: str,
    units: list[Unit],
    qk: frozenset[str],
    shared: frozenset[str],
    parts: dict[str, tuple[str, ...]],
) -> Concept | None:
    # "For images: rotations, flips" has a header; a long clause before a colon is a statement.
    if sum(u.header for u in units) > HEADER_MAX:
        units = [replace(u, header=False) for u in units]
    body = [u for u in units if not u.header]
    items = sorted({u.item for u in body})
    per_item = len(body) / max(1, len(items))
    sizes = [sum(1 for u in body if u.item == it and u.role is not Role.EXAMPLE) for it in items]
    # A list has short items ("rotations, flips, crops"); a long one is a sentence with commas.
    if len(items) >= 3 and per_item <= 3.5 and max(sizes) <= LIST_ITEM_MAX:
        options = []
        labels = []
        head = [u for u in units if u.header]
        if head:
            options.append(_needs(head, qk, shared, parts))
            labels.append(_quote(text, head))
        for it in items:
            members = [u for u in body if u.item == it]
            needs = _needs(members, qk, shared, parts)
            if needs:
                options.append(needs)
                labels.append(_quote(text, members))
        return Concept(
            _quote(text, units),
            tuple(options),
            items=True,
            header=bool(head),
            item_labels=tuple(labels),
        )
    needs = _needs(units, qk, shared, parts)
    if not needs or sum(n.weight for n in needs if not n.example) < 0.3:
        return None
    return Concept(_quote(text, units), (needs,), items=False)


def pairs_by_clause(
    units: tuple[Unit, ...], antonyms: dict[str, str], *, nearest: bool = False
) -> dict[int, set[Pair]]:
    """Pairs of nearby units in one clause where one side has an opposite.

    A negated unit with an opposite reads as that opposite: "not higher" is "lower".
    With `nearest`, each word pairs only with the closest direction word (the following one
    on a tie: "tuples are mutable"), so "start small
    and increase it" does not pair "start" with "increase" (used for answers; references
    keep every nearby pair so that any reading of them is known).
    """
    out: dict[int, set[Pair]] = {}
    by_clause: dict[int, list[str]] = {}
    for u in units:
        key = antonyms[u.key] if u.neg and u.key in antonyms else u.key
        by_clause.setdefault(u.clause, []).append(key)
    for clause, keys in by_clause.items():
        found: set[Pair] = set()
        polar = [i for i, k in enumerate(keys) if k in antonyms]
        for i, a in enumerate(keys):
            if nearest:
                near = [j for j in polar if j != i and abs(j - i) <= PAIR_WINDOW]
                partners = [keys[min(near, key=lambda j: (abs(j - i), j < i))]] if near else []
            else:
                partners = keys[i + 1 : i + 1 + PAIR_WINDOW]
            for b in partners:
                if a != b and (a in antonyms or b in antonyms):
                    found.add((a, b) if a < b else (b, a))
        if found:
            out[clause] = found
    return out


def _one(key: str | None) -> frozenset[str]:
    return frozenset() if key is None else frozenset((key,))


# Shortest stem that ending-only differences may relate ("synthesis" ~ "synthesise").
FAMILY_MIN = 6
_YEAR = re.compile(r"1[0-9]{3}|20[0-9]{2}")


def _named(c: Concept, *, verdict: bool) -> tuple[Need, ...]:
    """Specific terms of a prose core; lists, verdicts, code and teacher's keys have none."""
    if c.items or verdict or len(c.options) != 1:
        return ()
    if any(n.key.startswith("code:") for n in c.options[0]):
        return ()
    named = {n.key: n for n in c.options[0] if n.specific and not n.example and not n.neg}
    return tuple(named.values())


def _with_relations(c: Concept, ref_keys: frozenset[str], table: SynonymTable) -> Concept:
    def one(n: Need) -> Need:
        opp = opposites(n.key)
        if " " not in n.surface:
            opp = opp | opposites(stem(n.surface.lower()))
        if n.key in table.antonyms:
            opp = opp | {table.antonyms[n.key]}  # "exponential" <> "logarithm" (synonyms.txt)
        rel = frozenset() if n.key.startswith("code:") else related(n.key)
        fam = (
            frozenset((n.key[:-1], n.key[:-2]))
            if len(n.key) >= FAMILY_MIN and n.key.isalpha()
            else frozenset()
        )
        # An opposite the reference names itself, in any of its wordings ("drops" where it
        # says "falls"), is a relation it states, not a contradiction (matching.conflicts).
        opp = frozenset(o for o in opp if table.phrases.get((o,), o) not in ref_keys)
        return replace(n, related=rel, opposite=opp, family=fam)

    return replace(c, options=tuple(tuple(one(n) for n in o) for o in c.options))


def _without_opposites(c: Concept, said: frozenset[str]) -> Concept:
    def one(n: Need) -> Need:
        return replace(n, opposite=n.opposite - said) if n.opposite & said else n

    return replace(c, options=tuple(tuple(one(n) for n in o) for o in c.options))


def build(
    question: str,
    answer: str,
    keys: tuple[tuple[str, ...], ...],
    alts: tuple[tuple[str, ...], ...],
    common: frozenset[str] = frozenset(),
) -> CardModel:
    """`common`: keys found in many of the deck's references (deck_common)."""
    return _build(question, answer, keys, alts, common)


@lru_cache(maxsize=64)
def deck_common(cards: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """Keys in at least DECK_SHARE of a deck's references (and DECK_MIN of them).

    "learning rate" in a deck about learning rates tells its cards apart poorly, so it
    weighs less there than in a deck where one card names it.
    """
    if len(cards) < DECK_MIN:
        return frozenset()
    lex = deck_lexicon(cards)
    counts: dict[str, int] = {}
    for _, answer in cards:
        for key in {u.key for u in analyse(answer, lex).units}:
            counts[key] = counts.get(key, 0) + 1
    need = max(DECK_MIN, DECK_SHARE * len(cards))
    return frozenset(k for k, n in counts.items() if n >= need)


@lru_cache(maxsize=64)
def deck_lexicon(cards: tuple[tuple[str, str], ...]) -> Lexicon:
    """One lexicon for a whole deck, so an answer is analysed once for the other-card check."""
    return make_lexicon(default_table(), _card_words(*(t for c in cards for t in c)))


@lru_cache(maxsize=4096)
def _build(
    question: str,
    answer: str,
    keys: tuple[tuple[str, ...], ...],
    alts: tuple[tuple[str, ...], ...],
    common: frozenset[str],
) -> CardModel:
    table = _table(alts)
    flat = [w for group in (*keys, *alts) for w in group]
    words = _card_words(question, answer, *flat)
    lex = make_lexicon(table, words, card_terms(words, question, answer))
    q = analyse(question, lex)
    qk = frozenset(u.key for u in q.units)
    ref = analyse(answer, lex, spans=True)
    concepts: list[Concept] = []
    if keys:
        for group in keys:
            options = tuple(
                n
                for n in (
                    _needs(list(analyse(alt, lex).units), frozenset(), frozenset(), table.parts)
                    for alt in group
                )
                if n
            )
            if options:
                concepts.append(Concept(group[0], options, items=False))
        core_mode, enumerative = False, True
    else:
        segs: dict[int, list[Unit]] = {}
        for u in ref.units:
            segs.setdefault(u.seg, []).append(u)
        seen_in: dict[str, int] = {}
        for units in segs.values():
            for key in {u.key for u in units if u.role is not Role.EXAMPLE}:
                seen_in[key] = seen_in.get(key, 0) + 1
        # Only a procedure's steps repeat words by nature.
        steps = "\n" in ref.seg_breaks and is_procedure(answer)
        # Damped: words in every step of a procedure, and words in much of the deck. A
        # direction ("falls", "increases") is what a statement asserts however many of the
        # deck's references use it, so it is never damped.
        shared = frozenset(k for k, n in seen_in.items() if n >= 2 and steps) | (
            common - table.antonyms.keys())
        for units in segs.values():
            c = _segment_concept(clean(answer), units, qk, shared, table.parts)
            if c is not None:
                concepts.append(c)
        # Bullet lines are steps; ";" and "." separate sentences of one explanation.
        enumerative = steps or bool(concepts and concepts[0].items)
        core_mode = not enumerative and len(concepts) >= 2
    if not concepts:  # a reference of pure filler: fall back to every unit, or to nothing
        needs = _needs(list(ref.units), frozenset(), frozenset(), table.parts)
        concepts = [Concept(answer[:QUOTE_CHARS], (needs,), items=False)]
    ref_keys = frozenset(u.key for u in ref.units)
    concepts = [_with_relations(c, ref_keys, table) for c in concepts]
    # Not an opposite: a word the reference itself says as typed ("right", which synonyms.txt
    # reads as "correct", is no opposite of "left" in "to the right ..., to the left ...").
    said = {stem(u.surface.lower()) for u in ref.units if " " not in u.surface}
    concepts = [_without_opposites(c, frozenset(said)) for c in concepts]
    antonyms = lex.table.antonyms
    anchors, facts, said_of = reference_facts(ref.units, qk)
    return CardModel(
        lex=lex,
        concepts=tuple(concepts),
        core_mode=core_mode,
        enumerative=enumerative,
        # A list: comma items, or bullet lines of a word or two each ("- Prophase").
        listing=concepts[0].items
        or (
            "\n" in ref.seg_breaks
            and not keys
            and all(len(c.options[0]) <= 2 for c in concepts if not c.items)
        ),
        order=tuple((u.key, u.seg) for u in ref.units),
        reference=answer,
        verdict=ref.first_word if ref.first_word in {"yes", "no"} else "",
        question_keys=qk,
        ref_keys=ref_keys,
        pairs=frozenset(
            p
            for ps in pairs_by_clause(
                tuple(u for u in ref.units if u.role is Role.MAIN), antonyms
            ).values()
            for p in ps
        ),
        antonyms=antonyms,
        anchors=anchors,
        facts=facts,
        # A word the reference states both ways ("caused by germs ... prevents the disease")
        # agrees with either in an answer.
        said_of=said_of
        | (frozenset(u.key for u in ref.units if u.neg) & {u.key for u in ref.units if not u.neg}),
        named=_named(concepts[0], verdict=ref.first_word in {"yes", "no"}),
        years=frozenset(k for k in ref_keys if _YEAR.fullmatch(k)),
        ref_prefixed=frozenset(b for k in ref_keys if (b := unprefixed(k))),
        ref_negated=frozenset(u.key for u in ref.units if u.neg),
        polar=polar_pairs(ref.units, lambda k: opposites(k) | _one(antonyms.get(k)),
                          clean(answer)),
        names=name_pairs(ref.units, clean(answer), qk) if not keys else (),
        polars=anchored_polars(ref.units, partial(_direction_opposites, antonyms)),
        directions=_directions(antonyms),
        homes=clause_homes(ref.units),
    )
