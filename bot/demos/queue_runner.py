"""Run demos on worker machines through a Redis job queue (arq), for several bot instances.

The bot enqueues an arq job and follows it through a per-job Redis list the worker appends
events to (started, progress, heartbeats, then done or error). A list rather than pub/sub:
nothing is lost if the worker writes before the bot starts reading or the bot's connection
blips, and BLPOP gives the bot a timeout for free. Every wait has a deadline, so a learner's
chat never hangs: no worker takes the job -> DemoTimeout; heartbeats stop (worker killed) ->
the job is re-enqueued for another worker, then DemoCrashed; the job overruns -> DemoTimeout.

One demo per learner across all bot instances: a Redis key per owner, SET NX with a TTL that
outlives the longest possible submit, holding the current job id so that a Cancel pressed on
any instance can reach the job.

Redis outages: any Redis error during a submit (or a cancel) becomes DemoUnavailable, one
warning line, and the learner is told to try again in a minute. The runner never needs a
restart: redis-py reconnects on the next command, and a bot that started while Redis was down
connects on the first demo after it is back. An owner lock that could not be released during
the outage is released by that owner's next submit, so nobody is told "already running" for
the lock's lifetime.

Events and jobs are pickled (arq pickles jobs too): Redis must be private to the deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import pickle
import time
import uuid
from dataclasses import dataclass
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from redis.exceptions import RedisError

from bot.demos.args import validate_request
from bot.demos.protocol import Event, encode_event, exception_for
from bot.demos.runner import OnProgress
from bot.demos.types import (
    DemoBusy,
    DemoCancelled,
    DemoCrashed,
    DemoRequest,
    DemoResult,
    DemoTimeout,
    DemoUnavailable,
)

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "tutorbot:demos"
JOB_FUNCTION = "run_demo"
# arq's own key names; the runner reads them to tell queued jobs from running ones.
ARQ_JOB_PREFIX = "arq:job:"
ARQ_IN_PROGRESS_PREFIX = "arq:in-progress:"
ARQ_RETRY_PREFIX = "arq:retry:"
ARQ_ABORT_SET = "arq:abort"
EVENTS_TTL_S = 600
HEARTBEAT_INTERVAL_S = 1.0
_POLL_S = 1.0  # how often a queued job refreshes its position while waiting
_FINISH_GRACE_S = 5.0  # the worker enforces the limit; this covers the trip back
# What an unreachable or failing Redis raises (redis-py wraps most socket errors, not all).
REDIS_DOWN: tuple[type[Exception], ...] = (RedisError, OSError)


def events_key(queue_name: str, job_id: str) -> str:
    return f"{queue_name}:events:{job_id}"


def owner_key(queue_name: str, owner: int) -> str:
    return f"{queue_name}:owner:{owner}"


# Delete the owner's lock only if it still names this submit's job: a lock that expired and
# was taken by a newer submit must survive.
_RELEASE_LOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class _WorkerLost(Exception):
    """Heartbeats stopped: the worker holding the job died or lost Redis."""


@dataclass(eq=False)
class _Local:
    """What this instance knows about a submit it is following."""

    owner: int
    job_id: str
    position: int = 1
    cancelled: bool = False


class RedisDemoRunner:
    """The DemoRunner protocol over an arq queue on Redis; workers run `tutorbot worker`.

    `job_timeout_s` counts from the moment a worker starts the job; `queue_timeout_s` bounds
    the wait for a worker; `heartbeat_timeout_s` is how long silence from a running job means
    its worker is gone; `max_tries` is how many workers get the job before the learner is told
    it failed.
    """

    def __init__(
        self,
        redis_url: str,
        *,
        job_timeout_s: float,
        queue_name: str = DEFAULT_QUEUE,
        queue_timeout_s: float = 120.0,
        heartbeat_timeout_s: float = 10.0,
        max_tries: int = 2,
    ) -> None:
        if max_tries < 1:
            raise ValueError("max_tries must be at least 1")
        # One connection attempt per call: a learner waits for no retry loop, and the next
        # demo simply tries again.
        self._settings = dataclasses.replace(RedisSettings.from_dsn(redis_url), conn_retries=0)
        self._queue = queue_name
        self._job_timeout_s = job_timeout_s
        self._queue_timeout_s = queue_timeout_s
        self._heartbeat_timeout_s = heartbeat_timeout_s
        self._max_tries = max_tries
        self._redis: ArqRedis | None = None
        self._jobs: dict[int, _Local] = {}
        # Owner locks (key -> job id) left behind by a submit that lost Redis.
        self._unreleased: dict[str, str] = {}
        self._started = False
        self._closing = False

    @property
    def queue_name(self) -> str:
        return self._queue

    async def _connected(self) -> ArqRedis:
        """The pool, connecting first if the bot started while Redis was down."""
        if not self._started or self._closing:
            raise RuntimeError("RedisDemoRunner is not running; call start() first")
        if self._redis is None:
            try:
                self._redis = await create_pool(self._settings, default_queue_name=self._queue)
            except REDIS_DOWN as exc:
                raise _unavailable(exc) from None
            log.info("connected to Redis for demos")
        return self._redis

    @property
    def _lock_ttl_ms(self) -> int:
        per_try = self._queue_timeout_s + self._job_timeout_s + self._heartbeat_timeout_s
        return int((per_try * self._max_tries + 60) * 1000)

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Connect to Redis; if it is down, the bot starts anyway and demos connect later."""
        self._started = True
        with contextlib.suppress(DemoUnavailable):  # already logged
            await self._connected()

    async def close(self) -> None:
        """Cancel what this instance follows and disconnect; other instances are untouched."""
        if self._redis is None:
            self._closing = True
            return
        self._closing = True
        for local in list(self._jobs.values()):
            local.cancelled = True
            with contextlib.suppress(*REDIS_DOWN):
                await self._discard(self._redis, local.job_id, notify=True)
        # Let the followers see the cancel and release their owner locks before disconnecting.
        for _ in range(50):
            if not self._jobs:
                break
            await asyncio.sleep(0.05)
        await self._redis.aclose()
        self._redis = None

    # -- queries ---------------------------------------------------------------------------

    def queue_position(self, owner: int) -> int | None:
        """None: no job followed here; 0: running now; n >= 1: n-th in line for a worker.

        Synchronous by protocol, so it reads what submit() last saw; a job followed by another
        instance shows as None here, and submit() raises DemoBusy for it.
        """
        local = self._jobs.get(owner)
        return None if local is None else local.position

    async def queue_length(self) -> int:
        """Jobs queued or running (arq keeps a running job in the queue until it ends)."""
        return int(await (await self._connected()).zcard(self._queue))

    async def is_busy(self, owner: int) -> bool:
        """Whether any instance is running a demo for this owner."""
        return bool(await (await self._connected()).exists(owner_key(self._queue, owner)))

    # -- jobs ------------------------------------------------------------------------------

    async def submit(
        self, request: DemoRequest, *, owner: int, on_progress: OnProgress | None = None
    ) -> DemoResult:
        """Queue one demo for `owner`, forward its progress and return its picture.

        Raises DemoUsageError/DemoInputError before queueing, DemoBusy if the owner has a job
        on any instance, DemoTimeout, DemoCrashed or DemoCancelled if the job fails, and
        DemoUnavailable if Redis cannot be reached (then or while the job runs).
        """
        validate_request(request)
        if owner in self._jobs:
            raise DemoBusy("You already have a demo running; wait for it or cancel it.")
        redis = await self._connected()
        try:
            return await self._submit(redis, request, owner, on_progress)
        except REDIS_DOWN as exc:
            raise _unavailable(exc) from None

    async def _submit(self, redis: ArqRedis, request: DemoRequest, owner: int,
                      on_progress: OnProgress | None) -> DemoResult:
        job_id = uuid.uuid4().hex
        lock = owner_key(self._queue, owner)
        if lock in self._unreleased:
            await self._release(redis, lock, self._unreleased.pop(lock))
        if not await redis.set(lock, job_id, nx=True, px=self._lock_ttl_ms):
            raise DemoBusy("You already have a demo running; wait for it or cancel it.")
        local = _Local(owner, job_id)
        self._jobs[owner] = local
        try:
            for attempt in range(1, self._max_tries + 1):
                local.job_id, local.position = job_id, 1
                await redis.set(lock, job_id, xx=True, px=self._lock_ttl_ms)
                await redis.enqueue_job(
                    JOB_FUNCTION, request, events_key(self._queue, job_id),
                    _job_id=job_id, _queue_name=self._queue, _expires=self._queue_timeout_s,
                )
                try:
                    return await self._follow(redis, local, on_progress)
                except _WorkerLost:
                    # Its worker is gone: nothing to abort, only keep arq from retrying it.
                    await self._discard(redis, job_id, abort=False)
                    if attempt == self._max_tries:
                        raise DemoCrashed("The demo worker stopped responding.") from None
                    log.warning("demo worker lost job %s; re-queueing (try %d of %d)",
                                job_id, attempt + 1, self._max_tries)
                    job_id = uuid.uuid4().hex
                except REDIS_DOWN:
                    raise  # nothing can be discarded now; the job expires unclaimed
                except BaseException:
                    await self._discard(redis, job_id)
                    raise
            raise AssertionError("unreachable")  # the loop returns or raises
        finally:
            if self._jobs.get(owner) is local:
                del self._jobs[owner]
            if self._redis is not None:
                # The lock names the latest attempt's job id, which local.job_id follows.
                try:
                    await self._release(self._redis, lock, local.job_id)
                except REDIS_DOWN:
                    self._unreleased[lock] = local.job_id

    async def _release(self, redis: ArqRedis, lock: str, job_id: str) -> None:
        await redis.eval(_RELEASE_LOCK, 1, lock, job_id)  # type: ignore[misc]
        await redis.delete(events_key(self._queue, job_id))

    async def cancel(self, owner: int) -> bool:
        """Stop the owner's demo, queued or running, whichever instance follows it."""
        redis = await self._connected()
        try:
            return await self._cancel(redis, owner)
        except REDIS_DOWN as exc:
            raise _unavailable(exc) from None

    async def _cancel(self, redis: ArqRedis, owner: int) -> bool:
        local = self._jobs.get(owner)
        if local is not None:
            local.cancelled = True
            job_id: str | None = local.job_id
        else:
            raw = await redis.get(owner_key(self._queue, owner))
            job_id = raw.decode() if isinstance(raw, bytes) else raw
        if job_id is None:
            return False
        await self._discard(redis, job_id, notify=True)
        return True

    # -- internals -------------------------------------------------------------------------

    async def _discard(self, redis: ArqRedis, job_id: str, *, notify: bool = False,
                       abort: bool = True) -> None:
        """Make sure the job never runs (again): drop it if queued, abort it if running.

        `notify` also tells whoever follows it (on any instance) that it was cancelled.
        """
        in_progress = abort and await redis.exists(ARQ_IN_PROGRESS_PREFIX + job_id)
        async with redis.pipeline(transaction=True) as pipe:
            pipe.zrem(self._queue, job_id)
            pipe.delete(ARQ_JOB_PREFIX + job_id)
            if not abort:
                # A dead worker never runs arq's clean-up; its retry key would live a day.
                pipe.delete(ARQ_IN_PROGRESS_PREFIX + job_id, ARQ_RETRY_PREFIX + job_id)
            if in_progress:
                # arq's abort set is shared by every queue; only running jobs go there, because
                # arq removes an entry only when it cancels that job.
                pipe.zadd(ARQ_ABORT_SET, {job_id: int(time.time() * 1000)})
            if notify:
                key = events_key(self._queue, job_id)
                pipe.rpush(key, encode_event(Event.CANCEL))
                pipe.expire(key, EVENTS_TTL_S)
            await pipe.execute()

    async def _position(self, redis: ArqRedis, job_id: str) -> int:
        """1 + the jobs ahead of this one that no worker has started yet; 0 once started."""
        if await redis.exists(ARQ_IN_PROGRESS_PREFIX + job_id):
            return 0
        rank = await redis.zrank(self._queue, job_id)
        if rank is None:
            return 0
        ahead = [j.decode() if isinstance(j, bytes) else str(j)
                 for j in await redis.zrange(self._queue, 0, rank - 1)] if rank else []
        running = await redis.exists(*(ARQ_IN_PROGRESS_PREFIX + j for j in ahead)) if ahead else 0
        return 1 + len(ahead) - int(running)

    async def _follow(
        self, redis: ArqRedis, local: _Local, on_progress: OnProgress | None
    ) -> DemoResult:
        loop = asyncio.get_running_loop()
        key = events_key(self._queue, local.job_id)
        started = False
        deadline = loop.time() + self._queue_timeout_s
        last_heard = loop.time()
        while True:
            if local.cancelled:
                raise DemoCancelled("Demo cancelled.")
            now = loop.time()
            if now >= deadline:
                if started:
                    raise DemoTimeout(f"The demo took longer than {self._job_timeout_s:.0f} s "
                                      "and was stopped.")
                raise DemoTimeout("No demo worker was free in time; try again later.")
            if started and now - last_heard > self._heartbeat_timeout_s:
                raise _WorkerLost
            wait = min(deadline - now, _POLL_S)
            if started:
                wait = min(wait, last_heard + self._heartbeat_timeout_s - now)
            # Raw BLPOP: redis-py types its timeout as int, and sub-second waits matter here.
            item = await redis.execute_command(  # type: ignore[no-untyped-call]
                "BLPOP", key, f"{max(wait, 0.01):.3f}")
            if item is None:
                if not started:
                    local.position = max(1, await self._position(redis, local.job_id))
                continue
            last_heard = loop.time()
            event: tuple[Any, ...] = pickle.loads(item[1])
            match event:
                case (Event.STARTED, worker, device):
                    log.info("demo job %s started on %s (%s)", local.job_id, worker, device)
                    started, local.position = True, 0
                    deadline = loop.time() + self._job_timeout_s + _FINISH_GRACE_S
                case (Event.BEAT,):
                    pass
                case (Event.PROGRESS, fraction, text):
                    if on_progress is not None:
                        try:
                            await on_progress(float(fraction), str(text))
                        except Exception:
                            log.exception("demo progress callback failed")
                case (Event.DONE, DemoResult() as result):
                    return result
                case (Event.ERROR, kind, text):
                    raise exception_for(str(kind), str(text))
                case (Event.LOST,):
                    raise _WorkerLost
                case (Event.CANCEL,):
                    raise DemoCancelled("Demo cancelled.")
                case _:
                    raise DemoCrashed(f"unexpected event from the demo worker: {event[0]!r}")


def _unavailable(exc: Exception) -> DemoUnavailable:
    # One line, no traceback: an outage repeats for every demo until Redis is back.
    log.warning("demos unavailable: Redis unreachable (%s: %s)", type(exc).__name__, exc)
    return DemoUnavailable("The demo queue (Redis) cannot be reached.")
