"""Load bench: many learners answering cards at once, through the Bot API emulator.

    .venv/bin/python bench/load.py [--learners 50] [--cycles 6] [--paced-rate 300]

Three processes per scenario, so that none of them measures the others' CPU: the emulator
(`python -m tgemu`), the bot under test (`bench/load_bots.py`), and this
driver, which plays the learners through the emulator's `/_emulator` HTTP API. The same path
carries the baseline, a bare PTB echo bot, so the ratio compares the bot's own work
(grading, FSRS, the database write, rendering) against nothing at all.

Scenarios: (a) the real bot, SQLite, long polling; (b) the real bot, PostgreSQL, webhook;
(c) the echo bot, long polling; (d) N real bots in webhook mode on one port (SO_REUSEPORT)
and one PostgreSQL database, as `--webhook-instances` asks (2 by default); (e) a
"study-shaped" bare bot, which makes tutorbot's Bot API calls (a reply with a keyboard per
answer; a toast, an edit and the next card per rating press) and does none of its work: the
ceiling for this conversation through PTB, so the gap to echo splits into the conversation's
calls and the bot's own work. Telegram's rate
limit is lifted in the bot processes (TELEGRAM_RATE_LIMIT=false) because it would measure
Telegram's limits, not ours, and so is the per-chat flood throttle (FLOOD_LIMIT set very
high), which these learners exceed.

Each learner action is one request to the emulator, which injects it and answers with the
bot's reply (`"wait"` on send_text/press), and the emulator wakes only that chat's waiter:
the harness costs about 0.6 ms (driver) + 1-2 ms (emulator) of CPU per update, printed
below, so the echo ceiling measures PTB and not the harness. `--echo-http aiohttp` runs the
echo bot on the same aiohttp HTTP layer the bot can use; `--only` picks scenarios;
`--py-spy DIR` samples the bot and the emulator (a development tool, not a dependency).

An "update" is one learner action (an answer or a rating press) and its reply; latency runs
from the driver's injection request to the reply showing in the emulator. An "answer" is a
full card: answer -> graded reply -> rating press -> next card (two updates, one review row).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from harness import (
    DEPLOYED_BOT_ENV,
    REPO,
    Proc,
    cpu_s,
    free_port,
    pg_database,
    rss_mib,
    thread_cpu_s,
)
from load_bots import ANSWER

from bot.jobs.memory_trim import TRIM_INTERVAL_S
from bot.scheduling import Rating
from bot.telegram.keyboards import RATING_NAMES

BOTS = Path(__file__).with_name("load_bots.py")
GOOD = RATING_NAMES[Rating.GOOD]  # the button the learners press, named as the bot names it

P99_GOAL_MS = 20.0  # the goal for paced load
SHAPE = "study-shaped bare bot"


# -- the driver -------------------------------------------------------------------------------

@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)  # seconds, one per update
    answers: int = 0
    started: float = 0.0
    ended: float = 0.0

    @property
    def seconds(self) -> float:
        return self.ended - self.started

    def pct(self, q: float) -> float:
        data = sorted(self.latencies)
        return data[min(len(data) - 1, int(q * len(data)))] * 1000 if data else float("nan")


class Driver:
    def __init__(self, http: aiohttp.ClientSession, emu: str) -> None:
        self.http, self.emu = http, emu

    async def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        async with self.http.request(method, f"{self.emu}/_emulator/{path}", json=body) as resp:
            data = await resp.json()
            if resp.status != 200:
                raise RuntimeError(f"{path}: {resp.status} {data}")
            return data

    async def act(self, user: int, path: str, body: dict[str, Any],
                  stats: Stats | None) -> dict[str, Any]:
        """Inject one learner action and wait for the bot's next message in that chat."""
        t0 = time.perf_counter()
        # One round trip: the emulator injects, then answers with the bot's reply.
        got = await self.call("POST", path, {"user_id": user, **body,
                                             "wait": {"count": 1, "timeout": 30}})
        if stats is not None:
            stats.latencies.append(time.perf_counter() - t0)
        message: dict[str, Any] = got["messages"][0]
        return message

    async def say(self, user: int, text: str, stats: Stats | None = None) -> dict[str, Any]:
        return await self.act(user, "send_text", {"text": text}, stats)

    async def rate(self, user: int, graded: dict[str, Any],
                   stats: Stats | None = None) -> dict[str, Any]:
        data = next((d for row in graded["buttons"] for label, d in row if GOOD in label),
                    None)
        if data is None:
            raise RuntimeError(f"no rating buttons on the reply: {graded['text']!r}")
        return await self.act(user, "press", {"message_id": graded["message_id"],
                                              "callback_data": data}, stats)

    async def enrol(self, users: range, *, study: bool = True) -> None:
        async def one(user: int) -> None:
            await self.call("POST", "users", {"user_id": user, "first_name": "Ada"})
            await self.say(user, "/start")
            if study:
                await self.say(user, "/study")
        await _gather_limited((one(u) for u in users), 64)

    async def cycle(self, user: int, stats: Stats, echo: bool) -> None:
        """One answer: for the bot, the answer and its rating; for echo, one message."""
        graded = await self.say(user, ANSWER, stats)
        if not echo:
            await self.rate(user, graded, stats)
        stats.answers += 1


