"""Measure how much of each key concept an answer covers, and where it contradicts it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.grading.analysis import Analysis
from bot.grading.concepts import CardModel, Concept, Need, clause_pairs

# Coverage at which a concept counts as fully stated: learners rarely repeat every word.
SATURATION = 0.6
# How close to `correct` the core idea alone gets an explanatory card.
CORE_SHARE = 0.85
ITEM_HIT = 0.5


@dataclass(frozen=True, slots=True)
class ConceptResult:
    concept: Concept
    credit: float  # 0..1 after saturation
    matched: tuple[str, ...]  # learner's words
    contradicted: float  # weight of units the answer negates


@dataclass(frozen=True, slots=True)
class Match:
    score: float
    results: tuple[ConceptResult, ...]
    contradiction: float
    core_contradicted: bool
    conflicts: int


class AnswerIndex:
    """The answer's units as sets, so each reference unit costs one lookup."""

    __slots__ = ("analysis", "neg", "pos", "surface")

    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.pos: set[str] = set()
        self.neg: set[str] = set()
        self.surface: dict[str, str] = {}
        for u in analysis.units:
            (self.neg if u.neg else self.pos).add(u.key)
            self.surface.setdefault(u.key, u.surface)

    def has(self, need: Need) -> bool:
        return need.key in (self.neg if need.neg else self.pos)

    def denies(self, need: Need) -> bool:
        return need.key in (self.pos if need.neg else self.neg)


def _option(needs: tuple[Need, ...], ans: AnswerIndex) -> tuple[float, list[str], float]:
    got = 0.0
    total = 0.0
    words: list[str] = []
    against = 0.0
    for n in needs:
        total += n.miss
        if ans.has(n):
            got += n.weight
            words.append(ans.surface[n.key])
        elif ans.denies(n) and n.miss >= 0.5:
            against += n.weight
    return (min(1.0, got / total) if total else 0.0), words, against


def _concept(c: Concept, ans: AnswerIndex) -> ConceptResult:
    if c.items:
        hits = 0
        words: list[str] = []
        against = 0.0
        for needs in c.options:
            cov, w, a = _option(needs, ans)
            against += a
            if cov >= ITEM_HIT:
                hits += 1
                words.extend(w)
        cov = hits / len(c.options)
        return ConceptResult(c, min(1.0, cov / SATURATION), tuple(words), against)
    best = max((_option(o, ans) for o in c.options), key=lambda r: r[0])
    return ConceptResult(c, min(1.0, best[0] / SATURATION), tuple(best[1]), best[2])


def conflicts(model: CardModel, ans: Analysis) -> int:
    """Count relations the answer states the other way round ("lower layers, higher LR")."""
    if not model.pairs:
        return 0
    anti = model.antonyms
    found = 0
    by_clause: dict[int, list[tuple[str, str]]] = {}
    for pair in clause_pairs(ans.units, anti):
        by_clause.setdefault(0, []).append(pair)
    for pairs in by_clause.values():
        for a, b in pairs:
            if (a, b) in model.pairs:
                continue
            mirror = (anti.get(a, a), anti.get(b, b))
            if tuple(sorted(mirror)) in model.pairs and a in anti and b in anti:
                continue
            for x, y in ((anti.get(a), b), (a, anti.get(b))):
                if x is not None and y is not None and tuple(sorted((x, y))) in model.pairs:
                    found += 1
                    break
    return found


def match(model: CardModel, ans: Analysis) -> Match:
    idx = AnswerIndex(ans)
    results = tuple(_concept(c, idx) for c in model.concepts)
    score = sum(r.credit for r in results) / len(results)
    if model.core_mode:
        score = max(score, CORE_SHARE * results[0].credit)
    against = sum(r.contradicted for r in results)
    core_against = results[0].contradicted > 0 if model.core_mode else False
    return Match(score, results, against, core_against, conflicts(model, ans))
