"""The /stats picture: a review calendar, the due forecast, streak and true retention."""

from __future__ import annotations

from datetime import date, timedelta

import matplotlib
import numpy as np
from matplotlib.ticker import MaxNLocator

from bot.demos.args import StatsArgs
from bot.worker.plotting import figure_png, new_figure

WEEKS = 26


def stats_chart(args: StatsArgs) -> tuple[bytes, dict[str, object]]:
    today = date.fromisoformat(args.today)
    counts = dict(args.per_day)
    # Calendar heatmap: columns are weeks (Monday first), rows are weekdays, today's week last.
    start = today - timedelta(days=today.weekday() + 7 * (WEEKS - 1))
    grid = np.full((7, WEEKS), np.nan)
    for offset in range((today - start).days + 1):
        day = start + timedelta(days=offset)
        grid[day.weekday(), offset // 7] = counts.get(day.isoformat(), 0)
    fig = new_figure(height_in=7.2)
    gs = fig.add_gridspec(2, 2, height_ratios=[1.0, 1.15], width_ratios=[1.6, 1.0])
    cal = fig.add_subplot(gs[0, :])
    cmap = matplotlib.colormaps["Greens"].copy()
    cmap.set_bad("white")
    peak = max(1, int(np.nanmax(grid)) if np.isfinite(grid).any() else 1)
    image = cal.imshow(grid, cmap=cmap, vmin=0, vmax=peak, aspect="auto")
    cal.set_yticks([0, 2, 4, 6], ["Mon", "Wed", "Fri", "Sun"])
    month_ticks = [(w, (start + timedelta(weeks=w)).strftime("%b")) for w in range(WEEKS)
                   if (start + timedelta(weeks=w)).day <= 7]
    cal.set_xticks([w for w, _ in month_ticks], [m for _, m in month_ticks])
    cal.grid(False)
    cal.set_title(f"Reviews per day (last {WEEKS} weeks)")
    fig.colorbar(image, ax=cal, fraction=0.03, pad=0.01, label="reviews")

    forecast = fig.add_subplot(gs[1, 0])
    days = np.arange(len(args.forecast))
    forecast.bar(days, args.forecast, color="#2b7bba")
    forecast.set_xlabel("days from today")
    forecast.set_ylabel("cards due")
    forecast.yaxis.set_major_locator(MaxNLocator(integer=True))
    forecast.set_title("Due forecast (30 days)")
    forecast.set_xlim(-0.7, max(len(args.forecast), 1) - 0.3)

    summary = fig.add_subplot(gs[1, 1])
    summary.axis("off")
    retention = "—" if args.retention is None else f"{args.retention:.0%}"
    summary.text(0.5, 0.72, str(args.streak),
                 ha="center", va="center", fontsize=44, fontweight="bold", color="#d95f02")
    summary.text(0.5, 0.52, "day streak", ha="center", va="center", fontsize=15)
    summary.text(0.5, 0.26, retention, ha="center", va="center", fontsize=34,
                 fontweight="bold", color="#1b9e77")
    summary.text(0.5, 0.08, "true retention (30 days)", ha="center", va="center", fontsize=13)
    meta: dict[str, object] = {"weeks": WEEKS, "total": int(sum(counts.values()))}
    return figure_png(fig), meta
