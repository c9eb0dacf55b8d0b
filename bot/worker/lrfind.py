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
from matplotlib.figure import Figure
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
    point: tuple[float, float]  # (lr, smoothed loss there): the dot on its dashed line
    # Where a derived suggestion comes from: the lowest loss, for minimum/10.
    source: tuple[float, float] | None = None


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
    """fastai's minimum: a tenth of the learning rate at the lowest smoothed loss.

    fastai marks the minimum itself; here the dot sits on the curve at the rate suggested,
    where its dashed line and legend put it, and the minimum it comes from is marked apart.
    """
    idx = min(range(len(losses)), key=losses.__getitem__)
    lr = lrs[idx] / 10
    return Suggestion("minimum/10", lr, (lr, loss_at(lrs, losses, lr)),
                      source=(lrs[idx], losses[idx]))


def loss_at(lrs: Sequence[float], losses: Sequence[float], lr: float) -> float:
    """The curve's loss at `lr`, interpolated in log(lr); clamped to the ends of the sweep."""
    if lr <= lrs[0]:
        return losses[0]
    for i in range(1, len(lrs)):
        if lr <= lrs[i]:
            t = (math.log(lr) - math.log(lrs[i - 1])) / (math.log(lrs[i]) - math.log(lrs[i - 1]))
            return losses[i - 1] + t * (losses[i] - losses[i - 1])
    return losses[-1]


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
    return figure_png(draw(test, suggestions, title))


def draw(test: RangeTest, suggestions: list[Suggestion], title: str) -> Figure:
    """Loss against learning rate on a log axis, each suggestion marked and named.

    The per-batch losses are drawn over the same sweep as the smoothed curve (fastai's
    skip_end=5 drops the diverging tail from both), and the y range holds both, so no line
    leaves the chart.
    """
    fig = new_figure(constrained=False)
    fig.subplots_adjust(left=0.085, right=0.98, top=0.92, bottom=0.12)
    ax = fig.add_subplot()
    skip = 5  # as fastai's plot_lr_find(skip_end=5); start shown so the flat part is visible
    shown = max(2, len(test.lrs) - skip)
    lrs, losses, raw = test.lrs[:shown], test.losses[:shown], test.raw_losses[:shown]
    ax.plot(lrs, raw, color="#1f77b4", alpha=0.25, lw=1, label="batch loss")
    ax.plot(lrs, losses, color="#1f77b4", lw=2.5, label="smoothed loss")
    for s in suggestions:
        colour = _COLOURS.get(s.name, "black")
        ax.axvline(s.lr, color=colour, ls="--", lw=1.5)
        ax.plot(*s.point, "o", ms=10, color=colour, zorder=4,
                label=f"{s.name}: lr = {s.lr:.1e}")
        if s.source is not None:  # minimum/10: from the lowest loss, a decade to the left
            ax.plot(*s.source, "o", ms=10, mfc="white", mec=colour, mew=2, zorder=4)
            ax.annotate("", xy=s.point, xytext=s.source, zorder=5, arrowprops={
                "arrowstyle": "-|>", "color": colour, "lw": 1.5, "shrinkA": 7, "shrinkB": 7,
                "connectionstyle": "arc3,rad=0.45"})
            ax.annotate("lowest loss", xy=s.source, xytext=(0, -14), textcoords="offset points",
                        ha="right", va="top", fontsize=11, color=colour)
            ax.annotate("÷10", xy=(math.sqrt(s.point[0] * s.source[0]),
                                   max(s.point[1], s.source[1])),
                        xytext=(0, 18), textcoords="offset points", ha="center",
                        va="bottom", fontsize=12, fontweight="bold", color=colour)
    ax.set_xscale("log")
    # Unlabelled minor ticks still get laid out and cost more than the whole training run.
    ax.xaxis.set_minor_locator(NullLocator())
    finite = [v for v in (*losses, *raw) if math.isfinite(v)]
    if finite:
        low, high = min(finite), max(finite)
        pad = (high - low) * 0.06 or 0.1
        ax.set_ylim(max(0.0, low - pad), high + pad)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("training loss")
    ax.set_title(title)
    ax.legend(loc="lower left", framealpha=0.9)
    return fig


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
