"""Matplotlib set-up shared by every demo: headless, phone-legible, quick to encode."""

from __future__ import annotations

import io
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless and thread-free; must precede any pyplot import anywhere

from matplotlib.figure import Figure

# Sizes chosen for a ~900 px wide picture read on a phone.
DPI = 100
WIDTH_IN = 9.0

STYLE: dict[str, Any] = {
    "font.size": 14,
    "axes.titlesize": 16,
    "axes.titleweight": "bold",
    "axes.labelsize": 14,
    "legend.fontsize": 12,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "figure.facecolor": "white",
}
matplotlib.rcParams.update(STYLE)  # type: ignore[arg-type]  # keys are valid rc names


def new_figure(
    height_in: float = 5.4, width_in: float = WIDTH_IN, *, constrained: bool = True
) -> Figure:
    """A pyplot-free figure, so nothing accumulates in pyplot's global registry.

    Constrained layout measures every tick label before drawing, which costs ~0.15 s; the
    time-critical single-axes plots pass constrained=False and set fixed margins instead.
    """
    return Figure(
        figsize=(width_in, height_in), dpi=DPI, layout="constrained" if constrained else None
    )


def figure_png(fig: Figure) -> bytes:
    """Render to PNG bytes; low zlib effort because encode time matters more than size here."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, pil_kwargs={"compress_level": 1})
    return buf.getvalue()
