"""Counts in words: "1 day", "2 days", "about 3 months"; shared by every text a person reads."""

from __future__ import annotations

from datetime import timedelta

# The irregular plurals our texts use; every other noun takes an "s".
_IRREGULAR = {"batch": "batches", "mini-batch": "mini-batches", "entry": "entries"}


def plural(count: int, noun: str) -> str:
    """ "1 card", "0 cards", "2 cards"."""
    word = noun if count == 1 else _IRREGULAR.get(noun, noun + "s")
    return f"{count} {word}"


def duration(span: timedelta) -> str:
    """A rough length of time for a schedule: "6 min", "1 hour", "3 days", "2 months",
    "1.5 years". Rounded, never below a minute."""
    minutes = span.total_seconds() / 60
    if minutes < 59.5:
        return f"{max(1, round(minutes))} min"
    hours = minutes / 60
    if hours < 23.5:
        return plural(round(hours), "hour")
    days = hours / 24
    if days < 30.5:
        return plural(round(days), "day")
    if days < 365:
        return plural(max(1, round(days / 30.44)), "month")
    years = round(days / 365.25, 1)
    if years == int(years):
        return plural(int(years), "year")
    return f"{years:g} years"
