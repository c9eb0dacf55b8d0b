"""Abuse limits: the flood throttle's notice and the demo quota."""

from __future__ import annotations

from datetime import datetime

from bot.telegram.render.common import Reply
from bot.timezones import zone


def _ceil(value: float) -> int:
    return -int(-value // 1)


def _wait_phrase(seconds: float) -> str:
    """A short human wait, rounded up: "40 s", "12 min", "2 h"."""
    if seconds < 90:
        return f"{max(1, _ceil(seconds))} s"
    if seconds < 90 * 60:
        return f"{_ceil(seconds / 60)} min"
    return f"{_ceil(seconds / 3600)} h"


def _per_window(seconds: float) -> str:
    return {3600.0: "hour", 86400.0: "day"}.get(seconds, _wait_phrase(seconds))


def flood_notice(retry_in_s: int) -> Reply:
    return Reply("🐢 Slow down a little, please: that's a lot of messages at once. "
                 f"I'll listen again in {_wait_phrase(retry_in_s)}.")


def flood_toast(retry_in_s: int) -> str:
    """The answer to a button pressed while flooding (a toast: at most 200 characters)."""
    return f"Slow down a little: I'll listen again in {_wait_phrase(retry_in_s)}."


def demo_quota_reached(limit: int, window_s: float, next_at: datetime, now: datetime,
                       tz: str) -> Reply:
    local = next_at.astimezone(zone(tz)).strftime("%H:%M")
    return Reply(
        f"⏳ You've reached the demo limit: {limit} per {_per_window(window_s)}. Demos run "
        f"real models, so I share them out. Your next demo is available in "
        f"{_wait_phrase((next_at - now).total_seconds())} (at {local}). Studying works as usual."
    )
