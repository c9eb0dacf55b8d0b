"""Measure how much of each key concept an answer covers, and where it contradicts it.

Credit saturates below full coverage because learners paraphrase and drop filler; a
concept is judged by its specific words, since generic or echoed words ("model", the
question's own terms) would let any on-topic answer pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.grading.analysis import Analysis
from bot.grading.concepts import FAMILY_MIN, CardModel, Concept, Need, pairs_by_clause
from bot.grading.lexicon import GENERIC
from bot.grading.opposites import PREFIXES, general, unprefixed
from bot.grading.roles import Swap, misattributed, reversed_pair, swapped
from bot.grading.spelling import stem

# Coverage at which a concept counts as fully stated: learners rarely repeat every word.
SATURATION = 0.6
# Share of a list's items that counts as naming "the list" (3 of 4, 2 of 3).
ITEM_SATURATION = 0.8
ITEM_HIT = 0.5
# How close to `correct` the core idea alone gets an explanatory card.
CORE_SHARE = 0.85
# Naming examples helps, but cannot replace the idea they illustrate.
EXAMPLE_BONUS = 0.5
# Naming some words of a multi-word term ("stochastic" for SGD) earns this share of it.
PART_CREDIT = 0.5
GENERIC_ONLY = 0.5
# A WordNet synonym or related form ("make" for "synthesise") counts nearly as the word.
RELATED_CREDIT = 0.8
_MORE = stem("more")
# Words that say "more"; a reference naming one relates both directions (matching.conflicts).
_MORE_SIDE = general()[stem("less")]
_YEAR = re.compile(r"1[0-9]{3}|20[0-9]{2}")
# The highest score one named term of a several-term reference can reach.
ONE_WORD_CAP = 0.45
# Credit in two concepts from which an answer says more than one term of the reference.
SEVERAL_IDEAS_CREDIT = 0.55
# A few bare words ("pip, packages, venv") must cover two ideas more fully to count as both.
CLAIM_WORDS = 4
BARE_IDEAS_CREDIT = 0.7
# A negation is scoped loosely ("no crust made or destroyed"), an opposite word is not.
NEGATION_STRENGTH = 0.5
HEADER_ONLY = 0.25
# Coverage cap when only one side of a contrast is named: at most partial.
HALF_CONTRAST = 0.33
# A procedure's step counts as named from this coverage; below, it earns half.
STEP_HIT = 0.5


@dataclass(frozen=True, slots=True)
class ConceptResult:
    concept: Concept
    credit: float  # 0..1 after saturation
    matched: tuple[str, ...]  # the reference's words the answer covered
    contradicted: float  # weight of units the answer negates
    missed_items: tuple[str, ...] = ()
    missed_words: tuple[str, ...] = ()  # the reference's words it did not cover, weightiest first


@dataclass(frozen=True, slots=True)
class Match:
    score: float
    results: tuple[ConceptResult, ...]
    contradiction: float
    core_contradicted: bool
    conflicts: int
    opposed: tuple[tuple[str, str], ...] = ()  # (learner's words, reference's words)
    swap: Swap | None = None
    wrong_year: tuple[str, str] | None = None  # (learner's year, reference's year)
    unnamed: tuple[str, ...] = ()  # the terms a one-term answer left out
    turned: tuple[str, str] | None = None  # opposites named the other way round
    # (answer's word, reference's word, the thing): the opposite direction said of one thing
    misattributed: tuple[str, str, str] | None = None


class AnswerIndex:
    """The answer's units as sets, so each reference unit costs one lookup."""

    __slots__ = (
        "_raw",
        "_units",
        "agreeing",
        "antonyms",
        "comparative",
        "loose",
        "neg",
        "neg_clause",
        "opposed",
        "pos",
        "pos_clause",
        "prefixed",
        "ref_keys",
        "ref_prefixed",
        "role_keys",
        "says_more",
        "stubs",
        "surface",
        "weak",
    )

    def __init__(
        self,
        analysis: Analysis,
        parts: dict[str, tuple[str, ...]],
        antonyms: dict[str, str],
        ref_keys: frozenset[str] = frozenset(),
        role_keys: frozenset[str] = frozenset(),
        ref_prefixed: frozenset[str] = frozenset(),
        ref_negated: frozenset[str] = frozenset(),
    ) -> None:
        self.antonyms = antonyms
        self.ref_keys = ref_keys
        self.role_keys = role_keys
        # Bare words whose prefixed opposite the reference itself names ("active ... inactive").
        self.ref_prefixed = ref_prefixed
        # (learner's word, reference word) for each opposite the answer states.
        self.opposed: list[tuple[str, str]] = []
        self.comparative = analysis.comparative
        self.says_more = analysis.says_more
        self.pos: set[str] = set()
        self.neg: set[str] = set()
        self.weak: set[str] = set()
        self.surface: dict[str, str] = {}
        self._units = analysis.units
        self._raw: dict[str, str] | None = None
        # Any word that may carry a negating prefix ("uncontrolled"), checked cheaply.
        self.prefixed = any(u.key.startswith(PREFIXES) for u in analysis.units)
        # Answer stems less one or two letters: "synthesi" (synthesis) for "synthes" (-ise).
        self.stubs: set[str] = set()
        # Clauses where the answer negates what the reference negates ("no crust made or
        # destroyed" for "crust is neither created nor destroyed"): that negation agrees.
        self.agreeing = {u.clause for u in analysis.units if u.key in ref_negated}
        self.loose: set[int] = set()
        self.neg_clause: dict[str, int] = {}
        self.pos_clause: dict[str, int] = {}
        for u in analysis.units:
            (self.neg_clause if u.neg else self.pos_clause).setdefault(u.key, u.clause)
        # Clauses whose negation may reach further than the analyser scoped it.
        self.loose = set(self.neg_clause.values()) & self.agreeing
        for u in analysis.units:
            (self.neg if u.neg else self.pos).add(u.key)
            self.surface.setdefault(u.key, u.surface)
            if not u.neg and len(u.key) > FAMILY_MIN and u.key.isalpha():
                self.stubs.update((u.key[:-1], u.key[:-2]))
            if not u.neg:
                for p in parts.get(u.key, ()):
                    self.weak.add(p)
                    self.surface.setdefault(p, u.surface)

    @property
    def raw(self) -> dict[str, str]:
        """Stems of the words as typed, before synonyms.txt renamed them ("fixed", not
        "freeze"), and "-control" for "uncontrolled": built only when an opposite is sought."""
        if self._raw is None:
            raw: dict[str, str] = {}
            for u in self._units:
                if not u.neg and " " not in u.surface:
                    raw.setdefault(stem(u.surface.lower()), u.surface)
                    bare = unprefixed(u.key)
                    if bare:
                        raw.setdefault("-" + bare, u.surface)
            self._raw = raw
        return self._raw

    def said(self, need: Need) -> str:
        """The learner's own words for what earned credit."""
        if need.key in self.surface:
            return self.surface[need.key]
        return next((self.surface[p] for p in need.parts if p in self.surface), need.surface)

    def exact(self, need: Need) -> bool:
        return need.key in (self.neg if need.neg else self.pos)

    def credit(self, need: Need) -> float:
        if need.key in (self.neg if need.neg else self.pos):
            return 1.0
        if need.neg:
            return 0.0
        if need.key in self.weak:
            return PART_CREDIT
        if need.related & self.pos or need.family & self.pos or need.key in self.stubs:
            return RELATED_CREDIT
        if need.parts:
            # "higher" alone is not "higher layers": a direction word proves nothing.
            have = [p for p in need.parts if p in self.pos]
            if all(p in self.antonyms for p in have):
                return 0.0
            return PART_CREDIT * len(have) / len(need.parts)
        return 0.0

    def denies(self, need: Need) -> float:
        """How strongly the answer states the opposite of `need` (0 when it does not)."""
        if need.neg:
            if need.key not in self.pos:
                return 0.0
        elif need.key in self.pos or need.example:
            return 0.0
        if need.key in (self.pos if need.neg else self.neg):
            if need.key in self.role_keys:
                return 0.0  # said of one side of a contrast: roles.py judges it
            if not need.neg and self.neg_clause.get(need.key, -1) in self.agreeing:
                return 0.0
            if need.neg and self.pos_clause.get(need.key, -1) in self.loose:
                return 0.0  # "no catalyst consumed or changed": the "no" covers "changed"
            said = self.surface.get(need.key, need.surface)
            self.opposed.append(
                (said, "no " + need.surface) if need.neg else ("not " + said, need.surface)
            )
            return NEGATION_STRENGTH
        if need.neg or need.related & self.pos:
            return 0.0
        # "bigger" where the reference says "limits": an opposite the reference never names.
        stated = need.opposite & self.pos
        if stated:
            self.opposed.append((self.surface[min(stated)], need.surface))
            return 1.0
        if need.opposite:
            raw = sorted(need.opposite & self.raw.keys())
            if raw:
                self.opposed.append((self.raw[raw[0]], need.surface))
                return 1.0
            if self.says_more and _MORE in need.opposite and not self.ref_keys & _MORE_SIDE:
                # Only where the reference names no increase itself ("lower ... higher").
                self.opposed.append(("more", need.surface))
                return 1.0
        if not self.prefixed:
            return 0.0
        prefixed = self.raw.get("-" + need.key)
        if prefixed is not None and need.key not in self.ref_prefixed:
            self.opposed.append((prefixed, need.surface))
            return 1.0
        return 0.0



