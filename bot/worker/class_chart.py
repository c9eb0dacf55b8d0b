"""The /class picture: the class's reviews per day by learner, true retention per learner, and
the cards the class forgets most.

A class may have dozens of learners: the busiest few get their own colour in the day bars and
the rest are pooled as "others", so the picture stays readable on a phone.
"""

from __future__ import annotations

import textwrap
from datetime import date, timedelta

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from bot.demos.args import ClassArgs, ClassLearner
from bot.worker.plotting import figure_png, new_figure

COLOURED = 8
SHOWN_RETENTION = 10
OTHERS = "#b0b0b0"


def class_chart(args: ClassArgs) -> tuple[bytes, dict[str, object]]:
    meta: dict[str, object] = {"learners": len(args.learners),
                               "reviews": sum(sum(p.per_day) for p in args.learners)}
    return figure_png(draw(args)), meta


def draw(args: ClassArgs) -> Figure:
    fig = new_figure(height_in=7.6)
    gs = fig.add_gridspec(2, 2, width_ratios=[1.25, 1.0])
    _days(fig.add_subplot(gs[:, 0]), args)
    _retention(fig.add_subplot(gs[0, 1]), args.learners)
    _hardest(fig.add_subplot(gs[1, 1]), args.hardest)
    fig.suptitle(_short(f"Class: {args.title}", 60), fontsize=16, fontweight="bold")
    return fig


def _short(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _days(ax: Axes, args: ClassArgs) -> None:
    today = date.fromisoformat(args.today)
    width = max((len(p.per_day) for p in args.learners), default=14)
    days = [today - timedelta(days=width - 1 - i) for i in range(width)]
    x = np.arange(width)
    ranked = sorted(args.learners, key=lambda p: -sum(p.per_day))
    bottom = np.zeros(width)
    colours = [f"C{i}" for i in range(COLOURED)]
    for learner, colour in zip(ranked[:COLOURED], colours, strict=False):
        counts = np.array(learner.per_day[:width], dtype=float)
        ax.bar(x, counts, bottom=bottom, color=colour, label=_short(learner.name or "?", 16))
        bottom += counts
    rest = ranked[COLOURED:]
    if rest:
        counts = np.sum([np.array(p.per_day[:width], dtype=float) for p in rest], axis=0)
        ax.bar(x, counts, bottom=bottom, color=OTHERS, label=f"{len(rest)} others")
        bottom += counts
    ax.set_title("Reviews per day")
    # Every other day counted back from today, so today always has its label.
    step = 2 if width > 8 else 1
    ticks = list(range(width - 1, -1, -step))[::-1]
    ax.set_xticks(ticks, ["today" if i == width - 1 else days[i].strftime("%d %b")
                          for i in ticks], rotation=45, ha="right")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(1.0, float(bottom.max()) * 1.5))  # room for the legend above the bars
    if not args.learners:
        ax.text(0.5, 0.5, "Nobody has joined yet", transform=ax.transAxes, ha="center")
    elif bottom.sum() == 0:
        ax.text(0.5, 0.5, "No reviews in these days", transform=ax.transAxes, ha="center")
    else:
        ax.legend(loc="upper left", fontsize=10, ncol=2)


def _retention(ax: Axes, learners: tuple[ClassLearner, ...]) -> None:
    rated = [p for p in learners if p.retention is not None]
    rated.sort(key=lambda p: -p.mature)
    shown = rated[:SHOWN_RETENTION][::-1]
    ax.set_title("True retention (30 days)")
    ax.set_xlim(0, 1.18)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0", "25%", "50%", "75%", "100%"])
    if not shown:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "No learnt cards reviewed yet", transform=ax.transAxes, ha="center",
                fontsize=12)
        return
    y = np.arange(len(shown))
    values = [p.retention or 0.0 for p in shown]
    ax.barh(y, values, color=["#2ca02c" if v >= 0.85 else "#ff7f0e" if v >= 0.7 else "#d62728"
                              for v in values])
    ax.set_yticks(y, [_short(p.name or "?", 14) for p in shown])
    for yi, p, v in zip(y, shown, values, strict=True):
        ax.text(v + 0.02, float(yi), f"{v:.0%} ({p.mature})", va="center", fontsize=10)
    # The usual target (and the bot's default desired retention).
    ax.axvline(0.9, color="#555555", linestyle=":", linewidth=1)


def _hardest(ax: Axes, hardest: tuple[tuple[str, int], ...]) -> None:
    ax.set_title("Most lapses")
    shown = list(hardest[:6])[::-1]
    if not shown:
        ax.set_yticks([])
        ax.set_xticks([])
        ax.text(0.5, 0.5, "No card forgotten yet", transform=ax.transAxes, ha="center",
                fontsize=12)
        return
    y = np.arange(len(shown))
    ax.barh(y, [n for _, n in shown], color="#d62728")
    ax.set_yticks(y, [textwrap.shorten(q, 22, placeholder="…") for q, _ in shown], fontsize=10)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
