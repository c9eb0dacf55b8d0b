"""Fit the grader's global scoring constants, judged by nested leave-one-deck-out.

The scoring constants in bot/grading/ (SATURATION, CORE_SHARE, CONTRADICTION_AT, FLOOR, ...)
were set by hand over many sessions, each change judged on the same labelled decks it was
made for. This script asks whether a systematic fit does better *when the fit itself is
judged on decks it never saw*:

1. Candidate settings. The shipped values (base), then for each constant a few values around
   the shipped one, one at a time (`GRIDS`). Each setting is applied by setting the module
   globals (every module that bound the name by `from ... import` too) and clearing every
   `functools` cache in bot/ and the engine's deck views, since card models, deck lexicons
   and word weights are cached and a stale cache would silently keep the old values. Every
   labelled answer of every deck (tests/grading/labelled.py) is then assessed once per
   setting; per answer the score and the kind of trap (none, capped at partial, forced
   wrong) are kept, which is all `engine.label_for` needs to label it at any cut-offs.
2. Objective of a setting on a set of decks: leave-one-deck-out inside that set (cut-offs
   fitted on the set's other decks by the rule of `evaluation.best_cutoffs`), averaged over
   its judged decks (seed and held-out) of macro-F1 minus HARM_PENALTY times
   (wrong->correct + correct->wrong).
3. Search, per scope (all decks, or all but one): from the best candidate of the one-at-a-time
   grid, coordinate descent (each constant in turn over its grid values, the others fixed),
   `--rounds` rounds.
4. Nested leave-one-deck-out: for each judged deck D, the scope is every deck but D. Its
   search sees only the other decks (its candidate pool is the data-independent grid plus
   its own descent), the chosen setting's cut-offs are fitted on the other decks, and D is
   graded with both. Those figures are compared with the shipped constants' plain LODO
   figures (what tools/lodo.py prints).
5. The setting chosen on all decks, its LODO figures (in-sample for the constants, so
   optimistic), and the same setting pruned backwards to the fewest changed constants that
   keep most of its objective.

Run from the repo root, on one core (about 1.4 s per setting; with one descent round per scope
about a thousand settings, some 23 minutes; each further round adds about as much again):
    .venv/bin/python bench/fit_constants.py [--rounds 1] [--cache /tmp/fit_constants.json]
`--cache` keeps the per-setting assessments in a JSON file so that a rerun (say, with
another objective) does not re-assess. Numbers from this script are judged on the labelled
decks only; the unseen astronomy deck is graded by tools/lodo.py after a change is made.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import bot.grading.concepts as concepts  # noqa: E402
import bot.grading.engine as engine  # noqa: E402
import bot.grading.informativeness as informativeness  # noqa: E402
import bot.grading.matching as matching  # noqa: E402
from bot.grading.jsonl import find_card  # noqa: E402
from tests.grading.evaluation import (  # noqa: E402
    _GRID_CORRECT,
    _GRID_PARTIAL,
    HARM_PENALTY,
    LABELS,
)
from tests.grading.labelled import LabelledDeck, all_decks  # noqa: E402

# Values tried for each constant, around the shipped one. RARE_ZIPF only moves up: the shipped
# word table (word_zipf.txt) lists no word rarer than it, so lower values change nothing.
GRIDS: dict[str, tuple[ModuleType, tuple[float, ...]]] = {
    "SATURATION": (matching, (0.5, 0.55, 0.65, 0.7)),
    "ITEM_SATURATION": (matching, (0.67, 0.75, 0.85, 0.9)),
    "ITEM_HIT": (matching, (0.4, 0.45, 0.55, 0.6)),
    "CORE_SHARE": (matching, (0.75, 0.8, 0.9, 0.95)),
    "EXAMPLE_BONUS": (matching, (0.3, 0.4, 0.6, 0.7)),
    "PART_CREDIT": (matching, (0.3, 0.4, 0.6, 0.7)),
    "GENERIC_ONLY": (matching, (0.3, 0.4, 0.6, 0.7)),
    "RELATED_CREDIT": (matching, (0.6, 0.7, 0.9, 1.0)),
    "ONE_WORD_CAP": (matching, (0.35, 0.4, 0.5, 0.55)),
    "SEVERAL_IDEAS_CREDIT": (matching, (0.5, 0.6, 0.8, 0.9)),
    "NEGATION_STRENGTH": (matching, (0.3, 0.4, 0.6, 0.75)),
    "HEADER_ONLY": (matching, (0.1, 0.2, 0.33, 0.5)),
    "HALF_CONTRAST": (matching, (0.25, 0.3, 0.4, 0.45)),
    "STEP_HIT": (matching, (0.3, 0.4, 0.6, 0.7)),
    "OTHER_CARD_MARGIN": (engine, (0.2, 0.25, 0.35, 0.4)),
    "OTHER_CARD_OWN_MAX": (engine, (0.35, 0.4, 0.5, 0.55)),
    "CONTRADICTION_AT": (engine, (0.3, 0.35, 0.45, 0.5)),
    "SLIP_AT": (engine, (0.05, 0.075, 0.15, 0.2)),
    "LONG_WORDS": (engine, (30, 50)),
    "ASIDE_FACTOR": (concepts, (0.3, 0.4, 0.6, 0.75)),
    "POSITION_DECAY": (concepts, (0.0, 0.05, 0.15, 0.2)),
    "LIST_ITEM_MAX": (concepts, (4, 6)),
    "HEADER_MAX": (concepts, (2, 4)),
    "PAIR_WINDOW": (concepts, (3, 5)),
    "RARE_ZIPF": (informativeness, (3.75, 4.0, 4.25, 4.5)),
    "COMMON_ZIPF": (informativeness, (6.0, 6.25, 6.75, 7.0)),
    "FLOOR": (informativeness, (0.1, 0.2, 0.3, 0.4)),
    "DECK_SHARE": (informativeness, (0.2, 0.25, 0.35, 0.4)),
    "DECK_MIN": (informativeness, (2, 4)),
}
DEFAULTS = {name: getattr(mod, name) for name, (mod, _) in GRIDS.items()}

Setting = tuple[tuple[str, float], ...]  # the constants that differ from DEFAULTS, sorted
BASE: Setting = ()
# Answer kinds, as engine.label_for treats them: no trap, a trap capped at partial, a trap
# that forces wrong.
FREE, CAPPED, FORCED = 0, 1, 2
_T = {lab: i for i, lab in enumerate(LABELS)}  # correct, partial, wrong


def _modules_binding(name: str) -> list[ModuleType]:
    """The home module of `name` and every bot module that imported it by name."""
    home = GRIDS[name][0]
    out = [home]
    for key, mod in list(sys.modules.items()):
        bound = key.startswith("bot.") and mod is not home and name in vars(mod)
        if bound and vars(mod)[name] == getattr(home, name):
            out.append(mod)
    return out


_BINDINGS: dict[str, list[ModuleType]] = {}


def _clear_caches() -> None:
    for key, mod in list(sys.modules.items()):
        if key.startswith("bot.") and mod is not None:
            for value in vars(mod).values():
                if callable(getattr(value, "cache_clear", None)) and (
                    getattr(value, "__module__", None) == key
                ):
                    value.cache_clear()
    engine._VIEWS.clear()


def apply(setting: Setting) -> None:
    values = dict(DEFAULTS)
    values.update(setting)
    for name, value in values.items():
        if name not in _BINDINGS:
            _BINDINGS[name] = _modules_binding(name)
        for mod in _BINDINGS[name]:
            setattr(mod, name, value)
    _clear_caches()


def with_value(setting: Setting, name: str, value: float) -> Setting:
    d = dict(setting)
    if value == DEFAULTS[name]:
        d.pop(name, None)
    else:
        d[name] = value
    return tuple(sorted(d.items()))


def show(setting: Setting) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in setting) or "(shipped constants)"


class Bench:
    """Assessments per setting (memoised) and the per-deck confusion at every cut-off pair."""

    def __init__(self, decks: Sequence[LabelledDeck], cache: Path | None) -> None:
        self.decks = list(decks)
        self.judged = [i for i, d in enumerate(self.decks) if d.heldout or d.name == "seed"]
        self.gold = [np.array([_T[r.label] for r in d.rows]) for d in self.decks]
        self.cache = cache
        self.raw: dict[str, list[list[list[float]]]] = {}
        if cache is not None and cache.exists():
            self.raw = json.loads(cache.read_text())
        self.conf: dict[Setting, np.ndarray] = {}
        self.assessed = 0

    def _assess(self, setting: Setting) -> list[list[list[float]]]:
        key = json.dumps(setting)
        if key not in self.raw:
            apply(setting)
            out = []
            for d in self.decks:
                rows = []
                for r in d.rows:
                    card = find_card(r.question, d.cards)
                    assert card is not None
                    a = engine.assess(card, r.answer, deck=d.cards)
                    kind = (
                        FREE if a.trap is None else CAPPED if a.trap in engine._CAPPED else FORCED
                    )
                    rows.append([a.score, kind])
                out.append(rows)
            self.raw[key] = out
            self.assessed += 1
            apply(BASE)
        return self.raw[key]

    def confusion(self, setting: Setting) -> np.ndarray:
        """[deck, correct cut-off, partial cut-off, teacher, grader] counts."""
        if setting not in self.conf:
            raw = self._assess(setting)
            c = np.array(_GRID_CORRECT)[:, None, None]
            p = np.array(_GRID_PARTIAL)[None, :, None]
            per_deck = []
            for gold, rows in zip(self.gold, raw, strict=True):
                arr = np.array(rows, dtype=float).reshape(-1, 2)
                s, kind = arr[None, None, :, 0], arr[None, None, :, 1]
                # engine.label_for: a capped trap is at most partial, another trap is wrong.
                grader = np.where(
                    kind == FORCED, 2,
                    np.where((kind == FREE) & (s >= c), 0, np.where(s >= p, 1, 2)),
                )
                conf = np.zeros((len(_GRID_CORRECT), len(_GRID_PARTIAL), 3, 3))
                for t in range(3):
                    sel = grader[:, :, gold == t]
                    for g in range(3):
                        conf[:, :, t, g] = (sel == g).sum(axis=2)
                per_deck.append(conf)
            self.conf[setting] = np.stack(per_deck)
        return self.conf[setting]

    def save(self) -> None:
        if self.cache is not None:
            self.cache.write_text(json.dumps(self.raw))


def metrics(conf: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Macro-F1, wrong->correct and correct->wrong (evaluation.report) over the last axes."""
    f1s = []
    for lab in range(3):
        tp = conf[..., lab, lab]
        predicted = conf[..., :, lab].sum(axis=-1)
        actual = conf[..., lab, :].sum(axis=-1)
        with np.errstate(invalid="ignore", divide="ignore"):
            prec = np.where(predicted > 0, tp / predicted, 0.0)
            rec = np.where(actual > 0, tp / actual, 0.0)
            f1s.append(np.where(prec + rec > 0, 2 * prec * rec / (prec + rec), 0.0))
    wrong = conf[..., 2, :].sum(axis=-1)
    correct = conf[..., 0, :].sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        wc = np.where(wrong > 0, conf[..., 2, 0] / wrong, 0.0)
        cw = np.where(correct > 0, conf[..., 0, 2] / correct, 0.0)
    return sum(f1s) / 3, wc, cw


