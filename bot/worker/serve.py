"""The loop a worker process runs: warm up, then answer one DemoRequest at a time.

Messages to the parent (tuples, first item the tag): ("ready", device), ("failed", text),
("started",) on receiving a job, ("progress", fraction, text), ("done", DemoResult),
("error", "usage"|"input"|"crashed", text). The receipt lets the parent tell a job that a dead
worker never began (hand it to another worker) from one that killed its worker (report it).
"""

from __future__ import annotations

import logging
import signal
import traceback
from multiprocessing.connection import Connection

from bot.demos._entry import WorkerConfig
from bot.demos.types import DemoInputError, DemoRequest, DemoUsageError

log = logging.getLogger(__name__)


def serve(conn: Connection, config: WorkerConfig) -> None:
    # Ctrl-C in the bot's terminal reaches the whole process group; the parent decides how
    # workers end, so they ignore it rather than die mid-reply with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    from bot.worker.jobs import configure_torch, run_request, warm_up

    try:
        configure_torch(config.threads)
        device = warm_up(config.device)
    except Exception as exc:  # reported to the parent, which decides whether to retry
        conn.send(("failed", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", device))

    def progress(fraction: float, text: str) -> None:
        conn.send(("progress", fraction, text))

    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the parent went away
            return
        if request is None:
            return
        if not isinstance(request, DemoRequest):
            conn.send(("error", "crashed", f"unexpected job {type(request).__name__}"))
            continue
        conn.send(("started",))
        try:
            result = run_request(request, progress)
        except DemoUsageError as exc:
            conn.send(("error", "usage", str(exc)))
        except DemoInputError as exc:
            conn.send(("error", "input", str(exc)))
        except Exception as exc:  # a bug in a demo must not take the worker down
            traceback.print_exc()
            conn.send(("error", "crashed", f"{type(exc).__name__}: {exc}"))
        else:
            conn.send(("done", result))
