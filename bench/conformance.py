"""What the emulator's Bot API conformance check costs per call, against the same emulator
with the check off, in one run.

    .venv/bin/python bench/conformance.py [--calls 2000] [--rounds 3]

The check (tgemu/_conformance.py) runs on every call the bot makes, in the
tests, the benchmarks and the playground, so it has to be cheap next to serving the call. A
PTB `Bot` sends the study loop's heaviest message, a graded reply (HTML, a blockquote, five
rating buttons) over real HTTP, `--calls` times with the check on and as many with it off;
rounds alternate the order so machine load hits both alike. Client and emulator share one
event loop, so a call's figure is the thread CPU time of both (PTB's side included, as a test
pays it); the check alone is timed inside the emulator on the same calls.

Last line: `check_us_per_call=C served_us_per_call=S baseline_served_us_per_call=S0
ratio=R` (C: the check alone; S: a call with the check on; S0: with it off; R: S/S0; the
medians over the rounds).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from tgemu import BotApiEmulator
from tgemu._conformance import Checker

TEXT = (
    "✅ <b>Correct</b> · 92%\n✔︎ You got: learning rate, step size\n\n"
    "<b>Reference answer</b>\n<blockquote>The learning rate controls the size of each step "
    "that gradient descent takes: too small and training crawls, too large and the loss "
    "diverges.</blockquote>\nHow well did you recall it? My suggestion is marked ✓."
)
KEYBOARD = InlineKeyboardMarkup([
    [InlineKeyboardButton(label, callback_data=f"r:123456:{i}")
     for i, label in enumerate(("Again", "Hard", "Good ✓", "Easy"), start=1)],
    [InlineKeyboardButton("📈 Show me", callback_data="d:123456")],
])


class TimedChecker(Checker):
    """The real check, with the thread CPU time it takes added up."""

    spent = 0.0

    def check(self, method, values, files):  # type: ignore[no-untyped-def]
        start = time.thread_time()
        try:
            return super().check(method, values, files)
        finally:
            TimedChecker.spent += time.thread_time() - start


async def serve(calls: int, *, conformance: bool) -> tuple[float, float]:
    """(CPU per call, client and emulator; the check's CPU per call) in microseconds."""
    emu = BotApiEmulator(conformance=conformance)
    if conformance:
        emu._checker = TimedChecker()  # same rules, timed
    await emu.start()
    emu.user(7)
    TimedChecker.spent = 0.0
    try:
        async with Bot(emu.token, base_url=emu.base_url) as bot:
            await bot.send_message(7, TEXT, parse_mode="HTML", reply_markup=KEYBOARD)
            start = time.thread_time()
            for _ in range(calls):
                await bot.send_message(7, TEXT, parse_mode="HTML", reply_markup=KEYBOARD)
            total = time.thread_time() - start
    finally:
        await emu.stop()
    assert not emu.violations, [v.describe() for v in emu.violations]
    return total / calls * 1e6, TimedChecker.spent / calls * 1e6


async def main(args: argparse.Namespace) -> None:
    on: list[tuple[float, float]] = []
    off: list[float] = []
    for round_ in range(args.rounds):
        for conformance in (True, False) if round_ % 2 == 0 else (False, True):
            per_call, check = await serve(args.calls, conformance=conformance)
            if conformance:
                on.append((per_call, check))
            else:
                off.append(per_call)
            print(f"round {round_ + 1} check {'on ' if conformance else 'off'}: "
                  f"{per_call:7.1f} us CPU per call (client and emulator)"
                  + (f", of which the check {check:5.1f} us" if conformance else ""))
    served = statistics.median(p for p, _ in on)
    check = statistics.median(c for _, c in on)
    baseline = statistics.median(off)
    print(f"\n{args.calls} graded replies per run, {args.rounds} rounds "
          f"(python {sys.version.split()[0]})")
    print(f"check_us_per_call={check:.1f} served_us_per_call={served:.1f} "
          f"baseline_served_us_per_call={baseline:.1f} ratio={served / baseline:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    asyncio.run(main(parser.parse_args()))
