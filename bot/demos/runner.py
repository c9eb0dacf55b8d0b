"""Run demos in separate worker processes without ever blocking the bot's event loop.

Why not ProcessPoolExecutor: it cannot kill one job. Cancelling or timing out a running job
means killing its process, and a pool treats that as a broken pool for every job. So each
worker here is one `multiprocessing` process (spawn: no fork of the bot's threads or sockets)
with its own Pipe. A Pipe, not a shared Queue: killing a process while it writes to a shared
Queue can leave the queue's lock held forever, while a per-worker Pipe is thrown away with
its worker. A small thread per job waits on the pipe and the process sentinel together and
forwards messages to the loop, so a worker that dies mid-job ends the await at once.

A worker can also die while idle (OOM killer, a stray SIGKILL). A watchdog looks at idle
workers every `_WATCH_S` and replaces the dead ones, dispatch skips them, and a job whose
request could not even be written to its worker's pipe goes back to the head of the line for
another worker: it never ran, so that is safe, and the learner gets the demo rather than an
apology. When no worker can be started at all, waiting jobs fail with DemoUnavailable, and the
next submit tries to start one again, so the pool heals itself once the cause is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any, Protocol

from bot.demos._entry import WorkerConfig, worker_entry
from bot.demos.args import validate_request
from bot.demos.protocol import Event, exception_for
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

OnProgress = Callable[[float, str], Awaitable[None]]
WorkerEntry = Callable[[Connection, WorkerConfig], None]

_MAX_RESPAWN_TRIES = 3
# How often idle workers are checked for a death nobody saw; the check is a waitpid(WNOHANG).
_WATCH_S = 1.0
# Workers a job may be handed to whose pipe turned out broken before it goes to the learner
# as DemoUnavailable.
_MAX_HANDOVERS = 3


class _Local(StrEnum):
    """Events the runner posts to a job itself, beside the worker's (bot.demos.protocol)."""

    DEAD = "dead"  # the worker process is gone
    ABORTED = "aborted"  # the runner killed it (cancel, shutdown)


_DEAD, _ABORTED = (_Local.DEAD,), (_Local.ABORTED,)


class _NotDelivered(Exception):
    """The request could not be written to the worker: it died before the job reached it."""


class DemoRunner(Protocol):
    """What the bot needs from any runner (local processes today, a Redis queue later)."""

    async def start(self) -> None: ...

    async def submit(
        self, request: DemoRequest, *, owner: int, on_progress: OnProgress | None = None
    ) -> DemoResult: ...

    def queue_position(self, owner: int) -> int | None: ...

    async def cancel(self, owner: int) -> bool: ...

    async def close(self) -> None: ...


class _Worker:
    """One worker process and the parent's end of its pipe."""

    def __init__(self, ctx: Any, entry: WorkerEntry, config: WorkerConfig, name: str) -> None:
        parent_conn, child_conn = ctx.Pipe(duplex=True)
        self.conn: Connection = parent_conn
        self.process: BaseProcess = ctx.Process(
            target=entry, args=(child_conn, config), name=name, daemon=True
        )
        self.process.start()
        child_conn.close()  # so the parent sees EOF when the child goes away
        self.device = "?"

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def alive(self) -> bool:
        """Whether the process still runs (reaps it if not; never blocks)."""
        return self.process.is_alive()

    def wait_ready(self, timeout: float) -> None:
        """Block (in a thread) until the worker reports that it is warm."""
        ready = wait([self.conn, self.process.sentinel], timeout)
        if self.conn in ready:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                msg = (Event.FAILED, "worker exited during warm-up")
            if msg[0] == Event.READY:
                self.device = str(msg[1])
                return
            raise RuntimeError(f"demo worker failed to start: {msg[1]}")
        if ready:
            raise RuntimeError(f"demo worker exited during warm-up ({self.process.exitcode})")
        raise TimeoutError(f"demo worker not ready after {timeout:.0f} s")

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.process.kill()
        self.process.join(5)
        with contextlib.suppress(Exception):
            self.conn.close()

    def stop(self, timeout: float) -> None:
        """Ask politely, then kill."""
        with contextlib.suppress(Exception):
            self.conn.send(None)
        self.process.join(timeout)
        if self.process.is_alive():
            self.kill()
        with contextlib.suppress(Exception):
            self.conn.close()


