"""Worker-process entry point, importable without the demo stack.

With the spawn start method the child unpickles its target by module path; pointing it here
keeps the parent (the bot) from ever importing bot.worker, while the child imports it first
thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing.connection import Connection


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    device: str = "auto"
    threads: int | None = None  # torch intra-op threads; None: a sensible default


def worker_entry(conn: Connection, config: WorkerConfig) -> None:
    from bot.worker.serve import serve

    serve(conn, config)