_Option = tuple[float, list[str], float, list[str]]


def _option(needs: tuple[Need, ...], ans: AnswerIndex) -> _Option:
    """Coverage of one wording, the reference's words covered, weight denied, words missed."""
    main_w = main_got = ex_w = ex_got = against = 0.0
    pos, neg = ans.pos, ans.neg
    words: list[str] = []
    missed: list[tuple[float, str]] = []
    strong = False
    for n in needs:
        if n.key in (neg if n.neg else pos):
            got = 1.0
        elif (n.key in pos) if n.neg else (
            not n.example and (n.key in neg or n.opposite or ans.prefixed)
        ):
            # Only then can the answer state the opposite (denies() says how strongly).
            denied = ans.denies(n)
            if denied:
                against += n.weight * denied
                got = 0.0
            else:
                got = ans.credit(n)
        else:
            got = ans.credit(n)
        if got:
            words.append(n.surface)
            strong = strong or (n.specific and not n.example)
        elif not n.example and n.specific:
            missed.append((-n.weight, n.surface))
        if n.example:
            ex_w, ex_got = ex_w + n.weight, ex_got + got * n.weight
        else:
            main_w, main_got = main_w + n.weight, main_got + got * n.weight
    left = [w for _, w in sorted(missed)]
    if not main_w:
        return (ex_got / ex_w if ex_w else 0.0), words, against, left
    main = main_got / main_w
    ex = ex_got / ex_w if ex_w else 0.0
    cov = main + EXAMPLE_BONUS * ex * (1.0 - main)
    if _half_contrast(needs, ans):
        cov = min(cov, HALF_CONTRAST)
    # Generic or echoed words and examples alone ("model", "16 or 32") do not show the idea.
    return cov * (1.0 if strong else GENERIC_ONLY), words, against, left


