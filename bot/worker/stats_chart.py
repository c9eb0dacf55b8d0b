"""The /stats picture: a review calendar, today's answers, the due forecast, streak and
true retention.

The calendar covers the weeks since the learner started (at most WEEKS; a new learner sees
their first MIN_WEEKS weeks fill up from the left), so the first days are large, numbered
cells instead of one speck in half a year, and today's answers by rating give a first-day
learner something to read at once.
"""

from __future__ import annotations

from datetime import date, timedelta

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from bot.demos.args import StatsArgs
from bot.worker.plotting import figure_png, new_figure

WEEKS = 26
MIN_WEEKS = 4
# Counts are written into the cells while they are this few weeks wide.
NUMBERED_WEEKS = 10
RATINGS = (("Again", "#d62728"), ("Hard", "#ff7f0e"), ("Good", "#2ca02c"), ("Easy", "#1f77b4"))


def calendar_span(today: date, counts: dict[str, int]) -> tuple[date, int]:
    """The calendar's first Monday and its number of weeks.

    Back to the first review, within WEEKS; a learner in their first MIN_WEEKS weeks sees
    those weeks from their start, filling up left to right.
    """
    days = [date.fromisoformat(d) for d, n in counts.items() if n > 0]
    first = min(days, default=today)
    this_monday = today - timedelta(days=today.weekday())
    first_monday = first - timedelta(days=first.weekday())
    spanned = (this_monday - first_monday).days // 7 + 1
    if spanned >= WEEKS:
        return this_monday - timedelta(weeks=WEEKS - 1), WEEKS
    return first_monday, max(MIN_WEEKS, spanned)


def stats_chart(args: StatsArgs) -> tuple[bytes, dict[str, object]]:
    counts = dict(args.per_day)
    _, weeks = calendar_span(date.fromisoformat(args.today), counts)
    meta: dict[str, object] = {"weeks": weeks, "total": int(sum(counts.values()))}
    return figure_png(draw(args)), meta


def draw(args: StatsArgs) -> Figure:
    today = date.fromisoformat(args.today)
    counts = dict(args.per_day)
    fig = new_figure(height_in=7.2)
    gs = fig.add_gridspec(2, 2, height_ratios=[1.0, 1.15], width_ratios=[1.6, 1.0])
    _calendar(fig.add_subplot(gs[0, 0]), today, counts)
    _answers(fig.add_subplot(gs[0, 1]), args.ratings_today)
    _forecast(fig.add_subplot(gs[1, 0]), args.forecast)
    _summary(fig.add_subplot(gs[1, 1]), args.streak, args.retention)
    return fig


def _calendar(cal: Axes, today: date, counts: dict[str, int]) -> None:
    """Columns are weeks (Monday first), rows weekdays; today outlined."""
    start, weeks = calendar_span(today, counts)
    studied = sorted(d for d, n in counts.items() if n > 0)
    first = date.fromisoformat(studied[0]) if studied else today
    grid = np.full((7, weeks), np.nan)
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        if day >= first or weeks == WEEKS:
            grid[day.weekday(), offset // 7] = counts.get(day.isoformat(), 0)
    # White: days before the learner started, and days still to come.
    cmap = matplotlib.colormaps["Greens"].with_extremes(bad="white")
    peak = max(1, int(np.nanmax(grid)) if np.isfinite(grid).any() else 1)
    cal.imshow(grid, cmap=cmap, vmin=0, vmax=peak, aspect="auto")
    cal.set_yticks([0, 2, 4, 6], ["Mon", "Wed", "Fri", "Sun"])
    if weeks <= NUMBERED_WEEKS:
        mondays = [start + timedelta(weeks=w) for w in range(weeks)]
        cal.set_xticks(range(weeks), [f"{d.day} {d:%b}" for d in mondays], fontsize=10)
        # Faint cell borders, so the days still to come read as empty calendar slots.
        cal.set_xticks(np.arange(-0.5, weeks), minor=True)
        cal.set_yticks(np.arange(-0.5, 7), minor=True)
        cal.grid(which="minor", color="#cfcfcf", lw=1, alpha=1.0)
        cal.tick_params(which="minor", length=0)
        for (row, col), value in np.ndenumerate(grid):
            if np.isfinite(value) and value > 0:
                light = value < peak * 0.6
                cal.text(col, row, f"{int(value)}", ha="center", va="center", fontsize=11,
                         color="#1b4d1b" if light else "white", fontweight="bold")
    else:
        month_ticks = [(w, (start + timedelta(weeks=w)).strftime("%b")) for w in range(weeks)
                       if (start + timedelta(weeks=w)).day <= 7]
        cal.set_xticks([w for w, _ in month_ticks], [m for _, m in month_ticks])
    column = (today - start).days // 7
    cal.add_patch(Rectangle((column - 0.5, today.weekday() - 0.5), 1, 1, fill=False,
                            edgecolor="#d95f02", lw=2.5, zorder=5))
    cal.grid(which="major", visible=False)
    span = "since you started" if weeks < WEEKS else f"over the last {WEEKS} weeks"
    cal.set_title(f"Reviews per day {span}", fontsize=14)


def _answers(ax: Axes, ratings: tuple[int, ...]) -> None:
    total = sum(ratings)
    names = [name for name, _ in RATINGS]
    bars = ax.bar(names, ratings, color=[colour for _, colour in RATINGS])
    ax.bar_label(bars, [str(n) for n in ratings], padding=2, fontsize=12)
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max(1, max(ratings, default=0)) * 1.25)
    ax.set_title(f"Today: {total} answer{'' if total == 1 else 's'}", fontsize=14)
    if not total:
        ax.text(1.5, 0.55, "nothing yet today:\n/study to start", ha="center", va="center",
                fontsize=12, color="#555555")


def _forecast(ax: Axes, forecast: tuple[int, ...]) -> None:
    days = np.arange(len(forecast))
    ax.bar(days, forecast, color="#2b7bba")
    ax.set_xlabel("days from today")
    ax.set_ylabel("cards due")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Due forecast (30 days)", fontsize=14)
    ax.set_xlim(-0.7, max(len(forecast), 1) - 0.3)


def _summary(ax: Axes, streak: int, retention: float | None) -> None:
    ax.axis("off")
    ax.text(0.5, 0.72, str(streak),
            ha="center", va="center", fontsize=44, fontweight="bold", color="#d95f02")
    ax.text(0.5, 0.52, "day streak", ha="center", va="center", fontsize=15)
    if retention is None:
        # True retention counts reviews of cards already learnt: none on the first days.
        ax.text(0.5, 0.2, "true retention shows\nonce learnt cards\ncome back for review",
                ha="center", va="center", fontsize=12, color="#1b9e77")
        return
    ax.text(0.5, 0.26, f"{retention:.0%}", ha="center", va="center", fontsize=34,
            fontweight="bold", color="#1b9e77")
    ax.text(0.5, 0.08, "true retention (30 days)", ha="center", va="center", fontsize=13)
