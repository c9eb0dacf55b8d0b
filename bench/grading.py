"""Throughput and tail latency of the answer grader, against a rapidfuzz baseline.

Run from the repository root: `python bench/grading.py`. It grades the shared dev answers
(repeated to at least 20,000 gradings) in one process, first with our grader, then with a
`fuzz.token_set_ratio` grader, and prints answers per second and p99 latency for both.
Per-card analysis is cached after the first pass, as it is in the bot, which grades the
same cards over and over (the cold first pass is printed separately). Answers themselves
are not cached: each grading re-reads its answer, as a new answer would be. Rounds
alternate between the graders so that machine load hits both alike.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from bot.grading import grade  # noqa: E402
from bot.grading.jsonl import AdHocCard, find_card  # noqa: E402

SHARED = ROOT.parent / "shared"
MIN_GRADINGS = 20_000


def load() -> tuple[list[tuple[AdHocCard, str]], list[AdHocCard]]:
    rows = [
        json.loads(line)
        for line in (SHARED / "grading/dev_answers.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    questions = {r["question"] for r in rows}
    cards: list[AdHocCard] = []
    lines = (SHARED / "seed-deck/neural-network-basics-2.txt").read_text(encoding="utf-8")
    for line in (x.strip() for x in lines.splitlines()[1:]):
        if line in questions:
            cards.append(AdHocCard(line, ""))
        elif line and cards:
            prev = cards[-1]
            sep = "\n" if prev.answer and line[:1] in "-–" else " " if prev.answer else ""
            cards[-1] = AdHocCard(prev.question, prev.answer + sep + line)
    pairs = []
    for r in rows:
        card = find_card(r["question"], cards)
        assert card is not None
        pairs.append((card, r["answer"]))
    return pairs, cards


def baseline(card: AdHocCard, answer: str) -> str:
    s = fuzz.token_set_ratio(card.answer, answer) / 100
    return "correct" if s >= 0.6 else "partial" if s >= 0.35 else "wrong"


def _timed(
    fn: Callable[[AdHocCard, str], object], pairs: list[tuple[AdHocCard, str]], lat: list[int]
) -> float:
    start = time.perf_counter()
    for card, answer in pairs:
        t0 = time.perf_counter_ns()
        fn(card, answer)
        lat.append(time.perf_counter_ns() - t0)
    return time.perf_counter() - start


def main() -> None:
    pairs, deck = load()
    t0 = time.perf_counter()
    for card, answer in pairs:
        grade(card, answer, deck=deck)
    print(f"cold_first_pass answers={len(pairs)} seconds={time.perf_counter() - t0:.3f}")
    graders: dict[str, Callable[[AdHocCard, str], object]] = {
        "grader": lambda c, a: grade(c, a, deck=deck),
        "grader_without_deck": lambda c, a: grade(c, a),
        "baseline": baseline,
    }
    # Rounds alternate between the graders so that both see the same machine load.
    lat: dict[str, list[int]] = {name: [] for name in graders}
    total = dict.fromkeys(graders, 0.0)
    for _ in range(-(-MIN_GRADINGS // len(pairs))):
        for name, fn in graders.items():
            total[name] += _timed(fn, pairs, lat[name])
    rate = {}
    for name in graders:
        xs = sorted(lat[name])
        rate[name] = len(xs) / total[name]
        p99 = xs[int(len(xs) * 0.99) - 1] / 1e6
        print(f"{name} answers_per_s={rate[name]:.0f} p99_ms={p99:.3f} n={len(xs)}")
    print(f"ratio={rate['grader'] / rate['baseline']:.4f} (grader / baseline answers per second)")


if __name__ == "__main__":
    main()
