"""Demo benchmark: time to picture (cold and warm worker), memory, and lrfind vs torch-lr-finder.

Run: .venv/bin/python bench/demos.py [--repeat N] [--device auto|cpu|cuda]

- cold: a fresh process that imports the demo stack and draws one picture (what a first
  request would cost without the runner's warm-up);
- warm: the same request through a started LocalDemoRunner, median of N, measured from the
  calling (bot) process, IPC included;
- RSS: the calling process's resident memory, and the worker's peak (VmHWM);
- baseline: torch-lr-finder (pip package) on the same model, optimiser, data and thread count,
  range test plus its plot saved as PNG, interleaved with ours in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from demo_cases import CASES, demo_request, load_photo
from harness import status_kib

from bot.demos import LocalDemoRunner


def cold(name: str, device: str) -> None:
    """Child mode: one demo in a fresh process; prints JSON."""
    t0 = time.perf_counter()
    from bot.worker.jobs import configure_torch, run_request

    configure_torch()
    kind, args = next((k, a) for n, k, a in CASES if n == name)
    photo = load_photo() if args == ("photo",) else None
    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = run_request(demo_request(kind, args, device, photo))
    t_run = time.perf_counter() - t1
    print(
        json.dumps(
            {
                "total_s": time.perf_counter() - t0,
                "import_s": t_import,
                "run_s": t_run,
                "peak_rss_mib": status_kib("self", "VmHWM") / 1024,
                "png_kib": len(result.png) / 1024,
            }
        )
    )


def compare(device: str, repeat: int) -> None:
    """Child mode: our lrfind vs torch-lr-finder, both warm, interleaved; prints JSON."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch
    from torch.utils.data import DataLoader, TensorDataset
    from torch_lr_finder import LRFinder

    from bot.demos.args import LrFindArgs, LrModel
    from bot.worker import lrfind
    from bot.worker.data import digits
    from bot.worker.jobs import configure_torch, resolve_device, warm_up
    from bot.worker.models import build_model, default_optimizer_kwargs

    configure_torch()
    dev = resolve_device(device)
    warm_up(dev)
    data = digits(dev)

    def theirs(model_kind: LrModel) -> tuple[float, float | None, bytes]:
        t0 = time.perf_counter()
        model = build_model(model_kind).to(dev)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-7, **default_optimizer_kwargs())  # type: ignore[arg-type]
        loader = DataLoader(
            TensorDataset(data.x_train, data.y_train), batch_size=64, shuffle=True, drop_last=True
        )
        finder = LRFinder(model, opt, torch.nn.CrossEntropyLoss(), device=dev)
        finder.range_test(loader, start_lr=1e-7, end_lr=10, num_iter=100, step_mode="exp")
        fig, ax = plt.subplots()
        _, suggested = finder.plot(ax=ax, suggest_lr=True)
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        finder.reset()
        return time.perf_counter() - t0, suggested, buf.getvalue()

    def ours(model_kind: LrModel) -> tuple[float, dict[str, float], float]:
        t0 = time.perf_counter()
        _, meta = lrfind.run_lrfind(LrFindArgs(model=model_kind), dev)
        suggestions = meta["suggestions"]
        assert isinstance(suggestions, dict)
        return time.perf_counter() - t0, suggestions, float(str(meta["compute_s"]))

    import contextlib

    out: dict[str, object] = {}
    for model_kind in LrModel:
        with contextlib.redirect_stderr(io.StringIO()):  # torch-lr-finder's tqdm bar
            theirs(model_kind)  # warm both paths once
            ours(model_kind)
            t_ours, t_theirs, t_compute = [], [], []
            for _ in range(repeat):
                s, sugg, c = ours(model_kind)
                t_ours.append(s)
                t_compute.append(c)
                s2, their_sugg, png = theirs(model_kind)
                t_theirs.append(s2)
        Path(f"/tmp/torch_lr_finder_{model_kind.value}.png").write_bytes(png)
        out[model_kind.value] = {
            "ours_s": statistics.median(t_ours),
            "ours_compute_s": statistics.median(t_compute),
            "theirs_s": statistics.median(t_theirs),
            "ours": sugg,
            "theirs_steepest": their_sugg,
        }
    print(json.dumps(out))