def _half_contrast(needs: tuple[Need, ...], ans: AnswerIndex) -> bool:
    """A contrast ("higher layers ... lower layers") names only one side.

    "than" in the answer names the other side implicitly ("a higher LR than the body").
    """
    if ans.comparative:
        return False
    keys = {n.key: n for n in needs}
    for key, need in keys.items():
        other = ans.antonyms.get(key)
        if (
            other is not None
            and other in keys
            and key < other
            and (ans.credit(need) > 0) != (ans.credit(keys[other]) > 0)
        ):
            return True
    return False


def _concept(c: Concept, ans: AnswerIndex, steps: bool) -> ConceptResult:
    if c.items:
        hits = 0
        words: list[str] = []
        missed: list[str] = []
        against = 0.0
        header_hit = False
        for i, needs in enumerate(c.options):
            cov, w, a, _ = _option(needs, ans)
            against += a
            is_header = c.header and i == 0
            if cov >= ITEM_HIT:
                words.extend(w)
                header_hit = header_hit or is_header
                hits += not is_header
            elif not is_header and i < len(c.item_labels):
                missed.append(c.item_labels[i])
        if c.header:
            # "For text: synonym replacement, back-translation": one example covers "text".
            credit = 1.0 if hits else HEADER_ONLY if header_hit else 0.0
            return ConceptResult(c, credit, tuple(words), against, () if hits else (c.label,))
        share = hits / len(c.options)
        credit = min(1.0, share / ITEM_SATURATION)
        return ConceptResult(c, credit, tuple(words), against, tuple(missed))
    if len(c.options) == 1:
        best = _option(c.options[0], ans)
    else:
        best = max((_option(o, ans) for o in c.options), key=lambda r: r[0])
    credit = min(1.0, best[0] / SATURATION)
    if steps and best[0] < STEP_HIT:
        credit *= 0.5  # words shared with other steps do not name this step
    return ConceptResult(c, credit, tuple(best[1]), best[2], (), tuple(best[3]))


