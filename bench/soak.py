"""Crash soak: the real bot process SIGKILLed at random moments while learners study.

Run: .venv/bin/python bench/soak.py [--reviews 500] [--kills 50] [--engine sqlite|postgres]
     [--learners 12] [--junk 20] [--seed 1] [--max-seconds 540]

A standalone emulator and `python -m bot run` (the production entry point) run as
subprocesses; seeded learners answer and rate cards over the emulator's HTTP API while
strangers send junk and forge buttons. After every kill, and at the end, it checks that every
rating a learner saw confirmed is in review_log exactly once, that nothing else is, and that
replaying each card's log through bot.scheduling.review gives the stored card state. The
baseline is the same run with no kills (--kills 0), printed first when --baseline is given.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

import harness  # noqa: F401  (the test suite's reliability harness is reused here)

from tests.factories import postgres_database
from tests.reliability.harness import BotProcess, Emulator, Soak, SoakReport, bot_env


def traceback_kinds(log: str) -> Counter[str]:
    """Each logged error with a traceback, named by the exception that finally escaped.

    A chained exception prints several tracebacks for one failure; this counts failures.
    """
    kinds: Counter[str] = Counter()
    for entry in re.split(r"^(?=\S+ \S+ (?:ERROR|CRITICAL) )", log, flags=re.MULTILINE):
        if "Traceback (most recent call last):" not in entry:
            continue
        endings = [line for line in entry.splitlines()
                   if re.match(r"^[\w.]+(Error|Exception|Violation|Interrupt|Exit)\b", line)]
        kinds[(endings[-1] if endings else "?")[:160]] += 1
    return kinds


def soak(args: argparse.Namespace, kills: int) -> tuple[SoakReport, float]:
    with tempfile.TemporaryDirectory(prefix="tutorbot-soak-") as tmp, ExitStack() as stack:
        folder = Path(tmp)
        if args.engine == "postgres":
            url = stack.enter_context(postgres_database())
        else:
            url = f"sqlite:///{folder / 'soak.sqlite3'}"
        emu = Emulator(folder / "emulator.log")
        stack.callback(emu.close)
        bot = BotProcess(bot_env(emu, url), folder / "bot.log", folder, emu)
        stack.callback(bot.stop)
        run = Soak(emu, bot, url, seed=args.seed, reviews=args.reviews, kills=kills,
                   learners=args.learners, junk_per_step=args.junk,
                   max_seconds=args.max_seconds)
        stack.callback(run.close)
        started = time.monotonic()
        report = run.run()
        elapsed = time.monotonic() - started
        if run.out_of_time:
            print(f"stopped at the {args.max_seconds:.0f} s budget after {report.kills} of "
                  f"{kills} kills", file=sys.stderr)
        if report.tracebacks:
            log = (folder / "bot.log").read_text(errors="replace")
            print(log[log.find("Traceback") - 300:][:3000], file=sys.stderr)
            for error, count in traceback_kinds(log).most_common():
                print(f"failure x{count}: {error}", file=sys.stderr)
        return report, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reviews", type=int, default=500)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--learners", type=int, default=12)
    parser.add_argument("--junk", type=int, default=20, help="junk updates per learner action")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--max-seconds", type=float, default=540.0,
                        help="stop early (and say so) after this long; the checks still run")
    parser.add_argument("--baseline", action="store_true",
                        help="first run the same load without kills, for comparison")
    args = parser.parse_args()
    if args.baseline:
        base, base_s = soak(args, 0)
        print(f"baseline ({args.engine}, no kills): {base.line()} elapsed_s={base_s:.1f}")
    report, elapsed = soak(args, args.kills)
    for problem in report.problems[:20]:
        print("problem:", problem)
    print(f"engine={args.engine} elapsed_s={elapsed:.1f}")
    print(report.line())
    bad = (report.lost or report.doubled or report.phantom or report.wrong_rating
           or report.state_mismatches or report.tracebacks)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
