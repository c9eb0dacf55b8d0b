"""The answer grader on labelled decks, and its speed against a rapidfuzz baseline.

Run from the repository root: `python bench/grading.py`.

1. Quality, leave-one-deck-out: for every labelled deck (the seed deck with the shared dev
   answers, and the held-out decks in tests/grading/heldout/), the two score cut-offs are
   fitted on the other decks and the deck is graded with them. Printed per deck: macro-F1
   and both harm rates (wrong graded correct, correct graded wrong).
2. Speed on one core: every labelled answer of every deck, repeated to at least 20,000
   gradings, graded with its deck (as the bot does) and by a `fuzz.token_set_ratio` grader,
   in alternating rounds so that machine load hits both alike. Per-card analysis is cached
   after the first pass, as in the bot; answers are not.
3. Worst case: a 2,000-character answer of made-up words (every word unknown, so typo
   repair, short forms and the other-card check all search) against a generated deck of
   2,000 cards, the import limit; the same answer through the rapidfuzz grader alongside.
4. Memory: the resident size of a fresh process that imports the bot's application and
   grades every answer once (the bot process with the grader loaded).

The last line is `decks=N macroF1_min=… harm_wc_max=… harm_cw_max=… answers_per_s=…` over the
held-out decks and the seed deck.
"""

from __future__ import annotations

import json
import random
import string
import subprocess
import sys
import time
from collections.abc import Callable

from harness import REPO as ROOT
from rapidfuzz import fuzz

from bot.decks.model import CardSpec
from bot.grading import grade
from bot.grading.jsonl import find_card
from tests.grading.labelled import LabelledDeck, all_decks, leave_one_deck_out

MIN_GRADINGS = 20_000
Pair = tuple[CardSpec, str, tuple[CardSpec, ...]]

_RSS_PROBE = """
import sys
sys.path.insert(0, {root!r})
import bot.app  # the bot process's own imports
from bot.grading import grade
from tests.grading.labelled import all_decks
from bot.grading.jsonl import find_card
decks = all_decks()
for d in decks:
    for r in d.rows:
        grade(find_card(r.question, d.cards), r.answer, deck=d.cards)
assert "torch" not in sys.modules
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        print(int(line.split()[1]) / 1024)
"""


def pairs_of(decks: list[LabelledDeck]) -> list[Pair]:
    out = []
    for d in decks:
        for r in d.rows:
            card = find_card(r.question, d.cards)
            assert card is not None, r.question
            out.append((card, r.answer, d.cards))
    return out


def baseline(card: CardSpec, answer: str) -> str:
    s = fuzz.token_set_ratio(card.answer, answer) / 100
    return "correct" if s >= 0.6 else "partial" if s >= 0.35 else "wrong"


def _timed(fn: Callable[[Pair], object], pairs: list[Pair], lat: list[int]) -> float:
    start = time.perf_counter()
    for pair in pairs:
        t0 = time.perf_counter_ns()
        fn(pair)
        lat.append(time.perf_counter_ns() - t0)
    return time.perf_counter() - start


def quality(decks: list[LabelledDeck]) -> list[tuple[str, float, float, float]]:
    print("leave-one-deck-out (cut-offs fitted on the other decks)")
    print(f"{'deck':<28}{'answers':>8}{'cut-offs':>16}{'macroF1':>9}{'wrong>corr':>11}"
          f"{'corr>wrong':>11}")
    judged = []
    for r in leave_one_deck_out(decks):
        p = r.report
        kind = "" if r.deck.heldout or r.deck.name == "seed" else "  (dev fixture)"
        print(f"{r.deck.name:<28}{p.n:>8}{r.cutoffs!s:>16}{p.macro_f1:>9.3f}"
              f"{p.wrong_to_correct:>11.3f}{p.correct_to_wrong:>11.3f}{kind}")
        if not kind:
            judged.append((r.deck.name, p.macro_f1, p.wrong_to_correct, p.correct_to_wrong))
    return judged


UNSEEN = ROOT / "tests" / "grading" / "unseen"


def unseen() -> list[tuple[str, float, float, float]]:
    """Decks kept from everyone who changed the rules, graded as the bot grades (shipped
    cut-offs): the closest this repository has to a teacher's new deck."""
    from bot.decks.loader import parse_any
    from bot.grading.jsonl import grade_lines
    from tests.grading.evaluation import report

    print("\nunseen decks (shipped cut-offs; never used to develop or fit anything)")
    judged = []
    for txt in sorted(UNSEEN.glob("*.txt")):
        lines = (txt.with_suffix(".jsonl")).read_text(encoding="utf-8").splitlines()
        gold = [json.loads(x)["label"] for x in lines if x.strip()]
        verdicts = [json.loads(x).get("label", "?")
                    for x in grade_lines(lines, list(parse_any(txt).cards))]
        p = report(list(zip(gold, verdicts, strict=True)))
        print(f"{txt.stem:<28}{p.n:>8}{'shipped':>16}{p.macro_f1:>9.3f}"
              f"{p.wrong_to_correct:>11.3f}{p.correct_to_wrong:>11.3f}")
        judged.append((txt.stem, p.macro_f1, p.wrong_to_correct, p.correct_to_wrong))
    return judged


def speed(pairs: list[Pair]) -> float:
    t0 = time.perf_counter()
    for card, answer, deck in pairs:
        grade(card, answer, deck=deck)
    print(f"\ncold_first_pass answers={len(pairs)} seconds={time.perf_counter() - t0:.3f}")
    graders: dict[str, Callable[[Pair], object]] = {
        "grader": lambda p: grade(p[0], p[1], deck=p[2]),
        "grader_without_deck": lambda p: grade(p[0], p[1]),
        "baseline": lambda p: baseline(p[0], p[1]),
    }
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
    return rate["grader"]


def worst_case() -> None:
    rng = random.Random(20261205)

    def made_up(lo: int, hi: int) -> str:
        return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(lo, hi)))

    words = [made_up(4, 10) for _ in range(6000)]
    deck = tuple(
        CardSpec(key=f"k{i}", question=f"What is {words[i]}?",
                 answer=" ".join(rng.choice(words) for _ in range(40)) + ".")
        for i in range(2000)
    )
    grade(deck[0], "warm", deck=deck)  # the deck's view is built once per deck, as in the bot
    answer = " ".join(made_up(3, 9) for _ in range(400))[:2000]
    took: list[float] = []
    base: list[float] = []
    for i in range(1, 6):
        t0 = time.perf_counter()
        grade(deck[i], f"{answer} {i}", deck=deck)
        took.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        baseline(deck[i], f"{answer} {i}")
        base.append(time.perf_counter() - t0)
    print(f"worst_case ms_first={took[0] * 1e3:.0f} ms_max_after={max(took[1:]) * 1e3:.0f} "
          f"baseline_ms={max(base) * 1e3:.2f} (2,000-char answer of unknown words, 2,000 cards)")


def bot_rss_mib() -> float:
    out = subprocess.run([sys.executable, "-c", _RSS_PROBE.format(root=str(ROOT))],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    decks = all_decks()
    judged = quality(decks) + unseen()
    rate = speed(pairs_of(decks))
    worst_case()
    print(f"bot_rss_mib={bot_rss_mib():.1f} (bot application imported, grader loaded and used, "
          "no torch)")
    print(
        f"decks={len(judged)} macroF1_min={min(j[1] for j in judged):.3f} "
        f"harm_wc_max={max(j[2] for j in judged):.3f} "
        f"harm_cw_max={max(j[3] for j in judged):.3f} answers_per_s={rate:.0f}"
    )


if __name__ == "__main__":
    main()
