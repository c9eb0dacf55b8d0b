"""LocalDemoRunner: worker processes, one job per owner, progress, cancel, timeout, crashes."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_demo_worker import fake_entry, refusing_entry

import bot.demos.runner as runner_module
from bot.demos import (
    DemoBusy,
    DemoCancelled,
    DemoCrashed,
    DemoKind,
    DemoRequest,
    DemoTimeout,
    DemoUnavailable,
    DemoUsageError,
    LocalDemoRunner,
)

SLOW = DemoRequest(DemoKind.SOFTMAX, card="sleep:30")
QUICK = DemoRequest(DemoKind.SOFTMAX, card="ok")


async def _wait_running(runner: LocalDemoRunner, owner: int) -> None:
    for _ in range(200):
        if runner.queue_position(owner) == 0:
            await asyncio.sleep(0.05)  # let the job reach the worker
            return
        await asyncio.sleep(0.01)
    raise AssertionError("job never started")


async def test_real_worker_runs_lrfind_with_progress() -> None:
    """A warm real worker answers lrfind with a PNG, a caption and progress along the way."""
    seen: list[float] = []

    async def progress(fraction: float, text: str) -> None:
        seen.append(fraction)

    async with LocalDemoRunner(device="cpu") as runner:
        result = await runner.submit(
            DemoRequest(DemoKind.LRFIND, ("cnn",)), owner=1, on_progress=progress
        )
        assert result.png.startswith(b"\x89PNG")
        assert "learning rate" in result.caption.lower()
        assert seen and seen == sorted(seen) and 0 < seen[-1] <= 1
        with pytest.raises(DemoUsageError):  # rejected bot-side, before any queueing
            await runner.submit(DemoRequest(DemoKind.LRFIND, ("banana",)), owner=1)
        assert runner.queue_position(1) is None


async def test_second_submit_from_same_owner_is_busy() -> None:
    """While an owner's demo runs, another submit from them raises DemoBusy."""
    async with LocalDemoRunner(entry=fake_entry) as runner:
        first = asyncio.create_task(runner.submit(SLOW, owner=7))
        await _wait_running(runner, 7)
        with pytest.raises(DemoBusy):
            await runner.submit(QUICK, owner=7)
        assert await runner.cancel(7)
        with pytest.raises(DemoCancelled):
            await first


async def test_queue_positions_and_cancelling_a_queued_job() -> None:
    """With one worker a second owner waits at position 1 and can be dropped from the queue."""
    async with LocalDemoRunner(entry=fake_entry) as runner:
        running = asyncio.create_task(runner.submit(SLOW, owner=1))
        await _wait_running(runner, 1)
        queued = asyncio.create_task(runner.submit(QUICK, owner=2))
        await asyncio.sleep(0.05)
        assert runner.queue_position(2) == 1
        assert await runner.cancel(2)
        with pytest.raises(DemoCancelled):
            await queued
        assert runner.queue_position(2) is None
        assert not await runner.cancel(2)
        await runner.cancel(1)
        with pytest.raises(DemoCancelled):
            await running


async def test_cancel_running_job_kills_and_replaces_its_worker() -> None:
    """Cancelling a running job kills its worker; a fresh one serves the next job."""
    async with LocalDemoRunner(entry=fake_entry) as runner:
        [pid] = runner.worker_pids()
        task = asyncio.create_task(runner.submit(SLOW, owner=3))
        await _wait_running(runner, 3)
        assert await runner.cancel(3)
        with pytest.raises(DemoCancelled):
            await task
        result = await asyncio.wait_for(runner.submit(QUICK, owner=3), 30)
        assert result.caption == "fake softmax"
        assert runner.worker_pids() != [pid]


async def test_timeout_kills_the_job_and_the_next_one_works() -> None:
    """A job past its time limit raises DemoTimeout and the replacement worker takes the next."""
    async with LocalDemoRunner(entry=fake_entry, job_timeout_s=0.5) as runner:
        progress: list[str] = []

        async def on_progress(fraction: float, text: str) -> None:
            progress.append(text)

        with pytest.raises(DemoTimeout):
            await runner.submit(SLOW, owner=4, on_progress=on_progress)
        assert progress == ["half way"]
        result = await asyncio.wait_for(runner.submit(QUICK, owner=4), 30)
        assert result.png.startswith(b"\x89PNG")