def fit_cutoffs(conf: np.ndarray) -> tuple[int, int]:
    """evaluation.best_cutoffs on a pooled confusion [c, p, 3, 3], as grid indices."""
    f1, wc, cw = metrics(conf)
    key = (f1 - HARM_PENALTY * (wc + cw)).tolist()
    best = (-1.0, 0.0, 0, 0)
    for i, c in enumerate(_GRID_CORRECT):
        for j in range(len(_GRID_PARTIAL)):
            k = key[i][j]
            if k > best[0] + 1e-9 or (abs(k - best[0]) <= 1e-9 and c > best[1]):
                best = (k, c, i, j)
    return best[2], best[3]


def lodo(conf: np.ndarray, decks: Iterable[int], out: int) -> tuple[float, float, float]:
    """Deck `out` graded at cut-offs fitted on `decks` less `out`: macro-F1, wc, cw."""
    pool = sum(conf[d] for d in decks if d != out)
    i, j = fit_cutoffs(pool)
    f1, wc, cw = metrics(conf[out, i, j])
    return float(f1), float(wc), float(cw)


def objective(bench: Bench, setting: Setting, left_out: int | None) -> float:
    """Mean LODO (macro-F1 - penalty * harms) over the judged decks, `left_out` unseen."""
    conf = bench.confusion(setting)
    decks = [d for d in range(len(bench.decks)) if d != left_out]
    vals = []
    for e in bench.judged:
        if e != left_out:
            f1, wc, cw = lodo(conf, decks, e)
            vals.append(f1 - HARM_PENALTY * (wc + cw))
    return sum(vals) / len(vals)