async def _gather_limited(coros: Any, limit: int) -> None:
    sem = asyncio.Semaphore(limit)

    async def run(c: Any) -> None:
        async with sem:
            await c
    await asyncio.gather(*(run(c) for c in coros))


async def closed_loop(driver: Driver, users: range, cycles: int, echo: bool) -> Stats:
    """Every learner answers `cycles` cards as fast as the bot replies."""
    stats = Stats(started=time.perf_counter())

    async def learner(user: int) -> None:
        for _ in range(cycles):
            await driver.cycle(user, stats, echo)
    await asyncio.gather(*(learner(u) for u in users))
    stats.ended = time.perf_counter()
    return stats


async def paced(driver: Driver, users: range, rate: float, seconds: float,
                echo: bool = False) -> Stats:
    """Open loop: start one learner action every 1/rate s, each on an idle learner."""
    stats = Stats(started=time.perf_counter())
    idle: asyncio.Queue[tuple[int, dict[str, Any] | None]] = asyncio.Queue()
    for u in users:
        idle.put_nowait((u, None))
    tasks: set[asyncio.Task[None]] = set()

    async def step(user: int, graded: dict[str, Any] | None) -> None:
        if echo:
            await driver.say(user, ANSWER, stats)
            stats.answers += 1
            idle.put_nowait((user, None))
        elif graded is None:
            idle.put_nowait((user, await driver.say(user, ANSWER, stats)))
        else:
            await driver.rate(user, graded, stats)
            stats.answers += 1
            idle.put_nowait((user, None))

    total = int(rate * seconds)
    start = time.perf_counter()
    for i in range(total):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        user, graded = await idle.get()
        task = asyncio.create_task(step(user, graded))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)
    stats.ended = time.perf_counter()
    return stats


# -- orchestration ----------------------------------------------------------------------------

