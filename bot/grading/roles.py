"""Swapped roles: the right facts said of the wrong thing.

A reference that contrasts two things the question names ("Rough ER is studded with
ribosomes ... Smooth ER has no ribosomes") ties each fact to one of them. Reading units in
order, a fact belongs to the last of those things that opened a clause. An answer that ties a
fact to the other thing, with the same polarity ("smooth ER has ribosomes"), has swapped the
roles; with the opposite polarity ("rough ER has ribosomes, smooth ER doesn't") it agrees.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from bot.grading.analysis import Role, Unit
from bot.grading.lexicon import GENERIC


@dataclass(frozen=True, slots=True)
class Fact:
    owner: str  # the anchor key the fact belongs to
    neg: bool
    surface: str
    owner_surface: str


@dataclass(frozen=True, slots=True)
class Swap:
    fact: str  # the reference's word for the fact
    owner: str  # whom the reference says it of
    said_of: str  # whom the answer said it of


def _walk(
    units: Iterable[Unit], anchors: frozenset[str], *, any_place: bool = False
) -> Iterable[tuple[Unit, Unit | None]]:
    """Each non-anchor unit with the anchor that owns it (None before any anchor).

    In a reference an anchor owns what follows when it opens a clause; with `any_place`
    (answers), wherever it stands, since "*args collects keyword arguments and **kwargs
    positional ones" joins its two claims with "and", which opens no clause.
    """
    owner: Unit | None = None
    clause = -1
    for u in units:
        opens = u.clause != clause
        clause = u.clause
        if u.key in anchors:
            if opens or any_place:
                owner = u
            continue
        yield u, owner


def clause_openers(units: Iterable[Unit], candidates: frozenset[str]) -> frozenset[str]:
    out = set()
    clause = -1
    for u in units:
        if u.clause != clause and u.key in candidates:
            out.add(u.key)
        clause = u.clause
    return frozenset(out)


def reference_facts(
    units: tuple[Unit, ...], question_keys: frozenset[str]
) -> tuple[frozenset[str], dict[str, Fact], frozenset[str]]:
    """The things contrasted (question words that open a reference clause), their facts, and
    every word said of one of them (a fact, or said of both: "has ribosomes"/"has none")."""
    anchors = clause_openers(units, frozenset(k for k in question_keys if k not in GENERIC))
    if len(anchors) < 2:
        return frozenset(), {}, frozenset()
    facts: dict[str, Fact] = {}
    shared: set[str] = set()
    polarity: dict[str, dict[str, Fact]] = {}
    for u, owner in _walk(units, anchors):
        if owner is None or u.role is not Role.MAIN or u.key in GENERIC or u.key in question_keys:
            continue
        if len(u.key) <= 2 or u.key[:1].isdigit():
            continue
        old = facts.get(u.key)
        if old is not None and old.owner != owner.key:
            shared.add(u.key)
        facts.setdefault(u.key, Fact(owner.key, u.neg, u.surface, owner.surface))
        polarity.setdefault(u.key, {}).setdefault(owner.key, Fact(owner.key, u.neg, u.surface,
                                                                  owner.surface))
    kept = {k: f for k, f in facts.items() if k not in shared}
    # Said of both with opposite polarity ("fixed costs do not change ...; variable costs
    # change"): a fact of each side, kept under "key@owner".
    for key in shared:
        sides = polarity[key]
        if len(sides) == 2 and len({f.neg for f in sides.values()}) == 2:
            for owner_key, f in sides.items():
                kept[f"{key}@{owner_key}"] = f
    return anchors, kept, frozenset(facts)


def swapped(
    units: tuple[Unit, ...], anchors: frozenset[str], facts: dict[str, Fact]
) -> Swap | None:
    """The first fact the answer ties to the other thing, when swaps outnumber agreements."""
    if not facts:
        return None
    swaps: list[Swap] = []
    agree = 0
    for u, owner in _walk(units, anchors, any_place=True):
        if owner is None:
            continue
        fact = facts.get(u.key)
        if fact is None:
            own = facts.get(f"{u.key}@{owner.key}")
            if own is not None:
                if own.neg == u.neg:
                    agree += 1
                else:  # what the reference says of the other side
                    other = next(f for k, f in facts.items()
                                 if k.startswith(u.key + "@") and f is not own)
                    swaps.append(Swap(u.surface, other.owner_surface, owner.surface))
            continue
        same_owner = owner.key == fact.owner
        if same_owner == (u.neg == fact.neg):
            agree += 1
        elif not same_owner:
            swaps.append(Swap(fact.surface, fact.owner_surface, owner.surface))
    return swaps[0] if swaps and len(swaps) > agree else None


# Words that tie one change to another: "pressure falls as altitude rises".
_COVARY = re.compile(r"\b(?:as|when|whenever|if)\b")


def polar_pairs(
    units: tuple[Unit, ...], opposite_of: Callable[[str], frozenset[str]], text: str
) -> tuple[tuple[str, str], ...]:
    """Pairs of opposites in one sentence of the reference, in its order: ("decreas",
    "increas") for "from lower to higher concentration".

    Two directions that one co-varies with the other ("pressure falls as altitude rises")
    give no order: each is tied to its own thing, which "the higher you go, the lower the
    pressure" says the other way round, rightly. Neither does a sentence that names them in
    both orders ("growing larger: cost falls as output increases"), so an answer may name
    them either way round. `text` is what the units' spans index (`clean` of the reference).
    """
    first: dict[str, tuple[int, int]] = {}
    last: dict[tuple[str, int], int] = {}
    for i, u in enumerate(units):
        if not u.neg and u.role is Role.MAIN:
            first.setdefault(u.key, (u.seg, i))
            last[(u.key, u.seg)] = i
    pairs = set()
    for a, (seg, i) in first.items():
        for b in opposite_of(a) & first.keys():
            j = first[b][1]
            # Not when `a` comes again after `b`: the sentence names both orders.
            if first[b][0] == seg and i < j and not j < last[(a, seg)] and not (
                _COVARY.search(text, units[i].end, units[j].start)
            ):
                pairs.add((a, b))
    return tuple(sorted(pairs))


def reversed_pair(
    units: tuple[Unit, ...], pairs: tuple[tuple[str, str], ...]
) -> tuple[str, str] | None:
    """A pair of opposites the answer names the other way round in one sentence ("from high
    to low").

    Turning every pair around ("the youngest on top, the oldest at the bottom") mirrors the
    reference and agrees with it, so only an odd number of turned pairs is a reversal.
    """
    if not pairs:
        return None
    first: dict[str, tuple[int, int, str]] = {}
    for i, u in enumerate(units):
        # "earlier layers: small LR" pairs by its colons, not by order (matching.conflicts).
        if not u.neg and not u.header:
            first.setdefault(u.key, (u.seg, i, u.surface))
    turned = [
        (a, b)
        for a, b in pairs
        if a in first and b in first and first[a][0] == first[b][0] and first[b][1] < first[a][1]
    ]
    if len(turned) % 2 == 1:
        a, b = turned[0]
        return first[b][2], first[a][2]
    return None


# "Poland was invaded by Germany" keeps the meaning with the names turned round.
PASSIVE = re.compile(r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+\s+)?\w+(?:ed|en|wn)\s+by\b")


def name_pairs(
    units: tuple[Unit, ...], text: str, question_keys: frozenset[str]
) -> tuple[tuple[str, str], ...]:
    """Pairs of names (capitalised in the reference) that one of its sentences relates by a
    word between them, in its order: ("german", "poland") for "Germany invaded Poland"."""
    named = [
        (i, u) for i, u in enumerate(units)
        if u.role is Role.MAIN and not u.neg and u.key not in GENERIC
        and u.key not in question_keys and u.end > u.start and text[u.start:u.start + 1].isupper()
    ]
    pairs = set()
    for n, (i, a) in enumerate(named):
        for j, b in named[n + 1:]:
            if b.seg == a.seg and j > i + 1 and a.key != b.key and (b.key, a.key) not in pairs:
                if _BY.search(text[a.end:b.start]):
                    continue  # "the genocide of Jews by Nazi Germany": either order is right
                pairs.add((a.key, b.key))
    return tuple(sorted(pairs))


# "by" right before the second name: it is the agent of what the first one underwent.
_BY = re.compile(r"\bby\s+(?:the\s+)?$")


def reordered_names(
    units: tuple[Unit, ...], pairs: tuple[tuple[str, str], ...]
) -> tuple[str, str] | None:
    """Two names the answer relates the other way round in one sentence ("Poland invaded
    Germany"); None when it also names them in the reference's order."""
    first: dict[str, tuple[int, int, str]] = {}
    last: dict[str, int] = {}
    for i, u in enumerate(units):
        first.setdefault(u.key, (u.seg, i, u.surface))
        last[u.key] = i
    for a, b in pairs:
        if (
            a in first
            and b in first
            and first[a][0] == first[b][0]
            and first[b][1] + 1 < first[a][1]
            and last[b] < first[a][1]
        ):
            return first[b][2], first[a][2]
    return None


# How far (in units, within one clause) a direction word reaches the thing it is said of:
# "demand falls", "less extra satisfaction", "tails facing inwards".
ANCHOR_WINDOW = 2


@dataclass(frozen=True, slots=True)
class Polar:
    """What the reference says of one thing: its direction word and that word's opposites."""

    key: str
    surface: str
    opposites: frozenset[str]
    anchor_surface: str


_VERB_ENDINGS = ("s", "ed", "ing")


def _attached(units: list[Unit], is_polar: Callable[[str], bool]) -> Iterable[tuple[Unit, Unit]]:
    """Each direction word with the nearest thing in its clause that it is said of (the
    following one on a tie: "less satisfaction", "demand falls")."""
    for i, u in enumerate(units):
        if not is_polar(u.key):
            continue
        # A verb form ("falls", "rises", "reflected") is said of what precedes it, an
        # adjective ("less", "higher") of what follows: that decides a tie.
        verb = u.surface.lower().endswith(_VERB_ENDINGS) and not u.surface.endswith("ss")
        near = [
            (abs(j - i), (j < i) != verb, j)
            for j in range(max(0, i - ANCHOR_WINDOW), min(len(units), i + ANCHOR_WINDOW + 1))
            if j != i
            and units[j].clause == u.clause
            and units[j].seg == u.seg
            and units[j].key not in GENERIC
            and not is_polar(units[j].key)
        ]
        if near:
            yield u, units[min(near)[2]]


def anchored_polars(
    units: tuple[Unit, ...], opposite_of: Callable[[str], frozenset[str]]
) -> dict[str, Polar]:
    """Each thing the reference gives exactly one direction word ("demand falls when income
    rises": demand -> falls, income -> rises).

    A reference that says both words ("falls ... rises") relates them, so the opposites rule
    (matching.AnswerIndex.denies) ignores them; said of the wrong thing they still reverse it.
    """
    main = [u for u in units if u.role is not Role.EXAMPLE and not u.header]
    found: dict[str, set[str]] = {}
    polar: dict[str, Polar] = {}
    for u, v in _attached(main, lambda k: bool(opposite_of(k))):
        # A negated direction ("does not rise") is not one direction: leave it out.
        found.setdefault(v.key, set()).add("" if u.neg or v.neg else u.key)
        polar[v.key] = Polar(u.key, u.surface, opposite_of(u.key), v.surface)
    return {a: polar[a] for a, keys in found.items() if len(keys) == 1 and "" not in keys}


def misattributed(
    units: tuple[Unit, ...], polars: dict[str, Polar], is_polar: Callable[[str], bool]
) -> tuple[str, str, str] | None:
    """(the answer's word, the reference's, the thing) where the answer gives a thing the
    opposite direction of the reference's ("demand rises" for "demand falls")."""
    if not polars or not any(u.key in polars for u in units):
        return None
    said: dict[str, set[str]] = {}
    first: dict[str, tuple[Unit, Unit]] = {}
    for u, v in _attached([u for u in units if not u.header], is_polar):
        if v.key in polars:
            said.setdefault(v.key, set()).add("" if u.neg else u.key)
            first.setdefault(v.key, (u, v))
    whole = {u.key for u in units}
    for key, keys in said.items():
        p = polars[key]
        # Two direction words on one thing compose ("less sunlight reflected"), and naming
        # the reference's own word anywhere relates the two ("parent vs daughter").
        if len(keys) == 1 and p.key not in whole and keys <= p.opposites:
            u, _ = first[key]
            return u.surface, p.surface, p.anchor_surface
    return None
