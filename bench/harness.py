"""What every bench shares: process measurements, child processes, throwaway databases.

Bench scripts run as `python bench/NAME.py`, so this folder is first on `sys.path` and they
import this module as `harness`. The bot itself comes from the installed package. Some
benches reuse the test suite's helpers (the reliability harness, the seed deck); this module
is the one place that makes the repository root importable for them.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.append(str(REPO))

# How deploy/systemd/tutorbot-bot.service (and compose) run the bot process: docstrings off.
DEPLOYED_BOT_ENV = {"PYTHONOPTIMIZE": "2"}
PG_ADMIN = os.environ.get("TUTORBOT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process, all threads."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def thread_cpu_s(pid: int) -> dict[str, float]:
    """CPU seconds of the event loop (the main thread) and of all other threads together
    (the database pool's; Python does not name OS threads, so they are not told apart)."""
    out = {"loop": 0.0, "threads": 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / tick
            out["loop" if task.name == str(pid) else "threads"] += used
    return out


def status_kib(pid: int | str, field: str) -> int:
    """One memory line of /proc/PID/status (VmRSS, VmHWM...), in KiB; 0 if absent."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def rss_mib(pid: int | str) -> float:
    return status_kib(pid, "VmRSS") / 1024


def peak_rss_mib(pid: int | str) -> float:
    return status_kib(pid, "VmHWM") / 1024


class Proc:
    """A Python child process (this interpreter), started and waited for until it prints
    a line starting with `ready`; SIGTERM, then SIGKILL, to stop it."""

    def __init__(self, args: list[str], ready: str, env: dict[str, str] | None = None) -> None:
        self.p = subprocess.Popen([sys.executable, *args], cwd=REPO, stdout=subprocess.PIPE,
                                  stderr=None, text=True,
                                  env=None if env is None else {**os.environ, **env})
        assert self.p.stdout is not None
        for line in self.p.stdout:
            if line.startswith(ready):
                self.first = line
                return
        raise RuntimeError(f"{args} exited before {ready!r}")

    def stop(self) -> None:
        self.p.send_signal(signal.SIGTERM)
        try:
            self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()


@contextlib.contextmanager
def pg_database(prefix: str = "tutorbot_bench") -> Iterator[str]:
    """A PostgreSQL database of its own for one run, dropped afterwards."""
    from bot.store.throwaway_db import throwaway_postgres

    with throwaway_postgres(PG_ADMIN, prefix) as url:
        yield url


async def serve_polling_until_sigterm(app: object) -> None:
    """Run a built tutorbot application on long polling, say READY (what `Proc` waits for),
    and shut it down cleanly on SIGTERM: the bot side of a bench's child process."""
    import asyncio

    from bot.app import initialize, shutdown

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await initialize(app)  # type: ignore[arg-type]
    await app.start()  # type: ignore[attr-defined]
    updater = app.updater  # type: ignore[attr-defined]
    await updater.start_polling(poll_interval=0.0, timeout=10)
    print("READY", flush=True)
    await stop.wait()
    await updater.stop()
    await app.stop()  # type: ignore[attr-defined]
    await shutdown(app)  # type: ignore[arg-type]
