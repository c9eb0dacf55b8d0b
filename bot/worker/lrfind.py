"""A learning-rate range test that follows fastai's `Learner.lr_find` step for step.

fastai: exponential schedule start*(end/start)**(i/num_it) for batch i, loss smoothed with a
debiased EMA (beta 0.98), stop once the smoothed loss exceeds 4x the best seen, model and
optimiser restored afterwards, suggestions computed on losses[num_it//10:-5].
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from matplotlib.ticker import NullLocator
from torch import nn

from bot.demos.args import LrFindArgs
from bot.worker.data import BatchStream, digits
from bot.worker.models import build_model, default_optimizer_kwargs
from bot.worker.plotting import figure_png, new_figure

Progress = Callable[[float, str], None]

BATCH_SIZE = 64  # fastai's default bs
BETA = 0.98
STOP_FACTOR = 4.0


@dataclass(frozen=True, slots=True)
class RangeTest:
    lrs: list[float]
    losses: list[float]  # smoothed, as fastai's Recorder stores them
    raw_losses: list[float]
    stopped_early: bool
    num_it: int


@dataclass(frozen=True, slots=True)
class Suggestion:
    name: str
    lr: float  # what to use
    point: tuple[float, float]  # where fastai marks it on the curve


def range_test(
    model: nn.Module,
    opt: torch.optim.Optimizer,
    batches: BatchStream,
    *,
    start_lr: float = 1e-7,
    end_lr: float = 10.0,
    num_it: int = 100,
    progress: Progress | None = None,
) -> RangeTest:
    """Train one mini-batch per learning rate on an exponential schedule, then restore."""
    num_it = max(num_it, 6)  # fastai's floor
    saved_model = {k: v.detach().clone() for k, v in model.state_dict().items()}
    saved_opt = opt.state_dict()
    loss_fn = nn.CrossEntropyLoss()
    lrs: list[float] = []
    losses: list[float] = []
    raw: list[float] = []
    avg, best, stopped = 0.0, math.inf, False
    report_every = max(1, num_it // 10)
    model.train()
    try:
        for i in range(num_it):
            lr = start_lr * (end_lr / start_lr) ** (i / num_it)
            for group in opt.param_groups:
                group["lr"] = lr
            xb, yb = batches.next()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            value = loss.item()
            avg = BETA * avg + (1 - BETA) * value  # torch.lerp(loss, avg, beta) in fastai
            smooth = avg / (1 - BETA ** (i + 1))
            lrs.append(lr)
            losses.append(smooth)
            raw.append(value)
            best = min(best, smooth)
            if progress is not None and (i + 1) % report_every == 0:
                progress((i + 1) / num_it, f"batch {i + 1}/{num_it}")
            if smooth > STOP_FACTOR * best or math.isnan(smooth):
                stopped = True
                break
    finally:
        model.load_state_dict(saved_model)
        opt.load_state_dict(saved_opt)
        opt.zero_grad(set_to_none=True)
    return RangeTest(lrs, losses, raw, stopped, num_it)


def valley(lrs: Sequence[float], losses: Sequence[float]) -> Suggestion:
    """fastai's valley: the longest decreasing run (as a subsequence), 2/3 of the way down."""
    n = len(losses)
    max_start, max_end = 0, 0
    lds = [1] * n
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and lds[i] < lds[j] + 1:
                lds[i] = lds[j] + 1
            if lds[max_end] < lds[i]:
                max_end = i
                max_start = max_end - lds[max_end]
    sections = (max_end - max_start) / 3
    idx = max_start + int(sections) + int(sections / 2)
    return Suggestion("valley", lrs[idx], (lrs[idx], losses[idx]))


def steep(lrs: Sequence[float], losses: Sequence[float]) -> Suggestion:
    """fastai's steep: where the loss falls fastest against log(lr)."""
    grads = [
        (losses[i + 1] - losses[i]) / (math.log(lrs[i + 1]) - math.log(lrs[i]))
        for i in range(len(lrs) - 1)
    ]
    idx = min(range(len(grads)), key=grads.__getitem__)
    return Suggestion("steep", lrs[idx], (lrs[idx], losses[idx]))