@dataclass(eq=False)
class _Job:
    owner: int
    request: DemoRequest
    slot: asyncio.Future[_Worker]
    events: asyncio.Queue[tuple[Any, ...]] = field(default_factory=asyncio.Queue)
    on_progress: OnProgress | None = None
    worker: _Worker | None = None
    cancelled: bool = False


def _pump(worker: _Worker, post: Callable[[tuple[Any, ...]], None]) -> None:
    """Thread body: forward one job's messages until its result, or the worker's death."""
    conn, sentinel = worker.conn, worker.process.sentinel
    while True:
        try:
            ready = wait([conn, sentinel])
        except OSError:  # the connection was closed under us (kill from the loop)
            post(_DEAD)
            return
        if conn in ready:  # read before checking the sentinel: a reply may precede exit
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                post(_DEAD)
                return
            post(msg)
            if msg[0] in (Event.DONE, Event.ERROR):
                return
        elif sentinel in ready:
            post(_DEAD)
            return


class LocalDemoRunner:
    """A pool of warm worker processes on this machine; one demo at a time per owner.

    Jobs wait in FIFO order for a free worker. `job_timeout_s` counts from the moment a job
    reaches a worker, so time spent queued does not eat into it.
    """

    def __init__(
        self,
        *,
        workers: int = 1,
        device: str = "auto",
        threads: int | None = None,
        job_timeout_s: float = 60.0,
        start_timeout_s: float = 120.0,
        entry: WorkerEntry = worker_entry,
    ) -> None:
        if workers < 1:
            raise ValueError("workers must be at least 1")
        self._n = workers
        self._config = WorkerConfig(device=device, threads=threads)
        self._job_timeout_s = job_timeout_s
        self._start_timeout_s = start_timeout_s
        self._entry = entry
        self._ctx = mp.get_context("spawn")
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._waiting: deque[_Job] = deque()
        self._owners: dict[int, _Job] = {}
        self._respawns: set[asyncio.Task[None]] = set()
        self._watchdog: asyncio.Task[None] | None = None
        self._started = False
        self._closing = False
        self._spawned = 0

    # -- lifecycle -------------------------------------------------------------------------

    async def start(self) -> None:
        """Spawn and warm every worker; returns when all are ready to take a job."""
        if self._started:
            return
        self._started = True
        workers = await asyncio.gather(*(self._spawn() for _ in range(self._n)))
        self._idle.extend(workers)
        self._watchdog = asyncio.get_running_loop().create_task(self._watch())
        log.info("demo workers ready: %s", [(w.pid, w.device) for w in workers])

    async def close(self) -> None:
        """Cancel queued and running jobs and stop every worker."""
        self._closing = True
        if self._watchdog is not None:
            self._watchdog.cancel()
        for task in list(self._respawns):
            task.cancel()
        while self._waiting:
            job = self._waiting.popleft()
            if not job.slot.done():
                job.slot.set_exception(DemoCancelled("The demo service is shutting down."))
        for job in list(self._owners.values()):
            if job.worker is not None:
                self._abort(job)
        idle, self._idle = self._idle, []
        await asyncio.gather(*(asyncio.to_thread(w.stop, 5.0) for w in idle))

    async def __aenter__(self) -> LocalDemoRunner:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- queries ---------------------------------------------------------------------------

    def queue_position(self, owner: int) -> int | None:
        """None: no job; 0: running now; n >= 1: n-th in line for a worker."""
        job = self._owners.get(owner)
        if job is None:
            return None
        if job.worker is not None:
            return 0
        try:
            return self._waiting.index(job) + 1
        except ValueError:  # assigned a worker but not yet picked up by its submit
            return 0

    def worker_pids(self) -> list[int]:
        """Pids of live workers (idle and busy); for diagnostics and tests."""
        return [w.pid for w in [*self._idle, *self._busy] if w.pid is not None]

    # -- jobs ------------------------------------------------------------------------------

    async def submit(
        self, request: DemoRequest, *, owner: int, on_progress: OnProgress | None = None
    ) -> DemoResult:
        """Run one demo for `owner` and return its picture and caption.

        Raises DemoUsageError/DemoInputError at once for bad input, DemoBusy if the owner
        already has a job, DemoTimeout, DemoCrashed or DemoCancelled if the job fails, and
        DemoUnavailable if no worker could take it at all.
        """
        if not self._started or self._closing:
            raise RuntimeError("LocalDemoRunner is not running; call start() first")
        validate_request(request)  # cheap and pure: reject junk before it takes a slot
        if owner in self._owners:
            raise DemoBusy("You already have a demo running; wait for it or cancel it.")
        loop = asyncio.get_running_loop()
        job = _Job(owner, request, loop.create_future(), on_progress=on_progress)
        self._owners[owner] = job
        self._waiting.append(job)
        try:
            for handover in range(1, _MAX_HANDOVERS + 1):
                self._heal()
                self._dispatch()
                worker = await job.slot
                job.worker = worker
                try:
                    return await self._run(job, worker)
                except _NotDelivered:
                    log.warning("demo worker %s was dead when handed a job (exit code %s); "
                                "the job goes to another worker", worker.pid,
                                worker.process.exitcode)
                if job.cancelled:
                    raise DemoCancelled("Demo cancelled.")
                job.worker, job.slot, job.events = None, loop.create_future(), asyncio.Queue()
                if handover < _MAX_HANDOVERS:
                    self._waiting.appendleft(job)  # it never ran: first in line again
            raise DemoUnavailable("No demo worker could take the job.")
        except asyncio.CancelledError:
            # The caller's task was cancelled (e.g. shutdown): do not leave a worker busy
            # with a result nobody will read.
            if job in self._waiting:
                self._waiting.remove(job)
            if job.worker is not None:
                self._abort(job)
            raise
        finally:
            if self._owners.get(owner) is job:
                del self._owners[owner]

    async def cancel(self, owner: int) -> bool:
        """Drop the owner's queued job or kill its running one; False if there was none."""
        job = self._owners.get(owner)
        if job is None:
            return False
        if job.worker is None and job in self._waiting:
            self._waiting.remove(job)
            if not job.slot.done():
                job.slot.set_exception(DemoCancelled("Demo cancelled."))
            return True
        job.cancelled = True
        self._abort(job)
        return True

    # -- internals -------------------------------------------------------------------------

    def _dispatch(self) -> None:
        self._retire_dead_idle()
        while self._idle and self._waiting:
            job = self._waiting.popleft()
            worker = self._idle.pop()
            self._busy.add(worker)
            job.slot.set_result(worker)

    def _release(self, worker: _Worker) -> None:
        self._busy.discard(worker)
        if not self._closing:
            self._idle.append(worker)
            self._dispatch()
        else:
            threading.Thread(target=worker.stop, args=(5.0,), daemon=True).start()

    def _abort(self, job: _Job) -> None:
        """Kill the job's worker; its pump thread then reports the death to _run."""
        worker = job.worker
        if worker is not None:
            with contextlib.suppress(Exception):
                worker.process.kill()
        job.events.put_nowait(_ABORTED)

    def _replace(self, worker: _Worker) -> None:
        """Retire a killed or dead worker and start a fresh one in the background."""
        self._busy.discard(worker)
        threading.Thread(target=worker.kill, daemon=True).start()
        if self._closing:
            return
        self._start_respawn()

    def _start_respawn(self) -> None:
        task = asyncio.get_running_loop().create_task(self._respawn())
        self._respawns.add(task)
        task.add_done_callback(self._respawns.discard)

    def _retire_dead_idle(self) -> None:
        for worker in [w for w in self._idle if not w.alive()]:
            self._idle.remove(worker)
            log.warning("demo worker %s died while idle (exit code %s); starting a new one",
                        worker.pid, worker.process.exitcode)
            self._replace(worker)

    def _heal(self) -> None:
        """Start a worker when none exists or is coming (every earlier respawn gave up)."""
        if not self._closing and not self._idle and not self._busy and not self._respawns:
            log.warning("no demo worker is running; starting one")
            self._start_respawn()

    async def _watch(self) -> None:
        """Replace idle workers that died, so the next job finds a warm one."""
        while not self._closing:
            await asyncio.sleep(_WATCH_S)
            self._retire_dead_idle()

    async def _spawn(self) -> _Worker:
        self._spawned += 1
        name = f"tutorbot-demo-{self._spawned}"
        worker = await asyncio.to_thread(_Worker, self._ctx, self._entry, self._config, name)
        try:
            await asyncio.to_thread(worker.wait_ready, self._start_timeout_s)
        except BaseException:
            await asyncio.to_thread(worker.kill)
            raise
        return worker

    async def _respawn(self) -> None:
        for attempt in range(1, _MAX_RESPAWN_TRIES + 1):
            try:
                worker = await self._spawn()
            except (RuntimeError, TimeoutError, OSError):
                log.exception("demo worker respawn failed (attempt %d)", attempt)
                await asyncio.sleep(attempt)
                continue
            if self._closing:
                await asyncio.to_thread(worker.stop, 5.0)
                return
            self._idle.append(worker)
            self._dispatch()
            return
        log.error("giving up on respawning a demo worker")
        if not self._idle and not self._busy and not self._respawns - {asyncio.current_task()}:
            while self._waiting:  # nothing will ever serve these: fail them, never hang
                job = self._waiting.popleft()
                if not job.slot.done():
                    job.slot.set_exception(DemoUnavailable("No demo worker could be started."))

    async def _run(self, job: _Job, worker: _Worker) -> DemoResult:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()

        def post(msg: tuple[Any, ...]) -> None:
            # The job may be long over (timeout, cancel) and the loop closed when a killed
            # worker's death is finally seen; nobody is listening then.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(job.events.put_nowait, msg)

        healthy = False
        began = False  # the worker acknowledged the job; before that, its death means undelivered
        try:
            try:
                await asyncio.to_thread(worker.conn.send, job.request)
            except (OSError, EOFError, ValueError):  # BrokenPipeError; a closed handle
                raise _NotDelivered from None
            threading.Thread(target=_pump, args=(worker, post), daemon=True).start()
            deadline = loop.time() + self._job_timeout_s
            while True:
                remaining = deadline - loop.time()
                try:
                    msg = await asyncio.wait_for(job.events.get(), max(remaining, 0.0))
                except TimeoutError:
                    raise DemoTimeout(
                        f"The demo took longer than {self._job_timeout_s:.0f} s and was stopped."
                    ) from None
                # Progress may arrive faster than the bot can show it; keep only the latest.
                while msg[0] == Event.PROGRESS and not job.events.empty():
                    msg = job.events.get_nowait()
                match msg:
                    case (Event.STARTED,):
                        began = True
                    case (Event.PROGRESS, fraction, text):
                        if job.on_progress is not None:
                            try:
                                await job.on_progress(float(fraction), str(text))
                            except Exception:
                                log.exception("demo progress callback failed")
                    case (Event.DONE, DemoResult() as result):
                        healthy = True
                        return replace(result, elapsed_s=time.perf_counter() - started)
                    case (Event.ERROR, kind, text):
                        healthy = True  # the worker caught it and is still serving
                        raise exception_for(str(kind), str(text))
                    case (_Local.ABORTED,) | (_Local.DEAD,) if job.cancelled:
                        raise DemoCancelled("Demo cancelled.")
                    case (_Local.ABORTED,):
                        raise DemoCancelled("Demo stopped.")
                    case (_Local.DEAD,) if not began:
                        raise _NotDelivered
                    case (_Local.DEAD,):
                        code = worker.process.exitcode
                        raise DemoCrashed(f"The demo worker died (exit code {code}).")
                    case _:
                        raise DemoCrashed(f"unexpected message from worker: {msg[0]!r}")
        finally:
            if healthy:
                self._release(worker)
            else:
                self._replace(worker)
