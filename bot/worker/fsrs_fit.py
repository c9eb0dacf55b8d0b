"""Fit a learner's FSRS parameters with fsrs's own optimizer, and check them honestly.

The check: one card in five is kept out of the fit, and both the default and the fitted
parameters then predict the recall of those cards' reviews. Comparing on the reviews the fit
was trained on would flatter the fit (21 parameters can bend towards any few hundred
answers); comparing on cards it never saw says how it will do on the learner's next reviews.
The parameters offered are exactly the ones that were checked.

Two of the optimizer's module settings are adjusted for the length of a job (see `_tuned`):
its mini-batch of 512 *spaced* reviews, below which it returns the defaults unchanged, would
leave a learner with a few hundred reviews nothing to fit; and its tqdm bar is where the
epochs can be counted for progress. A worker process runs one job at a time, so setting and
restoring them around the call is safe.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise
from random import Random
from typing import Any

import fsrs
import numpy as np
from fsrs.scheduler import DEFAULT_PARAMETERS

from bot.demos.args import FitArgs
from bot.demos.types import FitReport, FitScore
from bot.worker.plotting import figure_png, new_figure

Progress = Callable[[float, str], None]

HOLDOUT_EVERY = 5  # one card in five is kept back for the check
MIN_SPACED = 30  # fewer spaced training reviews than this: nothing worth fitting
MIN_CHECKED = 10  # fewer held-out spaced reviews than this: no comparison is shown
MAX_SEQ = 64  # the optimizer reads the first 64 reviews of each card; so does the check
_EPS = 1e-6


def _logs(args: FitArgs) -> dict[int, list[fsrs.ReviewLog]]:
    """The reviews as fsrs ReviewLogs, grouped by card in time order, first MAX_SEQ only."""
    by_card: dict[int, list[fsrs.ReviewLog]] = defaultdict(list)
    for card, rating, seconds, duration in args.reviews:
        by_card[card].append(fsrs.ReviewLog(card_id=card, rating=fsrs.Rating(rating),
                                            review_datetime=datetime.fromtimestamp(seconds, UTC),
                                            review_duration=duration))
    return {card: sorted(logs, key=lambda log: log.review_datetime)[:MAX_SEQ]
            for card, logs in sorted(by_card.items())}


def held_out(cards: Iterable[int]) -> set[int]:
    """Every HOLDOUT_EVERY-th card of a seeded shuffle: the same split for the same log."""
    order = sorted(cards)
    Random(42).shuffle(order)
    return set(order[::HOLDOUT_EVERY])


def _spaced(history: list[fsrs.ReviewLog]) -> Iterator[fsrs.ReviewLog]:
    """Reviews a day or more after the card's previous one: the only ones FSRS predicts.

    The optimizer skips same-day reviews (learning steps) in its loss the same way.
    """
    for before, review in pairwise(history):
        if (review.review_datetime - before.review_datetime).days > 0:
            yield review


def predictions(histories: Iterable[list[fsrs.ReviewLog]],
                parameters: tuple[float, ...]) -> list[tuple[float, int]]:
    """(predicted recall, recalled 0/1) for every spaced review, replaying each card."""
    scheduler = fsrs.Scheduler(parameters=parameters, enable_fuzzing=False)
    out: list[tuple[float, int]] = []
    for history in histories:
        card = fsrs.Card(card_id=history[0].card_id, due=history[0].review_datetime)
        for review in history:
            when = review.review_datetime
            if card.last_review is not None and (when - card.last_review).days > 0:
                recalled = 0 if review.rating == fsrs.Rating.Again else 1
                out.append((float(scheduler.get_card_retrievability(card, when)), recalled))
            card, _ = scheduler.review_card(card, review.rating, when)
    return out


def score(pairs: list[tuple[float, int]]) -> FitScore:
    """Mean log loss (binary cross-entropy) and mean predicted recall."""
    p = np.clip(np.array([pr for pr, _ in pairs]), _EPS, 1 - _EPS)
    y = np.array([r for _, r in pairs], dtype=float)
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    return FitScore(log_loss=float(loss), predicted=float(np.mean(p)))


@contextmanager
def _tuned(batch_size: int, on_epoch: Callable[[int, int], None]) -> Iterator[None]:
    """Set the optimizer's mini-batch size and count its epochs, restoring both after."""
    import fsrs.optimizer as fo

    def epochs(iterable: range, **_ignored: Any) -> Iterator[int]:
        for done, item in enumerate(iterable):
            on_epoch(done, len(iterable))
            yield item

    saved = fo.mini_batch_size, getattr(fo, "tqdm")  # noqa: B009  (not re-exported)
    fo.mini_batch_size = batch_size
    setattr(fo, "tqdm", epochs)  # noqa: B010  (mypy: the replacement is not a tqdm class)
    try:
        yield
    finally:
        fo.mini_batch_size = saved[0]
        setattr(fo, "tqdm", saved[1])  # noqa: B010


def batch_size_for(spaced: int) -> int:
    """About four optimizer steps per epoch, as fsrs's 512 gives a 2,000-review learner.

    Fewer, larger batches would leave a small log at the defaults; many tiny ones would let
    a few hundred answers pull the parameters wherever their noise points.
    """
    return max(16, min(512, math.ceil(spaced / 4)))


