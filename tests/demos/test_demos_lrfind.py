"""The learning-rate finder: fastai's schedule, smoothing, stopping rule and suggestions."""

from __future__ import annotations

import io
import math

import pytest
import torch
from PIL import Image

from bot.demos.args import LrFindArgs, LrModel
from bot.worker import lrfind
from bot.worker.data import BatchStream, digits
from bot.worker.models import build_model, default_optimizer_kwargs

LRS = [10 ** (-6 + i * 0.5) for i in range(10)]
LOSSES = [3.0, 3.0, 2.9, 2.5, 1.8, 1.5, 1.2, 1.1, 1.3, 3.0]


def test_valley_matches_fastai_on_a_hand_worked_curve() -> None:
    """valley picks index 3: longest decreasing run 0..7, a third plus a sixth of the way."""
    assert lrfind.valley(LRS, LOSSES).lr == LRS[3]


def test_steep_and_minimum_match_fastai() -> None:
    """steep is the first steepest drop against log(lr); minimum is lr at min loss / 10."""
    assert lrfind.steep(LRS, LOSSES).lr == LRS[3]
    sugg = lrfind.minimum(LRS, LOSSES)
    assert sugg.lr == pytest.approx(LRS[7] / 10)
    assert sugg.source == (LRS[7], 1.1)  # where fastai puts its dot: the minimum itself


def test_minimum_over_ten_dot_sits_on_its_line() -> None:
    """The minimum/10 dot is at lr = minimum/10 on the curve (interpolated in log lr), where
    its dashed line and legend are; the minimum it comes from is kept apart."""
    sugg = lrfind.minimum(LRS, LOSSES)
    x, y = sugg.point
    assert x == pytest.approx(LRS[7] / 10) == pytest.approx(LRS[5])  # two steps = a decade
    assert y == pytest.approx(LOSSES[5])
    assert lrfind.loss_at(LRS, LOSSES, (LRS[3] * LRS[4]) ** 0.5) == pytest.approx(
        (LOSSES[3] + LOSSES[4]) / 2)


def _setup(model: LrModel) -> tuple[torch.nn.Module, torch.optim.Optimizer, BatchStream]:
    data = digits()
    net = build_model(model)
    opt = torch.optim.AdamW(net.parameters(), lr=1e-7, **default_optimizer_kwargs())  # type: ignore[arg-type]
    return net, opt, BatchStream(data.x_train, data.y_train, 64)


def test_range_test_schedule_smoothing_and_restore() -> None:
    """Rates grow as start*(end/start)**(i/n); loss is a debiased EMA; weights come back."""
    net, opt, batches = _setup(LrModel.MLP)
    before = {k: v.clone() for k, v in net.state_dict().items()}
    test = lrfind.range_test(net, opt, batches, start_lr=1e-5, end_lr=1e-1, num_it=20)
    assert test.lrs[:3] == pytest.approx([1e-5 * (1e4) ** (i / 20) for i in range(3)])
    assert test.losses[0] == pytest.approx(test.raw_losses[0])  # debiased: first = raw
    ema = 0.0
    for i, raw in enumerate(test.raw_losses):
        ema = 0.98 * ema + 0.02 * raw
        assert test.losses[i] == pytest.approx(ema / (1 - 0.98 ** (i + 1)))
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())


def test_range_test_stops_when_loss_passes_four_times_best() -> None:
    """A sweep to a huge learning rate stops early, right after smoothed loss > 4x best."""
    net, opt, batches = _setup(LrModel.MLP)
    test = lrfind.range_test(net, opt, batches, start_lr=1e-3, end_lr=100.0, num_it=100)
    assert test.stopped_early
    assert test.losses[-1] > 4 * min(test.losses) or math.isnan(test.losses[-1])
    assert all(v <= 4 * min(test.losses[: i + 1]) for i, v in enumerate(test.losses[:-1]))


@pytest.mark.parametrize("model", list(LrModel))
def test_valley_lies_where_the_smoothed_loss_falls(model: LrModel) -> None:
    """On digits the valley suggestion sits on the falling part of the curve, before the minimum."""
    png, meta = lrfind.run_lrfind(LrFindArgs(model=model), "cpu")
    lrs, losses = meta["lrs"], meta["losses"]
    assert isinstance(lrs, list) and isinstance(losses, list)
    suggestions = meta["suggestions"]
    assert isinstance(suggestions, dict)
    i = lrs.index(suggestions["valley"])
    low = min(range(len(losses)), key=losses.__getitem__)
    assert i < low
    assert losses[i + 3] < losses[i] < losses[max(0, i - 3)] + 1e-3  # still going down
    assert losses[low] < losses[i] < losses[0]
    with Image.open(io.BytesIO(png)) as img:
        assert img.format == "PNG"
        assert img.size == (900, 540)


@pytest.mark.parametrize("model", list(LrModel))
def test_every_line_and_dot_stays_on_the_chart(model: LrModel) -> None:
    """The faint per-batch loss, the smoothed curve and every dot lie inside the axes, and
    each suggestion's dot sits on its own dashed line."""
    net, opt, batches = _setup(model)
    torch.manual_seed(0)
    test = lrfind.range_test(net, opt, batches)
    _, _, suggestions = lrfind.suggest(test)
    ax = lrfind.draw(test, suggestions, "t").axes[0]
    (y0, y1), (x0, x1) = ax.get_ylim(), ax.get_xlim()
    for line in ax.lines:
        xs, ys = line.get_xdata(), line.get_ydata()
        if len(set(map(float, xs))) == 1 and len(ys) == 2 and list(ys) == [0, 1]:
            continue  # an axvline spans the axes by definition
        assert all(y0 <= float(y) <= y1 for y in ys), line.get_label()
        assert all(x0 <= float(x) <= x1 for x in xs), line.get_label()
    raw = next(line for line in ax.lines if line.get_label() == "batch loss")
    assert min(map(float, raw.get_ydata())) < min(test.losses)  # the dips below are shown
    vlines = {round(float(line.get_xdata()[0]), 12) for line in ax.lines
              if list(line.get_ydata()) == [0, 1]}
    for s in suggestions:
        assert round(s.point[0], 12) in vlines and s.point[0] == s.lr, s.name
