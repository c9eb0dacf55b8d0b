"""Metrics for the grader on labelled answers: accuracy, macro-F1, confusion, harm rates.

Also a leave-one-card-out run: the two global score cut-offs are re-chosen on the other
cards and applied to the held-out card, so a figure tuned to one card cannot hide here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product

from bot.decks.model import CardSpec
from bot.grading.engine import Assessment, assess, label_for
from bot.grading.jsonl import find_card
from tests.grading.devdata import Row

LABELS = ("correct", "partial", "wrong")
# Fitting cut-offs trades macro-F1 against the two harms (wrong->correct, correct->wrong).
HARM_PENALTY = 0.5
# Above one half: naming half of the key ideas is partial by the rubric, never correct.
_GRID_CORRECT = tuple(round(0.525 + 0.025 * i, 3) for i in range(14))  # 0.525 .. 0.85
_GRID_PARTIAL = tuple(round(0.05 + 0.025 * i, 3) for i in range(11))  # 0.05 .. 0.30


@dataclass(frozen=True)
class Report:
    n: int
    accuracy: float
    macro_f1: float
    f1: dict[str, float]
    confusion: dict[tuple[str, str], int]  # (teacher, grader) -> count
    wrong_to_correct: float  # share of teacher-"wrong" answers graded correct
    correct_to_wrong: float

    def lines(self) -> list[str]:
        out = [
            f"n={self.n} accuracy={self.accuracy:.3f} macro_f1={self.macro_f1:.3f} "
            + " ".join(f"f1_{k}={v:.3f}" for k, v in self.f1.items()),
            f"harm: wrong->correct={self.wrong_to_correct:.3f} "
            f"correct->wrong={self.correct_to_wrong:.3f}",
            "confusion (rows teacher, cols grader): " + " ".join(f"{x[:4]:>5}" for x in LABELS),
        ]
        for t in LABELS:
            out.append(f"  {t:>8} " + " ".join(f"{self.confusion[(t, g)]:>5}" for g in LABELS))
        return out


def report(pairs: Sequence[tuple[str, str]]) -> Report:
    """`pairs` holds (teacher label, grader label)."""
    conf = {(t, g): 0 for t in LABELS for g in LABELS}
    for t, g in pairs:
        conf[(t, g)] += 1
    f1: dict[str, float] = {}
    for lab in LABELS:
        tp = conf[(lab, lab)]
        predicted = sum(conf[(x, lab)] for x in LABELS)
        actual = sum(conf[(lab, x)] for x in LABELS)
        p = tp / predicted if predicted else 0.0
        r = tp / actual if actual else 0.0
        f1[lab] = 2 * p * r / (p + r) if p + r else 0.0
    n = len(pairs)
    wrong = sum(conf[("wrong", g)] for g in LABELS)
    correct = sum(conf[("correct", g)] for g in LABELS)
    return Report(
        n=n,
        accuracy=sum(conf[(x, x)] for x in LABELS) / n if n else 0.0,
        macro_f1=sum(f1.values()) / 3,
        f1=f1,
        confusion=conf,
        wrong_to_correct=conf[("wrong", "correct")] / wrong if wrong else 0.0,
        correct_to_wrong=conf[("correct", "wrong")] / correct if correct else 0.0,
    )


def assess_rows(rows: Sequence[Row], deck: Sequence[CardSpec]) -> list[Assessment]:
    out = []
    for r in rows:
        card = find_card(r.question, deck)
        assert card is not None, f"no card for {r.question!r}"
        out.append(assess(card, r.answer, deck=deck))
    return out


def labelled(
    rows: Sequence[Row],
    found: Sequence[Assessment],
    correct_at: float | None = None,
    partial_at: float | None = None,
) -> list[tuple[str, str]]:
    kw = {}
    if correct_at is not None and partial_at is not None:
        kw = {"correct_at": correct_at, "partial_at": partial_at}
    return [(r.label, label_for(a, **kw)[0].value) for r, a in zip(rows, found, strict=True)]


def best_cutoffs(rows: Sequence[Row], found: Sequence[Assessment]) -> tuple[float, float]:
    """Cut-offs with the best macro-F1; ties go to the stricter `correct` cut-off."""
    best = (-1.0, 0.0, 0.0)
    for c, p in product(_GRID_CORRECT, _GRID_PARTIAL):
        rep = report(labelled(rows, found, c, p))
        key = rep.macro_f1 - HARM_PENALTY * (rep.wrong_to_correct + rep.correct_to_wrong)
        if key > best[0] + 1e-9 or (abs(key - best[0]) <= 1e-9 and c > best[1]):
            best = (key, c, p)
    return best[1], best[2]


def leave_one_card_out(rows: Sequence[Row], found: Sequence[Assessment]) -> Report:
    pairs: list[tuple[str, str]] = []
    for q in sorted({r.question for r in rows}):
        train = [(r, a) for r, a in zip(rows, found, strict=True) if r.question != q]
        test = [(r, a) for r, a in zip(rows, found, strict=True) if r.question == q]
        c, p = best_cutoffs([r for r, _ in train], [a for _, a in train])
        pairs += labelled([r for r, _ in test], [a for _, a in test], c, p)
    return report(pairs)
