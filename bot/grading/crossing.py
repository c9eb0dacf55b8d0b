"""Crossed pairings: each fact of the reference tied to the other thing.

A reference that states two parallel facts in two clauses ("hydrophilic heads facing
outwards, hydrophobic tails facing inwards"; "weathering breaks rock down in place, erosion
moves it away") keeps each clause's words together. An answer that reuses every word but
ties them across ("hydrophobic tails facing outwards and hydrophilic heads facing inwards")
scores as if it were right, since all the words are there. It gives itself away by pairing:
one of its parts joins a word of the reference's clause A to a word of clause B, and another
part joins a word of B to a word of A the other way round. Unlike roles.py this needs no
question word naming the two sides, so it also catches facts the question does not name.

Only words that stand in one clause of the reference count: a word said in both ("facing")
pairs with either and proves nothing.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from bot.grading.analysis import Role, Unit
from bot.grading.lexicon import GENERIC
from bot.grading.normalise import Tok

# Where one statement of an answer ends and the next begins: "and" joins the two halves
# of a crossed answer ("tails facing outwards and heads facing inwards"), and "with" adds a
# second fact as a comma would ("all rows of the right table with NULLs for the left").
_JOINS = frozenset({"and", "while", "whereas", "whilst", "but", "whereby", "with"})
_BOUNDARY_KINDS = frozenset({"comma", "stop", "colon", "open", "close"})


@dataclass(frozen=True, slots=True)
class Crossing:
    first: str  # the answer's word from one reference clause ...
    second: str  # ... tied to a word the reference says in another clause


def clause_homes(units: Iterable[Unit]) -> dict[str, int]:
    """Each reference word said in exactly one clause, with that clause."""
    where: dict[str, set[int]] = {}
    head = opening = -1  # the clause a parenthesis follows, and the parenthesis's first
    for u in units:
        if u.role is Role.MAIN:
            head, opening = u.clause, -1
        elif u.role is Role.ASIDE and opening < 0:
            opening = u.clause
        if u.role not in {Role.MAIN, Role.ASIDE} or u.key in GENERIC or len(u.key) <= 1:
            continue
        # A parenthesis's first clause belongs to what it follows: "igneous (cooled from
        # lava)" is one fact, as is "bilayer (heads facing outwards", before its comma.
        clause = head if u.role is Role.ASIDE and u.clause == opening and head >= 0 else u.clause
        where.setdefault(u.key, set()).add(clause)
    return {k: next(iter(c)) for k, c in where.items() if len(c) == 1}


def crossed(
    toks: tuple[Tok, ...], homes: dict[str, int], units: Iterable[Unit]
) -> Crossing | None:
    """Two parts of the answer that tie the same two reference clauses in opposite ways.

    `units` must carry their spans (`analyse(..., spans=True)`): a unit's part is the number
    of boundaries before it.
    """
    if len(homes) < 4:
        return None
    hits = [(u, homes[u.key]) for u in units if u.key in homes and not u.neg]
    if len({c for _, c in hits}) < 2:
        return None
    cuts = [t.start for t in toks
            if t.kind in _BOUNDARY_KINDS or (t.kind == "word" and t.text in _JOINS)]
    if not cuts:
        return None
    seen: dict[tuple[int, int], tuple[int, Crossing]] = {}
    for i, (u, a) in enumerate(hits):
        part = bisect_right(cuts, u.start)
        for v, b in hits[i + 1 :]:
            if a == b or bisect_right(cuts, v.start) != part:
                continue
            other = seen.get((b, a))
            if other is not None and other[0] != part:
                return other[1]
            seen.setdefault((a, b), (part, Crossing(u.surface, v.surface)))
    return None