async def test_worker_killed_mid_job_is_a_crash_not_a_hang() -> None:
    """SIGKILL on the worker mid-job raises DemoCrashed promptly; the next job succeeds."""
    async with LocalDemoRunner(entry=fake_entry) as runner:
        task = asyncio.create_task(runner.submit(SLOW, owner=5))
        await _wait_running(runner, 5)
        os.kill(runner.worker_pids()[0], signal.SIGKILL)
        with pytest.raises(DemoCrashed, match="died"):
            await asyncio.wait_for(task, 10)
        result = await asyncio.wait_for(runner.submit(QUICK, owner=5), 30)
        assert result.caption == "fake softmax"


async def test_error_inside_a_demo_keeps_the_worker() -> None:
    """A demo that raises gives DemoCrashed but its worker stays and serves the next job."""
    async with LocalDemoRunner(entry=fake_entry) as runner:
        [pid] = runner.worker_pids()
        with pytest.raises(DemoCrashed, match="boom"):
            await runner.submit(DemoRequest(DemoKind.SOFTMAX, card="boom"), owner=6)
        await runner.submit(QUICK, owner=6)
        assert runner.worker_pids() == [pid]


async def test_close_cancels_running_jobs() -> None:
    """Closing the runner ends a running job with DemoCancelled instead of leaving it hanging."""
    runner = LocalDemoRunner(entry=fake_entry)
    await runner.start()
    task = asyncio.create_task(runner.submit(SLOW, owner=8))
    await _wait_running(runner, 8)
    await runner.close()
    with pytest.raises(DemoCancelled):
        await asyncio.wait_for(task, 10)


def _gone(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


async def _until(predicate: Callable[[], bool], seconds: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not predicate():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_idle_worker_death_is_noticed_and_replaced_without_a_job() -> None:
    """A worker SIGKILLed while idle is replaced by the watchdog before anyone asks for a demo."""
    async with LocalDemoRunner(entry=fake_entry) as runner:
        [pid] = runner.worker_pids()
        os.kill(pid, signal.SIGKILL)
        await _until(lambda: bool(runner.worker_pids()) and pid not in runner.worker_pids(),
                     30, "a replacement worker")
        result = await asyncio.wait_for(runner.submit(QUICK, owner=1), 30)
        assert result.caption == "fake softmax"


async def test_job_handed_to_a_dead_worker_goes_to_the_next(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A job whose worker died unseen (its pipe is broken) is run by a fresh worker, not lost."""
    async with LocalDemoRunner(entry=fake_entry) as runner:
        [pid] = runner.worker_pids()
        # Blind the watchdog and the dispatch check: only the broken pipe can tell.
        monkeypatch.setattr(runner_module._Worker, "alive", lambda self: True)
        os.kill(pid, signal.SIGKILL)
        await _until(lambda: _gone(pid), 10, "the worker to die")
        result = await asyncio.wait_for(runner.submit(QUICK, owner=2), 30)
        assert result.caption == "fake softmax"
        assert pid not in runner.worker_pids()


async def test_no_worker_can_start_is_unavailable_then_heals(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While no worker can start, a job fails with DemoUnavailable (never a hang or a broken
    pipe); once workers can start again, the next job starts one and runs."""
    flag = tmp_path / "refuse"
    monkeypatch.setenv("FAKE_WORKER_REFUSE", str(flag))
    monkeypatch.setattr(runner_module, "_MAX_RESPAWN_TRIES", 2)
    async with LocalDemoRunner(entry=refusing_entry) as runner:
        [pid] = runner.worker_pids()
        flag.touch()
        os.kill(pid, signal.SIGKILL)
        await _until(lambda: _gone(pid), 10, "the worker to die")
        with pytest.raises(DemoUnavailable):
            await asyncio.wait_for(runner.submit(QUICK, owner=3), 60)
        assert runner.worker_pids() == []
        flag.unlink()
        result = await asyncio.wait_for(runner.submit(QUICK, owner=3), 60)
        assert result.caption == "fake softmax"