def fit(args: FitArgs, progress: Progress | None = None) -> FitReport:
    """Fit on four cards in five, then score defaults and the fit on the fifth."""
    from fsrs.optimizer import Optimizer

    def report(fraction: float, text: str) -> None:
        if progress is not None:
            progress(fraction, text)

    histories = _logs(args)
    check = held_out(histories)
    train = [log for card, logs in histories.items() if card not in check for log in logs]
    spaced = {card: sum(1 for _ in _spaced(logs)) for card, logs in histories.items()}
    train_spaced = sum(n for card, n in spaced.items() if card not in check)

    def outcome(parameters: tuple[float, ...] | None, checked: int = 0,
                actual: float | None = None, default: FitScore | None = None,
                fitted: FitScore | None = None) -> FitReport:
        return FitReport(parameters=parameters, reviews=len(args.reviews), cards=len(histories),
                         spaced_reviews=sum(spaced.values()), checked_reviews=checked,
                         checked_cards=len(check), actual_recall=actual, default=default,
                         fitted=fitted)

    if train_spaced < MIN_SPACED:
        return outcome(None)
    report(0.05, "reading your reviews")

    def on_epoch(done: int, total: int) -> None:
        report(0.1 + 0.8 * done / total, f"round {done + 1} of {total}")

    with _tuned(batch_size_for(train_spaced), on_epoch):
        weights = Optimizer(train).compute_optimal_parameters()
    if weights is None:  # every epoch's loss was NaN: nothing trustworthy came out
        raise RuntimeError("the optimizer found no usable parameters")
    parameters = tuple(round(float(w), 4) for w in weights)
    fsrs.Scheduler(parameters=parameters)  # raises if any weight left fsrs's bounds
    report(0.92, "checking on cards the fit did not see")
    checked = [histories[card] for card in sorted(check)]
    default_pairs = predictions(checked, tuple(DEFAULT_PARAMETERS))
    if len(default_pairs) < MIN_CHECKED:
        return outcome(parameters, len(default_pairs))
    actual = sum(r for _, r in default_pairs) / len(default_pairs)
    return outcome(parameters, len(default_pairs), actual, score(default_pairs),
                   score(predictions(checked, parameters)))


def _curve(parameters: tuple[float, ...], stability: float, days: Any) -> Any:
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    return (1 + factor * days / stability) ** decay


def good_intervals(parameters: tuple[float, ...], count: int = 5) -> list[int]:
    """Days between reviews of a new card answered Good every time, at 90% retention."""
    scheduler = fsrs.Scheduler(parameters=parameters, enable_fuzzing=False)
    when = datetime(2025, 1, 1, tzinfo=UTC)
    card = fsrs.Card(due=when)
    intervals: list[int] = []
    while len(intervals) < count:
        card, _ = scheduler.review_card(card, fsrs.Rating.Good, when)
        if card.state == fsrs.State.Review:
            intervals.append((card.due - when).days)
        when = card.due
    return intervals


def comparison_png(parameters: tuple[float, ...]) -> bytes:
    """Left: how a new card fades after a first Good. Right: the intervals that follow."""
    default = tuple(DEFAULT_PARAMETERS)
    fig = new_figure(height_in=5.0)
    fade, steps = fig.subplots(1, 2, width_ratios=[1.0, 1.1])
    good = int(fsrs.Rating.Good) - 1
    days = np.linspace(0, 30, 300)
    fade.plot(days, _curve(default, default[good], days), "--", color="#7f7f7f", linewidth=2,
              label="default")
    fade.plot(days, _curve(parameters, parameters[good], days), "-", color="#1b9e77",
              linewidth=2.5, label="yours")
    fade.axhline(0.9, color="grey", linewidth=0.8)
    fade.set_ylim(0.4, 1.01)
    fade.set_xlim(0, 30)
    fade.set_xlabel("days after a first Good")
    fade.set_ylabel("chance you still recall it")
    fade.set_title("Forgetting curve")
    fade.legend(loc="lower left")
    ours, theirs = good_intervals(parameters), good_intervals(default)
    x = np.arange(len(ours))
    bars = steps.bar(x - 0.2, theirs, 0.4, color="#bdbdbd", label="default")
    steps.bar_label(bars, fontsize=10)
    bars = steps.bar(x + 0.2, ours, 0.4, color="#1b9e77", label="yours")
    steps.bar_label(bars, fontsize=10)
    steps.set_xticks(x, ["1st", "2nd", "3rd", *(f"{n + 1}th" for n in x[3:])])
    steps.set_xlabel("review (each answered Good)")
    steps.set_ylabel("days until the next one")
    steps.set_title("Intervals at 90% retention")
    steps.legend(loc="upper left")
    return figure_png(fig)


def run_fit(args: FitArgs, progress: Progress | None = None) -> tuple[bytes, FitReport]:
    """The job: the report, and the comparison picture when there are parameters to draw."""
    result = fit(args, progress)
    png = b"" if result.parameters is None else comparison_png(result.parameters)
    return png, result
