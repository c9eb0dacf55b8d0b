"""RedisDemoRunner against a real Redis and real `bot.worker.queue_worker` processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from bot.demos import (
    DemoBusy,
    DemoCancelled,
    DemoCrashed,
    DemoKind,
    DemoRequest,
    DemoTimeout,
    DemoUsageError,
)
from bot.demos.queue_runner import RedisDemoRunner
from tests.scaleout.conftest import REDIS_URL, WorkerProcess

FAKE = "tests.scaleout.fake_queue_worker"


def sleepy(seconds: float) -> DemoRequest:
    return DemoRequest(DemoKind.SOFTMAX, card=f"sleep:{seconds}")


@pytest.fixture
async def runner(queue_name: str) -> AsyncIterator[RedisDemoRunner]:
    r = RedisDemoRunner(REDIS_URL, job_timeout_s=10, queue_name=queue_name,
                        queue_timeout_s=20, heartbeat_timeout_s=2)
    await r.start()
    try:
        yield r
    finally:
        await r.close()


@pytest.fixture
async def fake_worker(queue_name: str) -> AsyncIterator[WorkerProcess]:
    worker = WorkerProcess(queue_name, module=FAKE, name="fake")
    try:
        await worker.wait_ready()
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def second_instance(queue_name: str) -> RedisDemoRunner:
    """Another bot instance's runner on the same queue (each test starts and closes it)."""
    return RedisDemoRunner(REDIS_URL, job_timeout_s=10, queue_name=queue_name,
                          queue_timeout_s=20, heartbeat_timeout_s=2)


async def test_real_worker_runs_lrfind_with_progress(
    runner: RedisDemoRunner, queue_name: str
) -> None:
    """A real worker process (torch, warm) answers lrfind with a PNG and streams progress."""
    worker = WorkerProcess(queue_name, timeout_s=30)
    try:
        await worker.wait_ready()
        seen: list[tuple[float, str]] = []

        async def progress(fraction: float, text: str) -> None:
            seen.append((fraction, text))

        result = await runner.submit(DemoRequest(DemoKind.LRFIND, ("mlp",), device="cpu"),
                                     owner=1, on_progress=progress)
        assert result.png.startswith(b"\x89PNG")
        assert "Learning-rate finder" in result.caption
        assert result.meta["device"] == "cpu"
        assert seen and all(0.0 <= f <= 1.0 for f, _ in seen)
        assert runner.queue_position(1) is None
        # The result reaches the bot a moment before arq takes the finished job off its queue.
        assert await _drained(runner)
        assert not await runner.is_busy(1)
    finally:
        worker.stop()


async def test_junk_is_refused_before_queueing(runner: RedisDemoRunner) -> None:
    """Bad arguments raise the usage error at once and enqueue nothing."""
    with pytest.raises(DemoUsageError, match="Usage: /lrfind"):
        await runner.submit(DemoRequest(DemoKind.LRFIND, ("banana",)), owner=1)
    assert await runner.queue_length() == 0
    assert not await runner.is_busy(1)


async def test_one_demo_per_owner_across_instances(
    runner: RedisDemoRunner, second_instance: RedisDemoRunner, fake_worker: WorkerProcess
) -> None:
    """While an owner's demo runs on one instance, another instance refuses a second one."""
    await second_instance.start()
    try:
        first = asyncio.create_task(runner.submit(sleepy(1.0), owner=7))
        await asyncio.sleep(0.3)
        assert await second_instance.is_busy(7)
        with pytest.raises(DemoBusy):
            await second_instance.submit(sleepy(0), owner=7)
        with pytest.raises(DemoBusy):
            await runner.submit(sleepy(0), owner=7)
        assert (await first).caption == "fake softmax"
        assert (await second_instance.submit(sleepy(0), owner=7)).caption == "fake softmax"
    finally:
        await second_instance.close()


async def test_cancel_from_another_instance(
    runner: RedisDemoRunner, second_instance: RedisDemoRunner, fake_worker: WorkerProcess
) -> None:
    """Cancel pressed on any instance stops the running job and frees the owner at once."""
    await second_instance.start()
    try:
        job = asyncio.create_task(runner.submit(sleepy(8), owner=9))
        await asyncio.sleep(0.5)
        assert runner.queue_position(9) == 0
        t0 = time.monotonic()
        assert await second_instance.cancel(9)
        with pytest.raises(DemoCancelled):
            await job
        assert time.monotonic() - t0 < 2
        assert not await runner.is_busy(9)
        assert not await second_instance.cancel(9)
        # The worker's demo process was killed and replaced: it serves the next job.
        assert (await runner.submit(sleepy(0), owner=9)).caption == "fake softmax"
    finally:
        await second_instance.close()