def minimum(lrs: Sequence[float], losses: Sequence[float]) -> Suggestion:
    """fastai's minimum: a tenth of the learning rate at the lowest smoothed loss."""
    idx = min(range(len(losses)), key=losses.__getitem__)
    return Suggestion("minimum/10", lrs[idx] / 10, (lrs[idx], losses[idx]))


def suggest(test: RangeTest) -> tuple[list[float], list[float], list[Suggestion]]:
    """Trim as fastai does (drop the first num_it//10 and the last 5 points, cut at a NaN)."""
    lrs = test.lrs[test.num_it // 10 : -5]
    losses = test.losses[test.num_it // 10 : -5]
    nan = next((i for i, v in enumerate(losses) if math.isnan(v)), None)
    if nan is not None:
        lrs, losses = lrs[: min(nan, len(losses) - 1)], losses[: min(nan, len(losses) - 1)]
    if len(losses) < 3:  # a run that diverged at once; use what there is rather than fail
        lrs = [v for v, s in zip(test.lrs, test.losses, strict=True) if not math.isnan(s)]
        losses = [s for s in test.losses if not math.isnan(s)]
    if len(losses) < 2:
        raise ValueError("the range test stopped before it had two points to compare")
    return lrs, losses, [valley(lrs, losses), steep(lrs, losses), minimum(lrs, losses)]


_COLOURS = {"valley": "#d62728", "steep": "#2ca02c", "minimum/10": "#9467bd"}


def plot(test: RangeTest, suggestions: list[Suggestion], title: str) -> bytes:
    """Loss against learning rate on a log axis, each suggestion marked and named."""
    fig = new_figure(constrained=False)
    fig.subplots_adjust(left=0.085, right=0.98, top=0.92, bottom=0.12)
    ax = fig.add_subplot()
    skip = 5  # as fastai's plot_lr_find(skip_end=5); start shown so the flat part is visible
    lrs, losses, raw = (
        test.lrs[:-skip] or test.lrs,
        test.losses[:-skip] or test.losses,
        test.raw_losses,
    )
    ax.plot(test.lrs[: len(raw)], raw, color="#1f77b4", alpha=0.18, lw=1, label="batch loss")
    ax.plot(lrs, losses, color="#1f77b4", lw=2.5, label="smoothed loss")
    for s in suggestions:
        colour = _COLOURS.get(s.name, "black")
        ax.axvline(s.lr, color=colour, ls="--", lw=1.5)
        ax.plot(*s.point, "o", ms=10, color=colour, label=f"{s.name}: lr = {s.lr:.1e}")
    ax.set_xscale("log")
    # Unlabelled minor ticks still get laid out and cost more than the whole training run.
    ax.xaxis.set_minor_locator(NullLocator())
    finite = [v for v in losses if math.isfinite(v)]
    if finite:
        top = max(finite[: max(3, len(finite) // 4)]) * 1.25
        ax.set_ylim(min(finite) * 0.8, max(top, min(finite) * 1.5))
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    ax.set_title(title)
    ax.legend(loc="upper left", framealpha=0.9)
    return figure_png(fig)


def run_lrfind(
    args: LrFindArgs, device: str, progress: Progress | None = None
) -> tuple[bytes, dict[str, object]]:
    """Run the range test on digits and draw it; returns the PNG and facts for the caption."""
    data = digits(device)
    model = build_model(args.model).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.start_lr, **default_optimizer_kwargs())  # type: ignore[arg-type]
    batches = BatchStream(data.x_train, data.y_train, BATCH_SIZE)
    t0 = time.perf_counter()
    test = range_test(
        model,
        opt,
        batches,
        start_lr=args.start_lr,
        end_lr=args.end_lr,
        num_it=args.num_it,
        progress=progress,
    )
    compute_s = time.perf_counter() - t0
    _, _, suggestions = suggest(test)
    stop_note = (
        f"stopped at batch {len(test.lrs)}" if test.stopped_early else f"{len(test.lrs)} batches"
    )
    title = f"LR finder: {args.model.value.upper()} on digits ({stop_note})"
    png = plot(test, suggestions, title)
    meta: dict[str, object] = {
        "model": args.model.value,
        "suggestions": {s.name: s.lr for s in suggestions},
        "batches": len(test.lrs),
        "stopped_early": test.stopped_early,
        "lrs": test.lrs,
        "losses": test.losses,
        "compute_s": compute_s,
    }
    return png, meta
