"""The card-tied concept demos: softmax, cross-entropy, mini-batch, one-cycle, fine_tune."""

from __future__ import annotations

import math
import time

import torch
from torch import nn

from bot.demos.args import FineTuneArgs, LrModel, OneCycleArgs, SoftmaxArgs
from bot.worker.data import digits
from bot.worker.jobs import Progress
from bot.worker.models import build_model
from bot.worker.plotting import figure_png, new_figure

Meta = dict[str, object]


def softmax_plot(args: SoftmaxArgs) -> tuple[bytes, Meta]:
    """Raw scores next to their softmax at a few temperatures."""
    classes = ["cat", "dog", "fox", "owl", "eel"]
    logits = torch.tensor([2.0, 1.5, 0.6, -0.4, -1.2])
    fig = new_figure(5.6)
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.6])
    left.bar(classes, logits.tolist(), color="#7f7f7f")
    left.axhline(0, color="black", lw=0.8)
    left.set_title("scores (logits)")
    left.set_ylabel("score")
    n = len(args.temperatures)
    width = 0.8 / n
    probs_by_t: dict[str, list[float]] = {}
    cmap = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728"]
    for k, t in enumerate(args.temperatures):
        probs = torch.softmax(logits / t, dim=0)
        probs_by_t[f"{t:g}"] = probs.tolist()
        xs = [i + (k - (n - 1) / 2) * width for i in range(len(classes))]
        bars = right.bar(xs, probs.tolist(), width, color=cmap[k % 4], label=f"T = {t:g}")
        right.bar_label(
            bars,
            labels=[f"{p:.0%}" if p >= 0.05 else "" for p in probs.tolist()],
            fontsize=10,
            padding=2,
        )
    right.set_xticks(range(len(classes)), classes)
    right.set_ylim(0, 1.08)
    right.set_ylabel("probability")
    right.set_title("softmax(score / T)")
    right.legend(loc="upper right")
    fig.suptitle(
        "Softmax: exponentials turn small score gaps into big probability gaps",
        fontsize=15,
        fontweight="bold",
    )
    return figure_png(fig), {"probabilities": probs_by_t}


def cross_entropy_plot() -> tuple[bytes, Meta]:
    """−log(p) against p, with a confident mistake, an unsure answer and a right one marked."""
    p = torch.linspace(0.002, 1.0, 400)
    loss = -torch.log(p)
    fig = new_figure(5.6)
    ax = fig.add_subplot()
    ax.axvspan(0, 0.1, color="#d62728", alpha=0.08)
    ax.text(0.05, 2.6, "confidently\nwrong", color="#d62728", fontsize=13, ha="center")
    ax.plot(p.tolist(), loss.tolist(), lw=3, color="#1f77b4")
    marks = {0.01: "true class given 1%", 0.4: "unsure: 40%", 0.9: "right: 90%"}
    for q, label in marks.items():
        val = -math.log(q)
        ax.plot(q, val, "o", ms=10, color="black")
        ax.annotate(
            f"{label}\nloss {val:.2f}",
            (q, val),
            xytext=(22, 4) if q < 0.1 else (18, 14),
            textcoords="offset points",
            fontsize=12,
            arrowprops={"arrowstyle": "-", "color": "gray"},
        )
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 6.3)
    ax.set_xlabel("probability the model gives the true class  p")
    ax.set_ylabel("cross-entropy loss  −log(p)")
    ax.set_title("Cross-entropy: confident mistakes cost the most")
    return figure_png(fig), {"marks": {str(k): -math.log(k) for k in marks}}


