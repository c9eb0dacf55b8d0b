"""`tutorbot worker`: take demo jobs from the Redis queue on any machine that can reach it.

An arq worker whose jobs are run by a LocalDemoRunner: the torch work happens in warm spawn
processes (CUDA when DEMO_DEVICE allows), which this process can kill on a time limit or a
cancel without taking itself down. The arq process itself stays light and keeps answering
Redis, so heartbeats continue while a job computes.

Events (bot.demos.protocol) go to the job's Redis list: STARTED with this worker's name and
device, BEAT every second, PROGRESS, then DONE or ERROR; LOST when this worker shuts down
mid-job, so the bot re-queues the job for another worker at once instead of waiting for
heartbeats to stop.

A Redis outage does not end the process: the arq worker is rebuilt and reconnects with
backoff (`RECONNECT_S`, then every `RECONNECT_MAX_S`), logging one line per attempt, while the
warm demo processes stay up. Jobs running when Redis went away are abandoned (their bot has
already told the learner that demos are unavailable).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import itertools
import logging
import os
import signal
import socket
from typing import Any

from arq.connections import ArqRedis, RedisSettings
from arq.worker import Worker, func

from bot.config import Settings
from bot.demos._entry import worker_entry
from bot.demos.protocol import Event, encode_event, error_event
from bot.demos.queue_runner import (
    DEFAULT_QUEUE,
    EVENTS_TTL_S,
    HEARTBEAT_INTERVAL_S,
    JOB_FUNCTION,
    REDIS_DOWN,
)
from bot.demos.runner import LocalDemoRunner, WorkerEntry
from bot.demos.types import (
    DemoCancelled,
    DemoCrashed,
    DemoInputError,
    DemoRequest,
    DemoTimeout,
    DemoUsageError,
)

log = logging.getLogger(__name__)

# Beyond the demo's own limit (enforced by LocalDemoRunner, which kills the process), arq's
# limit only has to catch a wedged pipe; it also sets how long arq's in-progress key lives.
_ARQ_TIMEOUT_MARGIN_S = 30.0
# Waits before reconnecting to Redis after losing it; then RECONNECT_MAX_S between attempts,
# so a worker is back within that long of Redis.
RECONNECT_S: tuple[float, ...] = (0.5, 1.0, 2.0, 4.0)
RECONNECT_MAX_S = 5.0
# A connection that lasted this long was healthy: the next loss starts the backoff afresh.
_HEALTHY_RUN_S = 30.0
_local_owner = itertools.count(1)


async def run_demo(ctx: dict[str, Any], request: DemoRequest, events: str) -> None:
    """The arq job: run one demo in a local worker process and stream its events."""
    redis: ArqRedis = ctx["redis"]
    runner: LocalDemoRunner = ctx["runner"]

    async def push(*event: object) -> None:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.rpush(events, encode_event(*event))
            pipe.expire(events, EVENTS_TTL_S)
            await pipe.execute()

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_INTERVAL_S)
            await push(Event.BEAT)

    async def progress(fraction: float, text: str) -> None:
        await push(Event.PROGRESS, fraction, text)

    await push(Event.STARTED, ctx["name"], ctx["device"])
    heartbeat = asyncio.create_task(beat())
    try:
        result = await runner.submit(request, owner=next(_local_owner), on_progress=progress)
    except asyncio.CancelledError:
        # Aborted by the bot (it has moved on) or this worker is stopping (the bot re-queues).
        with contextlib.suppress(Exception):
            await asyncio.shield(push(Event.LOST))
        raise
    except (DemoUsageError, DemoInputError, DemoTimeout, DemoCancelled, DemoCrashed) as exc:
        await push(*error_event(exc))
    else:
        await push(Event.DONE, result)
    finally:
        heartbeat.cancel()


def build_worker(settings: Settings, runner: LocalDemoRunner, *, queue_name: str,
                 jobs: int) -> Worker:
    assert settings.redis_url is not None
    return Worker(
        functions=[func(run_demo, name=JOB_FUNCTION, max_tries=1,  # the bot re-queues, not arq
                        timeout=settings.demo_timeout_s + _ARQ_TIMEOUT_MARGIN_S)],
        queue_name=queue_name,
        # One attempt per connect: serve() owns the retry loop and its backoff.
        redis_settings=dataclasses.replace(RedisSettings.from_dsn(settings.redis_url),
                                           conn_retries=0),
        max_jobs=jobs,
        allow_abort_jobs=True,
        handle_signals=False,
        poll_delay=0.1,
        keep_result=0,  # results travel on the job's event list, not arq's result key
        health_check_interval=10,
        ctx={"runner": runner, "name": f"{socket.gethostname()}:{os.getpid()}",
             "device": settings.demo_device},
    )


async def serve(settings: Settings, *, queue_name: str = DEFAULT_QUEUE,
                stop: asyncio.Event | None = None, entry: WorkerEntry = worker_entry) -> None:
    """Warm the demo processes, then take jobs until SIGTERM/SIGINT or `stop`.

    `entry` is the demo process's body, as for LocalDemoRunner (tests pass a torch-free one).
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    jobs = max(1, settings.demo_workers)
    runner = LocalDemoRunner(workers=jobs, device=settings.demo_device,
                             job_timeout_s=settings.demo_timeout_s, entry=entry)
    await runner.start()  # torch is imported and warm before the first job is taken
    failures = 0
    try:
        while not stop.is_set():
            worker = build_worker(settings, runner, queue_name=queue_name, jobs=jobs)
            log.info("demo worker taking jobs from %s (%d at a time)", queue_name, jobs)
            began = loop.time()
            error = await _take_jobs(worker, stop)
            if error is None:
                return
            if not isinstance(error, REDIS_DOWN):
                raise error
            failures = 1 if loop.time() - began >= _HEALTHY_RUN_S else failures + 1
            delay = RECONNECT_S[failures - 1] if failures <= len(RECONNECT_S) else RECONNECT_MAX_S
            log.warning("demo worker: Redis unreachable (%s: %s); reconnecting in %.1f s",
                        type(error).__name__, error, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
    finally:
        await runner.close()


async def _take_jobs(worker: Worker, stop: asyncio.Event) -> BaseException | None:
    """Run the arq worker until `stop` (None) or until it fails (its error)."""
    task = asyncio.create_task(worker.async_run())
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        # With Redis gone, arq's own clean-up fails too; what it leaves expires in Redis.
        with contextlib.suppress(asyncio.CancelledError, *REDIS_DOWN):
            await worker.close()
        with contextlib.suppress(asyncio.CancelledError, *REDIS_DOWN):
            await task
    if task.done() and not task.cancelled():
        return task.exception()
    return None


def main(settings: Settings, *, queue_name: str = DEFAULT_QUEUE) -> int:
    """Entry point for `tutorbot worker`; returns the process exit status."""
    if not settings.redis_url:
        log.error("REDIS_URL is not set: the worker has no queue to take jobs from")
        return 2
    asyncio.run(serve(settings, queue_name=queue_name))
    return 0


if __name__ == "__main__":
    from bot.logs import setup_logging

    parser = argparse.ArgumentParser(description="Run a demo worker on the Redis queue.")
    parser.add_argument("--queue", default=DEFAULT_QUEUE, help="arq queue name (and key prefix)")
    cli = parser.parse_args()
    cli_settings = Settings()
    setup_logging(cli_settings.log_level)
    raise SystemExit(main(cli_settings, queue_name=cli.queue))