async def test_queued_job_shows_position_and_can_be_cancelled(
    runner: RedisDemoRunner, fake_worker: WorkerProcess
) -> None:
    """A job behind a busy worker is 1st in line, counted in the queue, and cancellable."""
    busy = asyncio.create_task(runner.submit(sleepy(3), owner=1))
    await asyncio.sleep(0.4)
    waiting = asyncio.create_task(runner.submit(sleepy(0), owner=2))
    await asyncio.sleep(1.3)
    assert runner.queue_position(1) == 0
    assert runner.queue_position(2) == 1
    assert await runner.queue_length() == 2
    assert await runner.cancel(2)
    with pytest.raises(DemoCancelled):
        await waiting
    assert await runner.queue_length() == 1
    assert (await busy).caption == "fake softmax"


async def test_no_worker_means_timeout_not_a_hung_chat(queue_name: str) -> None:
    """With no worker at all, submit gives up after the queue timeout and leaves no job."""
    r = RedisDemoRunner(REDIS_URL, job_timeout_s=5, queue_name=queue_name, queue_timeout_s=1)
    await r.start()
    try:
        t0 = time.monotonic()
        with pytest.raises(DemoTimeout, match="No demo worker"):
            await r.submit(sleepy(0), owner=3)
        assert time.monotonic() - t0 < 3
        assert await r.queue_length() == 0
        assert not await r.is_busy(3)
    finally:
        await r.close()


async def test_job_over_time_limit_is_stopped(runner: RedisDemoRunner, queue_name: str) -> None:
    """A job past the worker's limit is killed there and reported as a timeout."""
    worker = WorkerProcess(queue_name, module=FAKE, name="slowlimit", timeout_s=1)
    try:
        await worker.wait_ready()
        t0 = time.monotonic()
        with pytest.raises(DemoTimeout):
            await runner.submit(sleepy(10), owner=4)
        assert time.monotonic() - t0 < 4
        assert (await runner.submit(sleepy(0), owner=4)).caption == "fake softmax"
    finally:
        worker.stop()


async def test_killed_worker_job_is_retried_by_another(
    runner: RedisDemoRunner, queue_name: str
) -> None:
    """A worker SIGKILLed mid-job: its heartbeats stop and a second worker runs the job."""
    first = WorkerProcess(queue_name, module=FAKE, name="first")
    second: WorkerProcess | None = None
    try:
        await first.wait_ready()
        started = asyncio.Event()

        async def progress(fraction: float, text: str) -> None:
            started.set()

        job = asyncio.create_task(runner.submit(sleepy(1.5), owner=5, on_progress=progress))
        await asyncio.wait_for(started.wait(), 10)
        first.kill()
        second = WorkerProcess(queue_name, module=FAKE, name="second")
        t0 = time.monotonic()
        result = await asyncio.wait_for(job, 20)
        assert result.caption == "fake softmax"
        assert time.monotonic() - t0 < 10
        assert not await runner.is_busy(5)
    finally:
        first.stop()
        if second is not None:
            second.stop()


async def test_killed_worker_without_retry_apologises(queue_name: str) -> None:
    """With one try allowed, a killed worker ends the demo as crashed within the heartbeat."""
    r = RedisDemoRunner(REDIS_URL, job_timeout_s=30, queue_name=queue_name,
                        heartbeat_timeout_s=1.5, max_tries=1)
    await r.start()
    worker = WorkerProcess(queue_name, module=FAKE, name="only")
    try:
        await worker.wait_ready()
        started = asyncio.Event()

        async def progress(fraction: float, text: str) -> None:
            started.set()

        job = asyncio.create_task(r.submit(sleepy(20), owner=6, on_progress=progress))
        await asyncio.wait_for(started.wait(), 10)
        t0 = time.monotonic()
        worker.kill()
        with pytest.raises(DemoCrashed, match="stopped responding"):
            await job
        assert time.monotonic() - t0 < 4
        assert await r.queue_length() == 0
    finally:
        worker.stop()
        await r.close()


def test_worker_without_redis_url_exits_with_usage_status() -> None:
    """`tutorbot worker` without REDIS_URL says so and returns 2 instead of hanging."""
    from bot.config import Settings
    from bot.worker.queue_worker import main

    assert main(Settings.model_construct(redis_url=None)) == 2


async def _drained(runner: RedisDemoRunner, wait_s: float = 5.0) -> bool:
    deadline = asyncio.get_running_loop().time() + wait_s
    while await runner.queue_length():
        if asyncio.get_running_loop().time() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
