"""The demo protocol: the events a worker sends about a job, and its failures, in one place.

Both transports carry the same tuples, tagged by `Event`: a local worker process over its pipe
(bot.worker.serve → bot.demos.runner) and a queue worker over a Redis list
(bot.worker.queue_worker → bot.demos.queue_runner). Tuples of plain values and DemoResult
pickle across either; the tags are a StrEnum, so a tuple pickled by an older process still
matches. Failures cross as (Event.ERROR, ErrorKind, text) and become the DemoError subclass
that the bot turns into a reply: `error_event` and `exception_for` are the only conversions.
"""

from __future__ import annotations

import pickle
from enum import StrEnum

from bot.demos.types import (
    DemoCancelled,
    DemoCrashed,
    DemoError,
    DemoInputError,
    DemoTimeout,
    DemoUsageError,
)


class Event(StrEnum):
    READY = "ready"  # (READY, device): a local worker warmed up
    FAILED = "failed"  # (FAILED, text): a local worker could not start
    STARTED = "started"  # (STARTED,) over a pipe; (STARTED, worker name, device) over Redis
    PROGRESS = "progress"  # (PROGRESS, fraction, text)
    DONE = "done"  # (DONE, DemoResult)
    ERROR = "error"  # (ERROR, ErrorKind, text)
    BEAT = "beat"  # (BEAT,): a queue worker is alive, every HEARTBEAT_INTERVAL_S
    LOST = "lost"  # (LOST,): a queue worker stopped mid-job; the bot re-queues it
    CANCEL = "cancel"  # (CANCEL,): the bot cancelled the job (written by the bot itself)


class ErrorKind(StrEnum):
    USAGE = "usage"
    INPUT = "input"
    TIMEOUT = "timeout"
    CANCELLED = "cancelled"
    CRASHED = "crashed"


_EXCEPTIONS: dict[ErrorKind, type[DemoError]] = {
    ErrorKind.USAGE: DemoUsageError, ErrorKind.INPUT: DemoInputError,
    ErrorKind.TIMEOUT: DemoTimeout, ErrorKind.CANCELLED: DemoCancelled,
}


def error_event(exc: BaseException) -> tuple[Event, ErrorKind, str]:
    """The event that reports `exc`; anything unforeseen is a crash, named by its type."""
    for kind, cls in _EXCEPTIONS.items():
        if isinstance(exc, cls):
            return Event.ERROR, kind, str(exc)
    if isinstance(exc, DemoCrashed):
        return Event.ERROR, ErrorKind.CRASHED, str(exc)
    return Event.ERROR, ErrorKind.CRASHED, f"{type(exc).__name__}: {exc}"


def exception_for(kind: str, text: str) -> DemoError:
    """The exception the bot raises for an error event; an unknown kind is a crash."""
    try:
        return _EXCEPTIONS[ErrorKind(kind)](text)
    except (KeyError, ValueError):
        return DemoCrashed(f"The demo failed: {text}")


def encode_event(*event: object) -> bytes:
    """One event as the Redis list holds it."""
    return pickle.dumps(event, protocol=pickle.HIGHEST_PROTOCOL)
