"""Private Redis and PostgreSQL servers that a test may stop and start at will.

The shared services on 6379 and 5432 belong to everybody on the machine and are never touched;
an outage test starts its own server on a free port in a temporary directory, and removes it
afterwards. PostgreSQL refuses to run as root, so its commands run as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _accepts(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.05)


class PrivateRedis:
    """`redis-server` on its own port, without persistence (a restart starts empty)."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: _accepts(self.port), 10, "redis-server to listen")

    def stop(self) -> None:
        """As an outage: the server is gone at once (SIGKILL), its connections reset."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None
        _wait(lambda: not _accepts(self.port), 10, "redis-server to stop")


@contextlib.contextmanager
def private_redis() -> Iterator[PrivateRedis]:
    workdir = Path(tempfile.mkdtemp(prefix="tutorbot-redis-"))
    server = PrivateRedis(workdir)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _as_postgres(*args: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else list(args)


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} (PostgreSQL server binaries) is not installed")
    return found


class PrivatePostgres:
    """A PostgreSQL cluster made with initdb in a temporary directory, on its own port."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.data = workdir / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def init(self) -> None:
        subprocess.run(_as_postgres(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                                    "--auth=trust", "--no-sync", "-E", "UTF8"),
                       check=True, capture_output=True)

    def start(self) -> None:
        subprocess.run(_as_postgres(
            _pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.workdir / "server.log"),
            "-w", "-t", "60", "-o",
            f"-p {self.port} -k {self.workdir} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start"), check=True, capture_output=True)

    def stop(self) -> None:
        """Fast shutdown: open connections are terminated, as in a restart for maintenance."""
        subprocess.run(_as_postgres(_pg_bin("pg_ctl"), "-D", str(self.data), "-m", "fast",
                                    "-w", "stop"), check=False, capture_output=True)


@contextlib.contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    workdir = Path(tempfile.mkdtemp(prefix="tutorbot-pg-"))
    if os.geteuid() == 0:
        shutil.chown(workdir, "postgres", "postgres")
    server = PrivatePostgres(workdir)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