def minibatch_plot(device: str, progress: Progress | None = None) -> tuple[bytes, Meta]:
    """Measure gradient noise and step time against batch size on digits."""
    data = digits(device)
    model = build_model(LrModel.MLP).to(device)
    loss_fn = nn.CrossEntropyLoss()
    params = list(model.parameters())

    def grad(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        g = torch.autograd.grad(loss_fn(model(x), y), params)
        return torch.cat([t.reshape(-1) for t in g])

    full = grad(data.x_train, data.y_train)
    gen = torch.Generator().manual_seed(0)
    sizes = [1, 4, 16, 64, 256, 1024]
    noise: list[float] = []
    step_ms: list[float] = []
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # lr 0: time a real step, change nothing
    n = len(data.y_train)
    for k, bs in enumerate(sizes):
        errs = []
        for _ in range(24):
            idx = torch.randint(0, n, (bs,), generator=gen).to(device)
            errs.append(
                float((grad(data.x_train[idx], data.y_train[idx]) - full).norm() / full.norm())
            )
        noise.append(sum(errs) / len(errs))
        idx = torch.randint(0, n, (bs,), generator=gen).to(device)
        xb, yb = data.x_train[idx], data.y_train[idx]
        times = []
        for _ in range(15):
            t0 = time.perf_counter()
            loss_fn(model(xb), yb).backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        step_ms.append(sorted(times)[len(times) // 2] * 1000)
        if progress is not None:
            progress((k + 1) / len(sizes), f"batch size {bs}")
    throughput = [bs / (ms / 1000) for bs, ms in zip(sizes, step_ms, strict=True)]
    best_bs = sizes[max(range(len(sizes)), key=throughput.__getitem__)]
    fig = new_figure(5.4)
    left, right = fig.subplots(1, 2)
    left.plot(sizes, noise, "o-", lw=2.5, ms=8)
    left.set_xscale("log", base=2)
    left.set_yscale("log")
    left.set_xlabel("batch size")
    left.set_ylabel("gradient error vs full data")
    left.set_title("gradient noise")
    right.plot(sizes, step_ms, "o-", lw=2.5, ms=8, color="#ff7f0e", label="ms per step")
    right.set_xscale("log", base=2)
    right.set_xlabel("batch size")
    right.set_ylabel("time per step (ms)", color="#ff7f0e")
    right.set_title("cost of one step")
    twin = right.twinx()
    twin.plot(sizes, [t / 1000 for t in throughput], "s--", color="#2ca02c", ms=7)
    twin.set_ylabel("thousand samples / s", color="#2ca02c")
    twin.grid(False)
    for ax in (left, right):
        ax.set_xticks(sizes, [str(s) for s in sizes])
    fig.suptitle(
        f"Mini-batches on digits ({device.upper()}): bigger = smoother, not slower per sample",
        fontsize=15,
        fontweight="bold",
    )
    return figure_png(fig), {"sizes": sizes, "noise": noise, "step_ms": step_ms, "best_bs": best_bs}


def _sched_cos(start: float, end: float, pos: float) -> float:
    return start + (1 + math.cos(math.pi * (1 - pos))) * (end - start) / 2


def combined_cos(pct: float, start: float, middle: float, end: float, pos: float) -> float:
    """fastai's combined_cos: cosine start→middle over `pct` of training, then middle→end."""
    if pos < pct:
        return _sched_cos(start, middle, pos / pct)
    return _sched_cos(middle, end, (pos - pct) / (1 - pct))


def one_cycle(
    n: int,
    lr_max: float,
    *,
    div: float = 25.0,
    div_final: float = 1e5,
    pct_start: float = 0.25,
    moms: tuple[float, float, float] = (0.95, 0.85, 0.95),
) -> tuple[list[float], list[float]]:
    """Per-iteration lr and momentum of fastai's fit_one_cycle (its defaults)."""
    pos = [i / n for i in range(n)]
    lrs = [combined_cos(pct_start, lr_max / div, lr_max, lr_max / div_final, p) for p in pos]
    mom = [combined_cos(pct_start, *moms, p) for p in pos]
    return lrs, mom


def one_cycle_plot(args: OneCycleArgs) -> tuple[bytes, Meta]:
    """Like learn.recorder.plot_sched(): learning rate and momentum per iteration."""
    n = 500
    lrs, mom = one_cycle(n, args.lr_max)
    fig = new_figure(5.0)
    left, right = fig.subplots(1, 2)
    left.plot(range(n), lrs, lw=2.5)
    left.set_title("learning rate: warm-up | anneal")
    left.set_xlabel("iteration")
    left.set_ylabel("lr")
    left.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
    right.plot(range(n), mom, lw=2.5, color="#ff7f0e")
    right.set_title("momentum: the mirror image")
    right.set_xlabel("iteration")
    right.set_ylabel("beta1 (momentum)")
    for ax in (left, right):
        ax.axvline(n * 0.25, color="gray", ls=":", lw=1.5)
    fig.suptitle(
        f"fit_one_cycle(lr_max={args.lr_max:g}) over {n} iterations", fontsize=15, fontweight="bold"
    )
    return figure_png(fig), {"lr_first": lrs[0], "lr_peak": max(lrs), "lr_last": lrs[-1]}


def even_mults(start: float, stop: float, n: int) -> list[float]:
    """fastai's even_mults: n values spaced geometrically from start to stop."""
    mult = (stop / start) ** (1 / (n - 1))
    return [start * mult**i for i in range(n)]


def fine_tune_plot(args: FineTuneArgs) -> tuple[bytes, Meta]:
    """Per layer-group learning rates through learn.fine_tune(epochs, base_lr)."""
    per_epoch = 50
    groups = ["early layers", "later layers", "new head"]
    colours = ["#1f77b4", "#ff7f0e", "#2ca02c"]
    # Frozen phase: fit_one_cycle(1, slice(base_lr), pct_start=0.99); only the head trains.
    frozen_lr, _ = one_cycle(per_epoch, args.base_lr, pct_start=0.99)
    # Unfrozen: base_lr halved, slice(base_lr/100, base_lr) spread over the groups, div 5.
    half = args.base_lr / 2
    maxes = even_mults(half / 100, half, len(groups))
    n2 = per_epoch * args.epochs
    fig = new_figure(5.6)
    ax = fig.add_subplot()
    xs1 = [i / per_epoch for i in range(per_epoch)]
    xs2 = [1 + i / per_epoch for i in range(n2)]
    for g, (name, colour, lr_max) in enumerate(zip(groups, colours, maxes, strict=True)):
        if g == len(groups) - 1:
            ax.plot(xs1, frozen_lr, color=colour, lw=2.5)
        lrs, _ = one_cycle(n2, lr_max, div=5.0, pct_start=0.3)
        ax.plot(xs2, lrs, color=colour, lw=2.5, label=f"{name}: max {lr_max:.0e}")
    ax.axvspan(0, 1, color="#9e9e9e", alpha=0.15)
    ax.text(
        0.5,
        0.97,
        "frozen body:\nonly the head trains",
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="top",
        fontsize=12,
    )
    ax.text(
        1 + args.epochs / 2,
        0.97,
        "unfrozen: discriminative learning rates",
        transform=ax.get_xaxis_transform(),
        ha="center",
        va="top",
        fontsize=12,
    )
    ax.set_yscale("log")
    ax.set_ylim(min(maxes) / 40, args.base_lr * 6)
    ax.set_xlabel("epoch")
    ax.set_ylabel("learning rate (log scale)")
    ax.set_title(
        f"learn.fine_tune({args.epochs}, base_lr={args.base_lr:g}): 1 frozen + {args.epochs} epochs"
    )
    ax.legend(loc="lower center", ncol=3, fontsize=11)
    return figure_png(fig), {"group_lr_max": maxes}
