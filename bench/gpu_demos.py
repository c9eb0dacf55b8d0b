"""GPU check for the demos: every demo on CUDA, in this process, in a spawned local worker and
in a `tutorbot worker` on a Redis queue, timed against the CPU on the same machine in one run.

Why a script and not a test: CI and the development machine have no GPU, so the CUDA paths
run only where a GPU is lent. Run it there:

    python bench/gpu_demos.py --out DIR [--repeat N] [--redis-url redis://127.0.0.1:6379/0]

Lines it prints (one per demo, then one per worker path):

    gpu demo NAME: cuda first F s, warm W s | cpu warm C s | ratio cuda/cpu R
    gpu path local-worker: lrfind mlp W s on cuda
    gpu path queue-worker: lrfind cnn W s on cuda, augment photo W s on cuda

Pictures drawn on the GPU are written to DIR to be looked at. It exits non-zero when a demo
did not run on the GPU. `--device cpu` is a dry run of the script itself on a machine
without one.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

from demo_cases import CASES, demo_request, load_photo

from bot.demos import DemoKind, DemoResult, LocalDemoRunner

PICTURES = {"lrfind mlp", "lrfind cnn", "augment", "augment photo", "minibatch"}


def _median_run(kind: DemoKind, args: tuple[str, ...], device: str, photo: bytes,
                repeat: int) -> tuple[float, DemoResult]:
    from bot.worker.jobs import run_request

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = run_request(demo_request(kind, args, device, photo))
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def in_process(device: str, repeat: int, out: Path) -> list[str]:
    """Each demo on `device` (first call and warm median) and on the CPU; returns failures."""
    import torch

    from bot.worker.jobs import configure_torch

    configure_torch()
    photo = load_photo()
    failures = []
    for name, kind, args in CASES:
        first_s, first = _median_run(kind, args, device, photo, 1)
        warm_s, result = _median_run(kind, args, device, photo, repeat)
        _median_run(kind, args, "cpu", photo, 1)  # the CPU path's own first call
        cpu_s, cpu_result = _median_run(kind, args, "cpu", photo, repeat)
        ran_on = str(result.meta["device"])
        if ran_on != device or first.meta["device"] != device:
            failures.append(f"{name} ran on {ran_on}")
        print(f"gpu demo {name}: {device} first {first_s:.3f} s, warm {warm_s:.3f} s | "
              f"cpu warm {cpu_s:.3f} s | ratio {device}/cpu {warm_s / cpu_s:.2f}", flush=True)
        if "suggestions" in result.meta:
            print(f"    suggestions {device} {_fmt(result.meta['suggestions'])} | "
                  f"cpu {_fmt(cpu_result.meta['suggestions'])}")
        if name in PICTURES:
            (out / f"{name.replace(' ', '_')}_{device}.png").write_bytes(result.png)
    if device.startswith("cuda"):
        peak = torch.cuda.max_memory_allocated() / 2**20
        print(f"gpu memory: peak allocated {peak:.0f} MiB", flush=True)
    return failures


def _fmt(suggestions: object) -> str:
    assert isinstance(suggestions, dict)
    return ", ".join(f"{k} {v:.1e}" for k, v in suggestions.items())


async def local_worker(device: str) -> list[str]:
    """The default path: a spawned worker process (CUDA must initialise in the child)."""
    t0 = time.perf_counter()
    async with LocalDemoRunner(device=device) as runner:
        start_s = time.perf_counter() - t0
        request = demo_request(DemoKind.LRFIND, ("mlp",), device, None)
        await runner.submit(request, owner=1)
        t1 = time.perf_counter()
        result = await runner.submit(request, owner=1)
        warm_s = time.perf_counter() - t1
    ran_on = result.meta["device"]
    print(f"gpu path local-worker: lrfind mlp {warm_s:.3f} s on {ran_on} "
          f"(worker start and warm-up {start_s:.1f} s)", flush=True)
    return [] if ran_on == device else [f"local worker ran on {ran_on}"]


def queue_worker(device: str, redis_url: str) -> list[str]:
    """The scale-out path: `python -m bot.worker.queue_worker` with DEMO_DEVICE set, fed by
    the bot side's RedisDemoRunner through a real Redis."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.ping()
    except (OSError, redis.RedisError) as exc:
        print(f"gpu path queue-worker: skipped, no Redis at {redis_url} ({exc})")
        return []
    queue = f"tutorbot-gpu-check:{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "REDIS_URL": redis_url, "DEMO_DEVICE": device,
           "DEMO_TIMEOUT_S": "120", "PYTHONUNBUFFERED": "1"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    log = Path(f"/tmp/{queue.replace(':', '-')}.log")
    with log.open("wb") as sink:
        worker = subprocess.Popen(
            [sys.executable, "-m", "bot.worker.queue_worker", "--queue", queue],
            cwd=Path(__file__).resolve().parents[1], env=env, stdout=sink,
            stderr=subprocess.STDOUT, start_new_session=True)
    try:
        failures = asyncio.run(_drive_queue(device, redis_url, queue, worker))
    finally:
        worker.terminate()
        worker.wait(30)
        keys = list(client.scan_iter(f"{queue}*"))
        if keys:
            client.delete(*keys)
        client.close()
    if failures:
        print(log.read_text(errors="replace")[-3000:])
    return failures


async def _drive_queue(device: str, redis_url: str, queue: str,
                       worker: subprocess.Popen[bytes]) -> list[str]:
    import redis.asyncio

    from bot.demos.queue_runner import RedisDemoRunner

    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        async with asyncio.timeout(120):
            while not await client.exists(f"{queue}:health-check"):
                if worker.poll() is not None:
                    return ["queue worker exited before it was ready"]
                await asyncio.sleep(0.1)
    finally:
        await client.aclose()
    runner = RedisDemoRunner(redis_url, job_timeout_s=120, queue_name=queue)
    await runner.start()
    photo = load_photo()
    parts, failures = [], []
    try:
        for label, kind, args in (("lrfind cnn", DemoKind.LRFIND, ("cnn",)),
                                  ("augment photo", DemoKind.AUGMENT, ("photo",))):
            request = demo_request(kind, args, device, photo)
            await runner.submit(request, owner=1)
            t0 = time.perf_counter()
            result = await runner.submit(request, owner=1)
            ran_on = result.meta["device"]
            parts.append(f"{label} {time.perf_counter() - t0:.3f} s on {ran_on}")
            if ran_on != device:
                failures.append(f"queue worker ran {label} on {ran_on}")
    finally:
        await runner.close()
    print(f"gpu path queue-worker: {', '.join(parts)}", flush=True)
    return failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder for the pictures")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--device", default="cuda", help="cpu: a dry run without a GPU")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    opts = parser.parse_args()

    import torch

    if opts.device.startswith("cuda"):
        if not torch.cuda.is_available():
            print("CUDA is not available here; nothing to check")
            return 2
        print(f"device: {torch.cuda.get_device_name()}, torch {torch.__version__}, "
              f"CUDA {torch.version.cuda}", flush=True)
    opts.out.mkdir(parents=True, exist_ok=True)
    failures = in_process(opts.device, opts.repeat, opts.out)
    failures += asyncio.run(local_worker(opts.device))
    if opts.redis_url:
        failures += queue_worker(opts.device, opts.redis_url)
    for failure in failures:
        print(f"FAILED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