def search(
    bench: Bench, grid: list[Setting], left_out: int | None, rounds: int, active: list[str]
) -> tuple[Setting, float, list[Setting]]:
    """Coordinate descent from the grid's best setting over the `active` constants (those
    whose grid values change some label); returns the best, its objective, the pool."""
    pool = list(grid)
    scored = {s: objective(bench, s, left_out) for s in pool}
    best = max(pool, key=lambda s: (scored[s], -len(s)))
    for _ in range(rounds):
        moved = False
        for name in active:
            for v in (DEFAULTS[name], *GRIDS[name][1]):
                cand = with_value(best, name, v)
                if cand not in scored:
                    scored[cand] = objective(bench, cand, left_out)
                    pool.append(cand)
                if scored[cand] > scored[best] + 1e-9:
                    best, moved = cand, True
        if not moved:
            break
    return best, scored[best], pool


def prune(bench: Bench, setting: Setting, keep: float) -> list[tuple[Setting, float]]:
    """Backward elimination: drop the changed constant that costs least, while the
    all-decks objective stays at least `keep` of the way from the base to `setting`."""
    base = objective(bench, BASE, None)
    full = objective(bench, setting, None)
    path = [(setting, full)]
    cur = setting
    while len(cur) > 1:
        options = [(objective(bench, tuple(x for x in cur if x != c), None), c) for c in cur]
        val, drop = max(options)
        if val - base < keep * (full - base):
            break
        cur = tuple(x for x in cur if x != drop)
        path.append((cur, val))
    return path


