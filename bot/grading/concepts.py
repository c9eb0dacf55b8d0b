"""Derive a card's key concepts from its reference answer (or from the teacher's `keys`).

A reference is read as segments (sentences, `;`-separated parts, bullet lines). Prose
references are "explanatory": the first segment holds the core idea and suffices for
`correct`, so a long reference never caps a correct short answer. References written as
steps or items (`;`, new lines, comma lists) are "enumerative": credit is N of M named.
The analysis is cached per card text because the bot grades many answers per card.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from bot.grading.analysis import Lexicon, Role, Unit, analyse, make_lexicon
from bot.grading.lexicon import (
    GENERIC,
    SynonymTable,
    build_table,
    default_table,
    parse_table,
    table_text,
)
from bot.grading.normalise import tokenise

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


@dataclass(frozen=True, slots=True)
class Concept:
    label: str
    options: tuple[tuple[Need, ...], ...]
    items: bool  # options are list items (N of M) rather than alternative wordings
    header: bool = False  # items follow a "For images:" header, which is options[0]


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
    antonyms: dict[str, str]


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
    w = 0.5 if (u.key in GENERIC or u.key[:1].isdigit()) else 0.3 if len(u.key) == 1 else 1.0
    if u.key in question_keys:
        w *= 0.5  # echoing the question proves little
    if u.key in shared:
        w *= 0.5  # a word in every step of a procedure does not tell the steps apart
    return 0.7 * w if u.role is Role.ASIDE else w


def _needs(
    units: list[Unit],
    question_keys: frozenset[str],
    shared: frozenset[str],
    parts: dict[str, tuple[str, ...]],
) -> tuple[Need, ...]:
    best: dict[tuple[str, bool], Need] = {}
    for u in units:
        w = _weight(u, question_keys, shared)
        old = best.get((u.key, u.neg))
        if old is None or old.weight < w:
            specific = u.role is Role.CODEPART or (
                u.key not in GENERIC and u.key not in question_keys and len(u.key) > 1
            )
            best[(u.key, u.neg)] = Need(
                u.key, u.neg, w, u.role is Role.EXAMPLE, specific, u.surface, parts.get(u.key, ())
            )
    return tuple(best.values())


def _label(needs: tuple[Need, ...]) -> str:
    seen: list[str] = []
    for n in sorted(needs, key=lambda n: (n.example, -n.weight))[:4]:
        if (n.surface.lower() not in seen and not n.key.startswith("code:")) or n.weight >= 2:
            seen.append(n.surface.lower() if not n.key.startswith("code:") else n.surface)
    order = [n.surface.lower() if not n.key.startswith("code:") else n.surface for n in needs]
    seen.sort(key=lambda s: order.index(s) if s in order else 0)
    return " ".join(seen[:4])


def _segment_concept(
    units: list[Unit], qk: frozenset[str], shared: frozenset[str], parts: dict[str, tuple[str, ...]]
) -> Concept | None:
    body = [u for u in units if not u.header]
    items = sorted({u.item for u in body})
    per_item = len(body) / max(1, len(items))
    if len(items) >= 3 and per_item <= 3.5:
        options = []
        head = [u for u in units if u.header]
        if head:
            options.append(_needs(head, qk, shared, parts))
        for it in items:
            needs = _needs([u for u in body if u.item == it], qk, shared, parts)
            if needs:
                options.append(needs)
        label = ", ".join(_label(o) for o in options)
        return Concept(label, tuple(options), items=True, header=bool(head))
    needs = _needs(units, qk, shared, parts)
    if not needs or sum(n.weight for n in needs if not n.example) < 0.3:
        return None
    return Concept(_label(needs), (needs,), items=False)


def pairs_by_clause(units: tuple[Unit, ...], antonyms: dict[str, str]) -> dict[int, set[Pair]]:
    """Pairs of nearby units in one clause where one side has an opposite.

    A negated unit with an opposite reads as that opposite: "not higher" is "lower".
    """
    out: dict[int, set[Pair]] = {}
    by_clause: dict[int, list[str]] = {}
    for u in units:
        key = antonyms[u.key] if u.neg and u.key in antonyms else u.key
        by_clause.setdefault(u.clause, []).append(key)
    for clause, keys in by_clause.items():
        found: set[Pair] = set()
        for i, a in enumerate(keys):
            for b in keys[i + 1 : i + 5]:
                if a != b and (a in antonyms or b in antonyms):
                    found.add((a, b) if a < b else (b, a))
        if found:
            out[clause] = found
    return out


def build(
    question: str, answer: str, keys: tuple[tuple[str, ...], ...], alts: tuple[tuple[str, ...], ...]
) -> CardModel:
    return _build(question, answer, keys, alts)


@lru_cache(maxsize=64)
def deck_lexicon(cards: tuple[tuple[str, str], ...]) -> Lexicon:
    """One lexicon for a whole deck, so an answer is analysed once for the other-card check."""
    return make_lexicon(default_table(), _card_words(*(t for c in cards for t in c)))


@lru_cache(maxsize=4096)
def _build(
    question: str, answer: str, keys: tuple[tuple[str, ...], ...], alts: tuple[tuple[str, ...], ...]
) -> CardModel:
    table = _table(alts)
    flat = [w for group in (*keys, *alts) for w in group]
    lex = make_lexicon(table, _card_words(question, answer, *flat))
    q = analyse(question, lex)
    qk = frozenset(u.key for u in q.units)
    ref = analyse(answer, lex)
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
        shared = frozenset(k for k, n in seen_in.items() if n >= 2 and len(segs) >= 3)
        for units in segs.values():
            c = _segment_concept(units, qk, shared, table.parts)
            if c is not None:
                concepts.append(c)
        # Bullet lines are steps; ";" and "." separate sentences of one explanation.
        enumerative = "\n" in ref.seg_breaks or concepts[0].items
        core_mode = not enumerative and len(concepts) >= 2
    if not concepts:  # a reference of pure filler: fall back to every unit
        concepts = [
            Concept(
                answer[:40],
                (_needs(list(ref.units), frozenset(), frozenset(), table.parts),),
                items=False,
            )
        ]
    antonyms = lex.table.antonyms
    return CardModel(
        lex=lex,
        concepts=tuple(concepts),
        core_mode=core_mode,
        enumerative=enumerative,
        listing=concepts[0].items,
        order=tuple((u.key, u.seg) for u in ref.units),
        question_keys=qk,
        ref_keys=frozenset(u.key for u in ref.units),
        pairs=frozenset(p for ps in pairs_by_clause(ref.units, antonyms).values() for p in ps),
        antonyms=antonyms,
    )