@contextlib.contextmanager
def profiled(folder: str | None, name: str, pids: dict[str, int]) -> Any:
    """Sample the given processes with py-spy (a development tool, not a dependency) while
    the block runs; writes collapsed stacks per process into `folder`."""
    if not folder:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    slug = name.split()[0] + "-" + name.split()[1]
    # --gil: only samples holding the GIL, i.e. the process's Python CPU time, not waits.
    procs = [subprocess.Popen([spy, "record", "-p", str(pid), "-r", "200", "-t", "--gil",
                               "-f", "raw", "-o", str(Path(folder) / f"{slug}-{who}.txt")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for who, pid in pids.items()]
    try:
        yield
    finally:
        for p in procs:
            p.send_signal(signal.SIGINT)
        for p in procs:
            p.wait(30)


def migrate(database_url: str) -> None:
    """`tutorbot migrate` before the bot starts, as the deployment does (ExecStartPre), so the
    bot starts on a current schema and never loads Alembic."""
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=REPO, env=env, check=True,
                   stdout=subprocess.DEVNULL)


async def scenario(name: str, kind: str, database_url: str, emu: str, args: argparse.Namespace,
                   base_user: int, emu_pid: int, instances: int = 1) -> dict[str, Any]:
    # Several webhook instances share one port (SO_REUSEPORT) and the kernel spreads the
    # emulator's connections over them; they are started one after the other so that only
    # one runs the migrations.
    port = free_port()
    # Every instance has the same webhook secret, as in a real deployment.
    secret = "bench-" + uuid.uuid4().hex
    if database_url:
        migrate(database_url)
    bots = [Proc([str(BOTS), kind, "--emu", emu, "--db", database_url,
                  "--port", str(port), "--secret", secret], "READY",
                 # Every bot, the baselines too, as the deployment runs tutorbot.
                 env=DEPLOYED_BOT_ENV)
            for _ in range(instances)]
    bot = bots[0]
    pids = [b.p.pid for b in bots]
    out: dict[str, Any] = {"name": name}
    try:
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            d = Driver(http, emu)
            echo = kind.startswith("echo")
            users = range(base_user, base_user + args.learners)
            await d.enrol(users, study=not echo)
            await closed_loop(d, users, 1, echo)  # warm caches and connection pools
            calls0 = (await d.call("GET", "stats"))["calls"]
            bot0, emu0, drv0 = _sum(cpu_s, pids), cpu_s(emu_pid), time.process_time()
            split0 = _split(pids)
            with profiled(args.py_spy, name, {"bot": bot.p.pid, "emulator": emu_pid}):
                s = await closed_loop(d, users, args.cycles, echo)
            n = len(s.latencies)
            split1 = _split(pids)
            out.update(driver_cpu_ms=(time.process_time() - drv0) / n * 1000,
                       split={k: (split1[k] - split0[k]) / n * 1000 for k in split1})
            out.update(answers_s=s.answers / s.seconds, updates_s=n / s.seconds,
                       p50=s.pct(0.50), p99=s.pct(0.99),
                       bot_cpu_ms=(_sum(cpu_s, pids) - bot0) / n * 1000,
                       emu_cpu_ms=(cpu_s(emu_pid) - emu0) / n * 1000,
                       api_calls=((await d.call("GET", "stats"))["calls"] - calls0) / n)

            async def newcomers(run: int) -> range:
                """Fresh learners for each paced run, so every run starts from a first card
                and none runs out of cards to study."""
                first = base_user + 10_000 + run * args.paced_learners
                users = range(first, first + args.paced_learners)
                await d.enrol(users, study=not echo)
                return users

            if kind == "webhook":
                out["instances"] = instances
                p = await paced(d, await newcomers(0), args.paced_rate, args.paced_seconds)
                out.update(paced_rate=len(p.latencies) / p.seconds, paced_p50=p.pct(0.5),
                           paced_p99=p.pct(0.99))
            # The sweep paces every scenario, the echo bot too (the baseline), lowest rate
            # first, to find the highest rate that still keeps p99 within the goal.
            out["sweep"] = []
            for run, rate in enumerate(sorted(args.sweep), start=1):
                p = await paced(d, await newcomers(run), rate, args.paced_seconds, echo)
                out["sweep"].append((rate, len(p.latencies) / p.seconds, p.pct(0.5),
                                     p.pct(0.99)))
            if kind == "webhook" and instances == 1:
                n = args.learners
                mem_a = range(base_user + 20_000, base_user + 20_000 + n)
                await d.enrol(mem_a)
                rss_n = await idle_rss_mib(bot.p.pid)
                mem_b = range(base_user + 30_000, base_user + 30_000 + 9 * n)
                await d.enrol(mem_b)
                out.update(rss_n=rss_n, rss_10n=await idle_rss_mib(bot.p.pid), mem_n=n)
    finally:
        for b in bots:
            b.stop()
    return out


async def idle_rss_mib(pid: int) -> float:
    """The bot's resident size once it has been idle for a moment: what it keeps, not the
    transient buffers of the updates just answered, which its memory-trim job gives back
    (bot/jobs/memory_trim.py) within TRIM_INTERVAL_S of going quiet."""
    await asyncio.sleep(2 * TRIM_INTERVAL_S + 0.5)
    return rss_mib(pid)


def _sum(measure: Any, pids: list[int]) -> float:
    return float(sum(measure(pid) for pid in pids))


def _split(pids: list[int]) -> dict[str, float]:
    out = {"loop": 0.0, "threads": 0.0}
    for pid in pids:
        for k, v in thread_cpu_s(pid).items():
            out[k] += v
    return out


async def main(args: argparse.Namespace) -> None:
    emu_port = free_port()
    emulator = Proc(["-m", "tgemu", "--port", str(emu_port)], "TELEGRAM_API_URL")
    emu = f"http://127.0.0.1:{emu_port}"
    tmp = Path(tempfile.mkdtemp(prefix="tutorbot-bench-"))
    results = []
    try:
        async with aiohttp.ClientSession() as http:
            reset = Driver(http, emu)
            await reset.call("POST", "reset")
            echo = "echo" if args.echo_http == "httpx" else "echo-aiohttp"
            label = "echo bot (polling)" if echo == "echo" else "echo bot (polling, aiohttp)"
            results.append(await scenario(label, echo, "", emu, args, 100_000, emulator.p.pid))
            if "shape" in args.only:
                await reset.call("POST", "reset")
                results.append(await scenario(SHAPE, "shape", "", emu, args,
                                              150_000, emulator.p.pid))
            if "sqlite" in args.only:
                await reset.call("POST", "reset")
                results.append(await scenario("tutorbot SQLite polling", "polling",
                                              f"sqlite:///{tmp / 'bench.sqlite3'}", emu, args,
                                              200_000, emulator.p.pid))
            if "postgres" in args.only:
                await reset.call("POST", "reset")
                with pg_database() as pg_url:
                    results.append(await scenario("tutorbot PostgreSQL webhook", "webhook",
                                                  pg_url, emu, args, 300_000, emulator.p.pid))
                if args.webhook_instances > 1:
                    await reset.call("POST", "reset")
                    with pg_database() as pg_url:
                        results.append(await scenario(
                            f"tutorbot PG webhook x{args.webhook_instances}", "webhook", pg_url,
                            emu, args, 400_000, emulator.p.pid, args.webhook_instances))
    finally:
        emulator.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    report(results, args)


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    echo = results[0]
    print(f"\n{args.learners} learners x {args.cycles} cards each, closed loop "
          f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n")
    print(f"{'scenario':28} {'answers/s':>9} {'updates/s':>9} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'vs echo':>8} {'bot CPU ms/upd':>14} {'emu CPU ms/upd':>14} {'API calls/upd':>13}")
    for r in results:
        ratio = r["updates_s"] / echo["updates_s"]
        print(f"{r['name']:28} {r['answers_s']:9.0f} {r['updates_s']:9.0f} {r['p50']:7.1f} "
              f"{r['p99']:7.1f} {ratio:8.0%} {r['bot_cpu_ms']:14.2f} {r['emu_cpu_ms']:14.2f} "
              f"{r['api_calls']:13.1f}")
    print("\nbot CPU per update by thread (ms): " + "; ".join(
        f"{r['name']}: " + ", ".join(f"{k} {v:.2f}" for k, v in r["split"].items())
        for r in results))
    print("driver CPU per update (ms): " + "; ".join(
        f"{r['name']}: {r['driver_cpu_ms']:.2f}" for r in results))
    print("\nanswers/s: a full card (answer + rating = 2 updates) for tutorbot, one message "
          "for echo. 'vs echo' compares updates/s. CPU per update counts every thread of the "
          "process; all processes share this machine's CPUs.")
    shape = next((r for r in results if r["name"] == SHAPE), None)
    if shape is not None:
        print(f"\n{SHAPE}: tutorbot's Bot API calls with none of its work, "
              f"{shape['updates_s'] / echo['updates_s']:.0%} of the echo bot's updates/s. "
              "tutorbot against it (the cost of its own work: database, grading, FSRS, "
              "rendering): " + ", ".join(
                  f"{r['name']} {r['updates_s'] / shape['updates_s']:.0%}" for r in results
                  if r["name"].startswith("tutorbot")))
    for web in results:
        if "paced_p99" in web:
            print(f"\npaced {args.paced_rate:.0f} updates/s for {args.paced_seconds:.0f} s on "
                  f"{web['name']}: achieved {web['paced_rate']:.0f}/s, p50 "
                  f"{web['paced_p50']:.1f} ms, p99 {web['paced_p99']:.1f} ms "
                  f"(goal p99 <= 20 ms)")
    if args.sweep:
        print(f"\npaced sweep, updates/s asked -> achieved, p50 / p99 ms "
              f"({args.paced_seconds:.0f} s each, goal p99 <= {P99_GOAL_MS:.0f} ms):")
        for r in results:
            print(f"  {r['name']:28} " + "; ".join(
                f"{asked:.0f} -> {got:.0f}/s {p50:.1f} / {p99:.1f}"
                for asked, got, p50, p99 in r["sweep"]))
        for r in results:
            # A rate counts only if it was kept up with, not just answered quickly.
            met = [asked for asked, got, _, p99 in r["sweep"]
                   if p99 <= P99_GOAL_MS and got >= 0.95 * asked]
            top = f"{max(met):.0f} updates/s" if met else "none of the rates"
            print(f"p99 <= {P99_GOAL_MS:.0f} ms up to {top} on {r['name']}")
    for web in results:
        if "rss_n" not in web:
            continue
        growth = web["rss_10n"] - web["rss_n"]
        print(f"memory: bot RSS {web['rss_n']:.0f} MiB after {web['mem_n']} learners, "
              f"{web['rss_10n']:.0f} MiB after {10 * web['mem_n']} ({growth:+.1f} MiB)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=6, help="cards per learner (<= 8)")
    parser.add_argument("--paced-rate", type=float, default=300.0)
    parser.add_argument("--paced-seconds", type=float, default=5.0)
    parser.add_argument("--paced-learners", type=int, default=200)
    parser.add_argument("--sweep", type=float, nargs="*", default=[], metavar="RATE",
                        help="also pace every scenario, the echo bot included, at each of "
                             "these updates/s and print the highest that keeps p99 <= 20 ms")
    parser.add_argument("--only", nargs="*", choices=["shape", "sqlite", "postgres"],
                        default=["shape", "sqlite", "postgres"],
                        help="which scenarios to run besides the echo baseline (shape: the "
                             "study-shaped bare bot)")
    parser.add_argument("--webhook-instances", type=int, default=2, metavar="N",
                        help="also run N webhook instances on one port (SO_REUSEPORT) on "
                             "PostgreSQL; 1 skips that scenario")
    parser.add_argument("--py-spy", metavar="DIR",
                        help="sample the bot and emulator with py-spy into DIR (development)")
    parser.add_argument("--echo-http", choices=["httpx", "aiohttp"], default="httpx",
                        help="the echo bot's HTTP layer: PTB's default httpx, or the aiohttp "
                             "one in bot.telegram.aiohttp_request")
    cli = parser.parse_args()
    if cli.paced_learners * (len(cli.sweep) + 1) > 10_000:
        # Each paced run enrols its own learners, in a block of 10,000 ids per scenario.
        parser.error("--paced-learners times the paced runs must stay within 10,000")
    asyncio.run(main(cli))
