"""Run one DemoRequest to a DemoResult; used by worker processes and the in-process CLI."""

from __future__ import annotations

import time
from collections.abc import Callable

import torch

from bot.demos import captions
from bot.demos.args import (
    AugmentArgs,
    ClassArgs,
    FineTuneArgs,
    FitArgs,
    LrFindArgs,
    NoArgs,
    OneCycleArgs,
    SoftmaxArgs,
    StatsArgs,
    validate_request,
)
from bot.demos.device import select_device
from bot.demos.types import DemoKind, DemoRequest, DemoResult, FitReport

Progress = Callable[[float, str], None]


def configure_torch(threads: int | None = None) -> None:
    """One intra-op thread by default: the models are tiny, and on the 2-core host a second
    thread made lrfind no faster and the mini-batch demo 3x slower (bench/demos.py).
    """
    torch.set_num_threads(threads or 1)


def resolve_device(requested: str) -> str:
    return select_device(requested, cuda_available=torch.cuda.is_available())


def run_request(request: DemoRequest, progress: Progress | None = None) -> DemoResult:
    """Validate, compute, draw and caption one demo."""
    from bot.worker import augment, concepts, lrfind

    t0 = time.perf_counter()
    parsed = validate_request(request)
    device = resolve_device(request.device)
    card = request.card
    fit: FitReport | None = None
    match request.kind, parsed:
        case DemoKind.LRFIND, LrFindArgs():
            png, meta = lrfind.run_lrfind(parsed, device, progress)
            suggestions = meta["suggestions"]
            assert isinstance(suggestions, dict)
            caption = captions.lrfind(
                model=parsed.model.value,
                suggestions=suggestions,
                batches=int(str(meta["batches"])),
                stopped_early=bool(meta["stopped_early"]),
                card=card,
            )
        case DemoKind.AUGMENT, AugmentArgs():
            png, meta = augment.run_augment(parsed, request.image, device)
            labels, unsuitable, seed = meta["labels"], meta["unsuitable"], meta["seed"]
            assert isinstance(labels, list) and isinstance(unsuitable, list)
            assert isinstance(seed, int)
            builtin = meta["builtin"]
            caption = captions.augment(
                labels=labels, source=str(meta["source"]), seed=seed,
                builtin=None if builtin is None else str(builtin), unsuitable=unsuitable,
                card=card)
        case DemoKind.SOFTMAX, SoftmaxArgs():
            png, meta = concepts.softmax_plot(parsed)
            caption = captions.softmax(temperatures=parsed.temperatures, card=card)
        case DemoKind.CROSS_ENTROPY, NoArgs():
            png, meta = concepts.cross_entropy_plot()
            caption = captions.cross_entropy(card=card)
        case DemoKind.MINIBATCH, NoArgs():
            png, meta = concepts.minibatch_plot(device, progress)
            caption = captions.minibatch(best_bs=int(str(meta["best_bs"])), card=card)
        case DemoKind.ONE_CYCLE, OneCycleArgs():
            png, meta = concepts.one_cycle_plot(parsed)
            caption = captions.one_cycle(lr_max=parsed.lr_max, card=card)
        case DemoKind.FINE_TUNE, FineTuneArgs():
            png, meta = concepts.fine_tune_plot(parsed)
            caption = captions.fine_tune(epochs=parsed.epochs, base_lr=parsed.base_lr, card=card)
        case DemoKind.STATS, StatsArgs():
            from bot.worker import stats_chart

            png, meta = stats_chart.stats_chart(parsed)
            caption = captions.stats()
        case DemoKind.CLASS, ClassArgs():
            from bot.worker import class_chart

            png, meta = class_chart.class_chart(parsed)
            caption = captions.class_progress()
        case DemoKind.FSRS_FIT, FitArgs():
            from bot.worker import fsrs_fit

            png, fit = fsrs_fit.run_fit(parsed, progress)
            meta = {}
            caption = captions.fsrs_fit(fitted=fit.parameters is not None)
        case _:  # parse_args returns the matching type for each kind
            raise AssertionError(f"no runner for {request.kind}")
    meta["device"] = device
    return DemoResult(png=png, caption=caption, elapsed_s=time.perf_counter() - t0, meta=meta,
                      fit=fit)


def warm_up(device: str = "auto") -> str:
    """Pay the one-off costs now: imports, data tensors, a first optimiser step, a figure."""
    from bot.demos.args import BuiltinImage, LrModel
    from bot.worker import augment, concepts, lrfind  # noqa: F401  (imported to be warm)
    from bot.worker.data import BatchStream, digits
    from bot.worker.models import build_model, default_optimizer_kwargs
    from bot.worker.plotting import figure_png, new_figure

    resolved = resolve_device(device)
    data = digits(resolved)
    for kind in LrModel:
        model = build_model(kind).to(resolved)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, **default_optimizer_kwargs())  # type: ignore[arg-type]
        lrfind.range_test(model, opt, BatchStream(data.x_train, data.y_train, 64), num_it=6)
    fig = new_figure()
    ax = fig.add_subplot()
    ax.plot([1e-3, 1e-2], [1.0, 2.0], "o-", label="warm")
    ax.set_xscale("log")
    ax.legend()
    ax.set_title("warm-up")
    figure_png(fig)
    augment.augment_batch(augment.builtin_image(BuiltinImage.SCENE), resolved, seed=1)
    return resolved
