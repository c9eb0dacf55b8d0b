"""The loop a worker process runs: warm up, then answer one DemoRequest at a time.

It speaks bot.demos.protocol over its pipe: READY or FAILED once, then per job STARTED on
receipt, PROGRESS, and DONE or ERROR. The receipt lets the parent tell a job that a dead
worker never began (hand it to another worker) from one that killed its worker (report it).
"""

from __future__ import annotations

import logging
import signal
import traceback
from multiprocessing.connection import Connection

from bot.demos._entry import WorkerConfig
from bot.demos.protocol import ErrorKind, Event, error_event
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
        conn.send((Event.FAILED, f"{type(exc).__name__}: {exc}"))
        return
    conn.send((Event.READY, device))

    def progress(fraction: float, text: str) -> None:
        conn.send((Event.PROGRESS, fraction, text))

    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):  # the parent went away
            return
        if request is None:
            return
        if not isinstance(request, DemoRequest):
            conn.send((Event.ERROR, ErrorKind.CRASHED, f"unexpected job {type(request).__name__}"))
            continue
        conn.send((Event.STARTED,))
        try:
            result = run_request(request, progress)
        except (DemoUsageError, DemoInputError) as exc:
            conn.send(error_event(exc))
        except Exception as exc:  # a bug in a demo must not take the worker down
            traceback.print_exc()
            conn.send(error_event(exc))
        else:
            conn.send((Event.DONE, result))