def conflicts(model: CardModel, ans: Analysis) -> tuple[int, bool]:
    """Count relations stated the other way round ("lower layers get the higher LR").

    A clause that swaps *both* sides ("earlier layers: smaller LR") is the mirror image of
    the reference and agrees with it.  Returns the count and whether the core is hit.
    """
    if not model.pairs:
        return 0, False
    anti = model.antonyms
    core = {n.key for o in model.concepts[0].options for n in o} if model.core_mode else set()
    weak = GENERIC
    found = 0
    core_hit = False

    def known(x: str | None, y: str | None) -> bool:
        return x is not None and y is not None and ((x, y) if x < y else (y, x)) in model.pairs

    for pairs in pairs_by_clause(ans.units, anti, nearest=True).values():
        mirrored = any(
            a in anti
            and b in anti
            and anti[a] != b  # "increase ... decrease" mirrors only itself
            and known(anti[a], anti[b])
            and not known(anti[a], b)
            and not known(a, anti[b])
            for a, b in pairs
        )
        if mirrored:
            continue
        for a, b in pairs:
            if (a, b) in model.pairs:
                continue
            for x, y in ((anti.get(a), b), (a, anti.get(b))):
                partner = (
                    y if x in anti and y not in anti else x if y in anti and x not in anti else ""
                )
                if known(x, y) and partner not in weak:
                    found += 1
                    core_hit = core_hit or (x in core and y in core)
                    break
    return found, core_hit


def _one_word_cap(model: CardModel, idx: AnswerIndex) -> tuple[float, tuple[str, ...]]:
    """One named term of a reference that names several is not the idea: at most partial.

    "softmax" for "the combination of softmax and the negative log likelihood".
    """
    named = model.named
    if len(named) < 2:
        return 1.0, ()
    hit = {n.key for n in named if idx.credit(n) >= RELATED_CREDIT}
    if len(hit) >= 2:
        return 1.0, ()
    return ONE_WORD_CAP, tuple(n.surface for n in named if n.key not in hit)


def match(model: CardModel, ans: Analysis, *, score_only: bool = False) -> Match:
    """`score_only`: just the score, for ranking other cards (no contradiction checks)."""
    idx = AnswerIndex(
        ans, model.lex.table.parts, model.antonyms, model.ref_keys, model.said_of,
        model.ref_prefixed, model.ref_negated,
    )
    results = tuple(_concept(c, idx, model.enumerative) for c in model.concepts)
    credits = [r.credit for r in results]
    score = sum(credits) / len(credits)
    if model.core_mode:
        score = max(score, CORE_SHARE * credits[0])
        if len(credits) >= 3:
            top = sorted(credits, reverse=True)[:2]
            score = max(score, CORE_SHARE * sum(top) / 2)
    unnamed: tuple[str, ...] = ()
    several = SEVERAL_IDEAS_CREDIT if ans.n_words >= CLAIM_WORDS else BARE_IDEAS_CREDIT
    if sum(c >= several for c in credits) >= 2:
        cap = 1.0  # it states several of the reference's ideas, not one term
    else:
        cap, unnamed = _one_word_cap(model, idx)
    score = min(score, cap)
    if score_only:
        return Match(score, results, 0.0, False, 0)
    against = sum(r.contradicted for r in results)
    n_conflicts, core_conflict = conflicts(model, ans)
    core_against = model.core_mode and (results[0].contradicted > 0 or core_conflict)
    swap = swapped(ans.units, model.anchors, model.facts)
    year = _wrong_year(model, idx)
    turned = reversed_pair(ans.units, model.polar)
    return Match(
        score, results, against, core_against, n_conflicts, tuple(idx.opposed), swap, year,
        unnamed, turned, misattributed(ans.units, model.polars, model.directions.__contains__),
    )


def _wrong_year(model: CardModel, idx: AnswerIndex) -> tuple[str, str] | None:
    """A date the reference does not give, where it gives others and the answer none of them."""
    if not model.years:
        return None
    said = sorted(k for k in idx.pos if k[:1] in "12" and _YEAR.fullmatch(k))
    if said and not model.years & set(said):
        return said[0], min(model.years)
    return None