def _child(args: list[str]) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


async def warm(device: str, repeat: int) -> dict[str, dict[str, float]]:
    photo = load_photo()
    out: dict[str, dict[str, float]] = {}
    t0 = time.perf_counter()
    async with LocalDemoRunner(device=device) as runner:
        start_s = time.perf_counter() - t0
        [pid] = runner.worker_pids()
        first = True
        for name, kind, args in CASES:
            times = []
            for _ in range(repeat):
                t = time.perf_counter()
                await runner.submit(demo_request(kind, args, device, photo), owner=1)
                times.append(time.perf_counter() - t)
            out[name] = {"warm_s": statistics.median(times), "first_s": times[0]}
            if first:
                out[name]["runner_start_s"] = start_s
                first = False
        out["_mem"] = {
            "caller_rss_mib": status_kib("self", "VmRSS") / 1024,
            "caller_peak_mib": status_kib("self", "VmHWM") / 1024,
            "worker_peak_mib": status_kib(pid, "VmHWM") / 1024,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--cold", help=argparse.SUPPRESS)
    parser.add_argument("--compare", action="store_true", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.cold:
        cold(opts.cold, opts.device)
        return
    if opts.compare:
        compare(opts.device, opts.repeat)
        return

    import bot.demos  # noqa: F401  (the caller's footprint is what the bot process carries)

    warm_res = asyncio.run(warm(opts.device, opts.repeat))
    mem = warm_res.pop("_mem")
    print(f"runner start (spawn + warm-up): {warm_res['lrfind mlp']['runner_start_s']:.2f} s")
    print(
        f"calling process RSS {mem['caller_rss_mib']:.0f} MiB (peak {mem['caller_peak_mib']:.0f})"
    )
    print(f"worker peak RSS {mem['worker_peak_mib']:.0f} MiB\n")
    print(f"{'demo':<15}{'cold total':>11}{'cold run':>10}{'cold RSS':>10}{'warm':>9}")
    for name, _, _ in CASES:
        c = _child(["--cold", name, "--device", opts.device])
        w = warm_res[name]
        print(
            f"{name:<15}{c['total_s']:>10.2f}s{c['run_s']:>9.2f}s"  # type: ignore[str-format]
            f"{c['peak_rss_mib']:>7.0f}MiB{w['warm_s']:>8.3f}s"  # type: ignore[str-format]
        )

    cmp = _child(["--compare", "--device", opts.device, "--repeat", str(opts.repeat)])
    print("\nlrfind (compute + PNG) vs torch-lr-finder (range test + plot + PNG), warm, median")
    for model, r in cmp.items():
        assert isinstance(r, dict)
        ratio = r["ours_s"] / r["theirs_s"]
        print(
            f"  {model}: ours {r['ours_s']:.3f} s (training {r['ours_compute_s']:.3f} s), "
            f"torch-lr-finder {r['theirs_s']:.3f} s, ratio ours/theirs {ratio:.2f}"
            f" {'OK' if ratio <= 1.0 and r['ours_s'] <= 1.0 else 'MISSED'}"
        )
        sugg = ", ".join(f"{k} {v:.1e}" for k, v in r["ours"].items())
        print(f"    suggestions: ours {sugg} | torch-lr-finder steepest {r['theirs_steepest']:.1e}")
    aug = warm_res["augment"]["warm_s"], warm_res["augment photo"]["warm_s"]
    print(f"augment warm {aug[0]:.3f} s, photo {aug[1]:.3f} s (goal <= 0.5 s)")


if __name__ == "__main__":
    main()
