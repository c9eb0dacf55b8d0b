"""Daily-push throughput and exactly-once check over many learners and time zones.

    python bench/push.py --learners 100000 [--db sqlite|postgres] [--rate-limit]

Creates N learners (bulk insert) in ~400 time zones whose push moments are spread over one
hour, then simulates that hour with the app's clock: one `run_due_pushes` per simulated
minute, back to back. That is the real push path: the real application (build_application,
post_init, its Database and catalog), the real planner/claims, and PTB's `send_message`
through the app's AIORateLimiter to the Bot API emulator over HTTP.

The emulator runs in a child process so its JSON handling does not share a CPU with the bot;
its call log is read back over the `/_emulator` HTTP API. Without --rate-limit the app is
built with TELEGRAM_RATE_LIMIT=false (no AIORateLimiter) and the emulator enforces no
limits; with it, both are on, as against Telegram.

The push is a quiz: each one opens the first due card's study prompt with its claim and
carries the question. The same run first measures the reminder-only push ("N cards are
due", no prompt) on its own database and emulator, so the quiz's extra cost is visible
side by side. A baseline, measured in the same run, sends plain PTB messages with the same
concurrency and no database, so the push path's own overhead is visible: the bot process's
CPU per push in the simulated hour, less the baseline's CPU per plain send (the emulator's
CPU is its own process's, not counted; on PostgreSQL neither is the server's). The last line
is the quiz push's:
    learners=N sent=S duplicates=D missed=M seconds=T per_s=R
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import zoneinfo
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from bot.store.throwaway_db import throwaway_postgres  # noqa: E402

FIRST_ID = 1_000_000
BASELINE = 2000
START = datetime(2026, 3, 2, 17, 0, tzinfo=UTC)  # the simulated peak hour (UTC)
PG_ADMIN = os.environ.get("TUTORBOT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


# -- the emulator, in its own process -------------------------------------------------------

def serve_emulator(port: int, users: int) -> None:
    from tgemu import BotApiEmulator

    async def main() -> None:
        emu = BotApiEmulator()
        for i in range(users):
            emu.user(FIRST_ID + i, first_name="L")
        await emu.start(port=port)
        print("ready", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


@contextlib.contextmanager
def emulator_process(users: int) -> Iterator[tuple[str, int]]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, __file__, "--serve-emulator", str(port), "--learners", str(users)],
        stdout=subprocess.PIPE, text=True, cwd=REPO,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            raise RuntimeError(f"emulator did not start: {line!r}")
        yield f"http://127.0.0.1:{port}", proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def child_cpu_s(pid: int) -> float:
    """User+system CPU seconds the emulator used (to tell whether it is the bottleneck)."""
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return float("nan")


def child_peak_rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# -- databases -------------------------------------------------------------------------------

@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/bench.sqlite3"
        return
    with throwaway_postgres(PG_ADMIN, "tutorbot_bench") as url:
        yield url


def zones() -> list[str]:
    """Canonical Area/City zones: whole, half and quarter-hour offsets, both hemispheres."""
    areas = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/",
             "Pacific/")
    return sorted(z for z in zoneinfo.available_timezones() if z.startswith(areas))


def insert_learners(url: str, n: int) -> float:
    """Bulk insert; learner i's push moment is START + (i % 60) minutes in its zone."""
    from bot.store.models import Learner

    started = time.perf_counter()
    tzs = zones()
    wall: dict[tuple[str, int], str] = {}
    engine = sa.create_engine(url)
    rows: list[dict[str, Any]] = []
    with engine.begin() as conn:
        for i in range(n):
            tz, minute = tzs[i % len(tzs)], (i // len(tzs)) % 60
            key = (tz, minute)
            if key not in wall:
                local = (START + timedelta(minutes=minute)).astimezone(zoneinfo.ZoneInfo(tz))
                wall[key] = f"{local.hour:02d}:{local.minute:02d}"
            rows.append({"telegram_id": FIRST_ID + i, "chat_id": FIRST_ID + i,
                         "first_name": "L", "timezone": tz, "push_time": wall[key],
                         "created_at": START - timedelta(days=30)})
            if len(rows) == 5000:
                conn.execute(sa.insert(Learner), rows)
                rows = []
        if rows:
            conn.execute(sa.insert(Learner), rows)
    if engine.dialect.name == "postgresql":
        # Learners arrive over months in real life, and autovacuum keeps statistics on them;
        # a bulk load just now has none, and the planner would guess from an empty table.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE learner"))
    engine.dispose()
    return time.perf_counter() - started


# -- the run ---------------------------------------------------------------------------------

@dataclass
class SimClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Result:
    seconds: float = 0.0
    reports: list[Any] = field(default_factory=list)
    # Bot-process CPU seconds of the simulated hour alone, and of the baseline's sends.
    cpu_s: float = 0.0
    baseline_cpu_s: float = 0.0


async def fetch_sends(base: str) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    async with aiohttp.ClientSession() as http:
        since = 0
        while True:
            async with http.get(f"{base}/_emulator/calls",
                                params={"method": "sendMessage", "since": since,
                                        "limit": 20000}) as resp:
                page = json.loads(await resp.read())
            calls.extend(page["calls"])
            since = page["next"]
            if since >= page["total"]:
                return calls


async def emulator_rate_limit(base: str, on: bool) -> None:
    async with aiohttp.ClientSession() as http:
        body = {"global_per_s": 30, "per_chat_per_s": 1} if on else {"enabled": False}
        async with http.post(f"{base}/_emulator/rate_limit", json=body) as resp:
            resp.raise_for_status()


async def run(args: argparse.Namespace, base: str, url: str, *, quiz: bool
              ) -> tuple[Result, float]:
    from bot.app import build_application, initialize, shutdown
    from bot.config import Settings
    from bot.jobs import pushes
    from tgemu import make_token

    await emulator_rate_limit(base, args.rate_limit)
    # TELEGRAM_RATE_LIMIT=false builds the app without AIORateLimiter: the production path
    # otherwise, measuring our own overhead rather than Telegram's 30 msg/s.
    settings = Settings.model_construct(
        telegram_bot_token=SecretStr(make_token()), telegram_api_url=f"{base}/bot",
        telegram_file_url=f"{base}/file/bot", database_url=url, cards_dir=REPO / "cards",
        fsrs_fuzzing=False, demo_workers=0, push_catchup_hours=3.0,
        telegram_rate_limit=args.rate_limit,
    )
    clock = SimClock()
    app = build_application(settings, clock=clock)
    await initialize(app)  # migrate, sync decks, load the catalog (no polling, no JobQueue)
    app.bot_data.pusher = pushes.Pusher(quiz=quiz)
    try:
        cpu = time.process_time()
        baseline = await baseline_per_s(app, args.learners)
        result = Result(baseline_cpu_s=time.process_time() - cpu)
        started, cpu = time.perf_counter(), time.process_time()
        for minute in range(61):
            clock.now = START + timedelta(minutes=minute, seconds=1)
            result.reports.append(await pushes.run_due_pushes(app))
        result.seconds = time.perf_counter() - started
        result.cpu_s = time.process_time() - cpu
        return result, baseline
    finally:
        await shutdown(app)


async def baseline_per_s(app: Any, n: int) -> float:
    """Plain PTB sends at the push path's concurrency to chats outside the learner range."""
    from bot.jobs import pushes

    count = BASELINE
    await app.bot.send_message(FIRST_ID + n, "warm-up")  # connect once outside the timing
    slots = asyncio.Semaphore(pushes.SEND_CONCURRENCY)

    async def one(i: int) -> None:
        async with slots:
            await app.bot.send_message(FIRST_ID + n + i, "baseline")

    started = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--rate-limit", action="store_true",
                        help="keep the 30 msg/s limiter and make the emulator enforce limits")
    parser.add_argument("--serve-emulator", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_emulator:
        serve_emulator(args.serve_emulator, args.learners + BASELINE + 1)
        return
    import logging
    logging.basicConfig(level=logging.WARNING)

    n = args.learners
    print(f"db={args.db} rate_limit={args.rate_limit} zones={len(zones())} learners={n}",
          flush=True)
    reminder = measure(args, quiz=False)
    quiz = measure(args, quiz=True)
    print(f"quiz push: {quiz.per_s:.0f}/s against the reminder-only push's "
          f"{reminder.per_s:.0f}/s in the same run ({quiz.per_s / reminder.per_s:.0%}); "
          f"{quiz.per_cpu_s:.0f} against {reminder.per_cpu_s:.0f} pushes per CPU-second "
          f"({quiz.per_cpu_s / reminder.per_cpu_s:.0%})")
    print(quiz.last_line)


@dataclass
class Phase:
    per_s: float
    per_cpu_s: float
    last_line: str


def measure(args: argparse.Namespace, *, quiz: bool) -> Phase:
    """One simulated hour of pushes on a fresh database and emulator."""
    n = args.learners
    name = "quiz" if quiz else "reminder-only"
    with database(args.db) as url, emulator_process(n + BASELINE + 1) as (base, emu_pid):
        # Migrate first (post_init would too) so the bulk insert has its tables.
        from bot.store.migrate import upgrade
        upgrade(url)
        insert_s = insert_learners(url, n)
        print(f"[{name}] inserted {n} learners in {insert_s:.1f}s", flush=True)
        emu_cpu = child_cpu_s(emu_pid)
        own_cpu = time.process_time()
        result, baseline = asyncio.run(run(args, base, url, quiz=quiz))
        emu_cpu = child_cpu_s(emu_pid) - emu_cpu
        own_cpu = time.process_time() - own_cpu
        calls = asyncio.run(fetch_sends(base))
        emu_rss = child_peak_rss_mb(emu_pid)
        prompts = count_prompts(url)
    ok = Counter(int(c["params"]["chat_id"]) for c in calls
                 if c["status"] == 200 and FIRST_ID <= int(c["params"]["chat_id"]) < FIRST_ID + n)
    refused = Counter(c["status"] for c in calls if c["status"] != 200)
    sent = sum(ok.values())
    duplicates = sum(v - 1 for v in ok.values() if v > 1)
    missed = n - len(ok)
    found = sum(r.found for r in result.reports)
    failed = sum(r.failed + r.retry for r in result.reports)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    per_s = sent / result.seconds if result.seconds else 0.0
    from bot.jobs.pushes import SEND_CONCURRENCY

    print(f"[{name}] baseline: plain PTB send_message at concurrency {SEND_CONCURRENCY} "
          f"= {baseline:.0f}/s (same emulator, no database)")
    print(f"[{name}] push path: {found} claimed over 61 ticks, failed/retry={failed}, "
          f"prompts opened={prompts}, emulator refusals={dict(refused)}, "
          f"{per_s / baseline:.0%} of baseline")
    print(f"[{name}] cpu during run (incl. baseline): bot process {own_cpu:.1f}s, "
          f"emulator {emu_cpu:.1f}s, on {os.cpu_count()} cores")
    # CPU, unlike wall time, hardly depends on what else the shared machine runs.
    print(f"[{name}] bot process CPU per push (incl. start-up and baseline): "
          f"{own_cpu / max(sent, 1) * 1000:.2f} ms, {sent / own_cpu:.0f} pushes per CPU-second")
    # The push path's own overhead: its CPU per push less what a plain PTB send of the same
    # concurrency costs (the baseline's CPU per send), both in the bot process.
    push_ms = result.cpu_s / max(sent, 1) * 1000
    send_ms = result.baseline_cpu_s / BASELINE * 1000
    own_ms = push_ms - send_ms
    print(f"[{name}] own overhead: {push_ms:.3f} ms CPU per push in the simulated hour, "
          f"{send_ms:.3f} ms per plain PTB send; {own_ms:.3f} ms of its own = "
          f"{1000 / own_ms if own_ms > 0 else float('inf'):.0f} pushes per CPU-second")
    print(f"[{name}] peak RSS: bot process {peak_mb:.0f} MiB, emulator process "
          f"{emu_rss:.0f} MiB")
    line = (f"learners={n} sent={sent} duplicates={duplicates} missed={missed} "
            f"seconds={result.seconds:.2f} per_s={per_s:.0f}")
    print(f"[{name}] {line}", flush=True)
    return Phase(per_s, sent / own_cpu, line)


def count_prompts(url: str) -> int:
    """Study prompts the run opened (one per quiz push; none for reminders)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(sa.text("SELECT count(*) FROM study_prompt")).scalar_one())
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