def table(bench: Bench, setting: Setting) -> list[tuple[str, float, float, float]]:
    conf = bench.confusion(setting)
    every = range(len(bench.decks))
    return [(bench.decks[d].name, *lodo(conf, every, d)) for d in bench.judged]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=1, help="coordinate-descent rounds per scope")
    ap.add_argument("--cache", type=Path, default=None, help="JSON file of assessments")
    ap.add_argument("--keep", type=float, default=0.8,
                    help="pruning keeps this share of the all-decks gain")
    args = ap.parse_args()
    t0 = time.time()
    bench = Bench(all_decks(), args.cache)
    grid: list[Setting] = [BASE]
    for name, (_, values) in GRIDS.items():
        grid += [with_value(BASE, name, v) for v in values]
    for s in grid:
        bench.confusion(s)
    bench.save()
    print(f"grid: {len(grid)} settings assessed in {time.time() - t0:.0f}s", flush=True)
    changed = [s for s in grid if s and not np.array_equal(bench.confusion(s),
                                                          bench.confusion(BASE))]
    active = [name for name in GRIDS if any(s[0][0] == name for s in changed)]
    print(f"  {len(changed)} of them change some label at some cut-offs; constants that "
          f"never do: {', '.join(n for n in GRIDS if n not in active) or 'none'}")

    base_rows = table(bench, BASE)
    nested: list[tuple[str, float, float, float, Setting]] = []
    every = range(len(bench.decks))
    for d in bench.judged:
        chosen, val, pool = search(bench, grid, d, args.rounds, active)
        f1, wc, cw = lodo(bench.confusion(chosen), every, d)
        nested.append((bench.decks[d].name, f1, wc, cw, chosen))
        bench.save()
        print(f"  fold {bench.decks[d].name}: pool {len(pool)}, inner objective {val:.4f}, "
              f"{time.time() - t0:.0f}s", flush=True)
    best, best_val, _ = search(bench, grid, None, args.rounds, active)
    bench.save()

    print("\nNested leave-one-deck-out (judged decks): shipped -> fitted on the other decks")
    print(f"{'deck':<28}{'F1':>15}{'wc':>15}{'cw':>15}  setting chosen without the deck")
    for (name, f0, w0, c0), (_, f1, w1, c1, s) in zip(base_rows, nested, strict=True):
        print(f"{name:<28}{f0:>7.3f}->{f1:.3f}{w0:>7.3f}->{w1:.3f}{c0:>7.3f}->{c1:.3f}  {show(s)}")
    b = [r[1] for r in base_rows]
    n = [r[1] for r in nested]
    print(f"MEAN judged F1 {sum(b) / len(b):.4f} -> {sum(n) / len(n):.4f}   "
          f"MIN {min(b):.4f} -> {min(n):.4f}")
    worst_harm = max(max(r[2] - q[2], r[3] - q[3]) for q, r in zip(base_rows, nested,
                                                                    strict=True))
    print(f"largest rise of a deck's wc or cw: {worst_harm:+.4f}")

    print(f"\nChosen on all decks (objective {objective(bench, BASE, None):.4f} -> "
          f"{best_val:.4f}): {show(best)}")
    for setting, val in prune(bench, best, args.keep):
        rows = table(bench, setting)
        f = [r[1] for r in rows]
        print(f"  {len(setting)} changed, objective {val:.4f}, LODO MEAN {sum(f) / len(f):.4f} "
              f"MIN {min(f):.4f}: {show(setting)}")
        print("    " + " ".join(f"{r[0][:10]}={r[1]:.3f}/{r[2]:.3f}/{r[3]:.3f}" for r in rows))
    bench.save()
    print(f"\n{bench.assessed} settings assessed, {time.time() - t0:.0f}s in all")


if __name__ == "__main__":
    main()
