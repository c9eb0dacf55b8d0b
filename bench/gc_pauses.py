"""Garbage-collector pauses in the bot under study load, with and without the start-up freeze.

    .venv/bin/python bench/gc_pauses.py [--learners 100] [--cards 6] [--rounds 2]

After start-up the bot freezes what exists (`gc.freeze()` in post_init), so the collector's
full passes walk only what updates made. A collection holds the GIL: every update in flight
waits it out, so its length lands in the latency tail. This bench runs the real application
(SQLite, long polling) and the emulator in one process, lets the learners study, and times
each collection with `gc.callbacks` (thread CPU time, so other processes do not count). How
often Python starts a full pass depends on how much has piled up since the last one, so each
run ends with one full pass of its own (`gc.collect()`, timed the same way): what the next
one would cost. The baseline is the same run with `gc.unfreeze()` right after start-up, as
the bot was before; rounds alternate between the two so that machine load hits both alike.

Last line: `full_pass_ms=F longest_ms=L gc_us_per_update=U baseline_full_pass_ms=F0
baseline_longest_ms=L0 baseline_gc_us_per_update=U0 ratio=R` (F: the full pass that ends a
run, the longest over the rounds; L: the longest pause of any kind during the runs; U: all
collections' CPU per update; R: F/F0).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import REPO as ROOT
from pydantic import SecretStr

from bot.app import build_application, initialize, shutdown
from bot.config import Settings
from tgemu import BotApiEmulator, ShownMessage

ANSWER = "artificially enlarging the training set by transforming existing data"


@dataclass
class Pauses:
    """Thread CPU seconds of each collection, by generation."""

    by_generation: dict[int, list[float]] = field(
        default_factory=lambda: {0: [], 1: [], 2: []})
    forced: float = 0.0  # the full pass at the end of the run
    _started: float = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.thread_time()
        else:
            self.by_generation[info["generation"]].append(time.thread_time() - self._started)


async def study(emu: BotApiEmulator, learners: range, cards: int) -> int:
    """Every learner answers and rates `cards` cards; returns the number of updates."""

    async def one(user: int) -> int:
        emu.user(user, first_name="Ada")
        await emu.send_text(user, "/study")
        await emu.wait_for_bot_message(user, timeout=30)
        updates = 1
        for _ in range(cards):
            await emu.send_text(user, ANSWER)
            (graded,) = await emu.wait_for_bot_message(user, timeout=30)
            await emu.press(user, graded.message_id, _good(graded))
            await emu.wait_for_bot_message(user, timeout=30)
            updates += 2
        return updates

    return sum(await asyncio.gather(*(one(u) for u in learners)))


def _good(message: ShownMessage) -> str:
    data = next(d for row in message.buttons for label, d in row if "Good" in label)
    assert data is not None, message.body
    return data


@contextlib.contextmanager
def watching(pauses: Pauses) -> Iterator[None]:
    gc.callbacks.append(pauses)
    try:
        yield
    finally:
        gc.callbacks.remove(pauses)


def full_pass_s() -> float:
    started = time.thread_time()
    gc.collect()
    return time.thread_time() - started


async def run(folder: Path, learners: int, cards: int, *, frozen: bool, round_: int
              ) -> tuple[Pauses, int, float]:
    async with BotApiEmulator() as emu:
        settings = Settings.model_construct(
            telegram_bot_token=SecretStr(emu.token), telegram_api_url=emu.base_url,
            telegram_file_url=emu.file_url,
            database_url=f"sqlite:///{folder / f'gc-{frozen}-{round_}.sqlite3'}",
            cards_dir=ROOT / "cards", demo_workers=0, telegram_rate_limit=False,
            flood_limit=1_000_000, log_level="WARNING")
        app = build_application(settings)
        await initialize(app)
        if not frozen:
            gc.unfreeze()  # the baseline: the bot as it was before post_init froze start-up
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=10)
        pauses = Pauses()
        try:
            with watching(pauses):
                started = time.perf_counter()
                updates = await study(emu, range(1, learners + 1), cards)
                seconds = time.perf_counter() - started
            pauses.forced = full_pass_s()
        finally:
            await app.updater.stop()
            await app.stop()
            await shutdown(app)
        return pauses, updates, seconds


@dataclass(frozen=True)
class Summary:
    full_passes: int
    longest_full_ms: float
    forced_full_ms: float  # the longest of the full passes that ended the runs
    longest_ms: float  # any generation
    us_per_update: float  # all collections' CPU


def summary(name: str, results: list[tuple[Pauses, int, float]]) -> Summary:
    full = [p for pauses, _, _ in results for p in pauses.by_generation[2]]
    young = [p for pauses, _, _ in results for g in (0, 1) for p in pauses.by_generation[g]]
    updates = sum(n for _, n, _ in results)
    seconds = sum(s for _, _, s in results)
    out = Summary(len(full), max(full, default=0.0) * 1000,
                  max(pauses.forced for pauses, _, _ in results) * 1000,
                  max(full + young, default=0.0) * 1000,
                  (sum(full) + sum(young)) / updates * 1e6)
    print(f"{name:8} {updates:6d} updates in {seconds:5.1f} s; full passes {len(full):3d} "
          f"(longest {out.longest_full_ms:6.1f} ms), a full pass at the end "
          f"{out.forced_full_ms:6.1f} ms; young passes {len(young):4d} (longest "
          f"{max(young, default=0.0) * 1000:5.1f} ms); all collections "
          f"{out.us_per_update:5.1f} us CPU per update")
    return out


async def main(args: argparse.Namespace) -> None:
    results: dict[bool, list[tuple[Pauses, int, float]]] = {True: [], False: []}
    with tempfile.TemporaryDirectory(prefix="tutorbot-gc-") as tmp:
        for round_ in range(args.rounds):
            for frozen in (False, True) if round_ % 2 == 0 else (True, False):
                results[frozen].append(await run(Path(tmp), args.learners, args.cards,
                                                 frozen=frozen, round_=round_))
    print(f"\n{args.learners} learners x {args.cards} cards, {args.rounds} rounds each "
          f"(python {sys.version.split()[0]})")
    new = summary("frozen", results[True])
    old = summary("baseline", results[False])
    print(f"full_pass_ms={new.forced_full_ms:.1f} longest_ms={new.longest_ms:.1f} "
          f"gc_us_per_update={new.us_per_update:.1f} "
          f"baseline_full_pass_ms={old.forced_full_ms:.1f} "
          f"baseline_longest_ms={old.longest_ms:.1f} "
          f"baseline_gc_us_per_update={old.us_per_update:.1f} "
          f"ratio={new.forced_full_ms / old.forced_full_ms:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--cards", type=int, default=6, help="cards per learner (<= 8)")
    parser.add_argument("--rounds", type=int, default=2)
    asyncio.run(main(parser.parse_args()))
