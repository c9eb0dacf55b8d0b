"""Learner time zones: what a learner may type, how it is stored, and how it is shown.

A learner's zone is stored as text: an IANA name ("Europe/Berlin", "CET") or a fixed offset
written "UTC+05:30". IANA zones only cover whole-hour offsets without a place ("Etc/GMT-2", whose
sign is inverted by POSIX convention), so fixed offsets get their own spelling, and every reader
of a stored zone goes through `zone()`.
"""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)

# "UTC+2", "GMT-3", "+05:30", "UTC+0545", "UTC+5.5"; minus may be typed as U+2212.
_TYPED_OFFSET = re.compile(
    r"^(?:utc|gmt)?([+-])(\d{1,2})(?:(?::|h)?(\d{2})|\.(\d{1,2}))?$", re.IGNORECASE)
_STORED_OFFSET = re.compile(r"^UTC([+-])(\d{2}):(\d{2})$")
_ETC_OFFSET = re.compile(r"^Etc/GMT([+-])(\d{1,2})$")
# Real offsets run from UTC-12:00 to UTC+14:00, in quarter hours (Nepal is UTC+05:45).
_MOST_WEST, _MOST_EAST = timedelta(hours=-12), timedelta(hours=14)

# What learners type for their zone besides IANA names. Each maps to the zone that keeps its
# daylight-saving rules: someone typing "PST" in July means Pacific time, not UTC-8.
ABBREVIATIONS: dict[str, str] = {
    "gmt": "UTC", "z": "UTC", "utc": "UTC",
    "wet": "WET", "west": "WET", "bst": "Europe/London",
    "cet": "CET", "cest": "CET", "mez": "CET", "mesz": "CET",
    "eet": "EET", "eest": "EET", "msk": "Europe/Moscow",
    "ist": "Asia/Kolkata", "pkt": "Asia/Karachi", "wib": "Asia/Jakarta",
    "sgt": "Asia/Singapore", "hkt": "Asia/Hong_Kong", "pht": "Asia/Manila",
    "jst": "Asia/Tokyo", "kst": "Asia/Seoul",
    "awst": "Australia/Perth", "acst": "Australia/Adelaide", "acdt": "Australia/Adelaide",
    "aest": "Australia/Sydney", "aedt": "Australia/Sydney",
    "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
    "sast": "Africa/Johannesburg", "cat": "Africa/Maputo", "eat": "Africa/Nairobi",
    "wat": "Africa/Lagos",
    "brt": "America/Sao_Paulo", "art": "America/Argentina/Buenos_Aires",
    "nst": "America/St_Johns", "ndt": "America/St_Johns",
    "ast": "America/Halifax", "adt": "America/Halifax",
    "est": "America/New_York", "edt": "America/New_York", "et": "America/New_York",
    "cst": "America/Chicago", "cdt": "America/Chicago", "ct": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "mt": "America/Denver",
    "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles", "pt": "America/Los_Angeles",
    "akst": "America/Anchorage", "akdt": "America/Anchorage", "hst": "Pacific/Honolulu",
}


class BadOffset(ValueError):
    """An offset that looks like one but cannot be a real zone's; the message says why."""


def format_offset(offset: timedelta) -> str:
    """ "UTC+05:30", "UTC-03:00"; zero is plain "UTC"."""
    if not offset:
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_offset(text: str) -> str | None:
    """The stored spelling of a typed UTC offset, or None when `text` is not an offset.

    Raises BadOffset for an offset no place on Earth uses (UTC+15, UTC+5:20)."""
    compact = "".join(text.split()).replace("\u2212", "-")
    match = _TYPED_OFFSET.match(compact)
    if match is None:
        return None
    sign, hours, minutes, fraction = match.groups()
    if fraction is not None:
        minutes_total = round(float(f"0.{fraction}") * 60)
    else:
        minutes_total = int(minutes or 0)
    if minutes_total >= 60:
        raise BadOffset(f"“{text.strip()[:20]}” has {minutes_total} minutes; "
                        "write it like UTC+5:30.")
    offset = timedelta(hours=int(hours), minutes=minutes_total)
    offset = -offset if sign == "-" else offset
    if not _MOST_WEST <= offset <= _MOST_EAST or minutes_total % 15:
        raise BadOffset(f"No time zone is at {format_offset(offset)}: offsets run from "
                        "UTC-12:00 to UTC+14:00 in quarter hours, e.g. UTC+5:30 or UTC-3.")
    return format_offset(offset)


@lru_cache(maxsize=1024)
def zone(name: str) -> tzinfo:
    """The tzinfo of a stored zone; an unknown name falls back to UTC rather than failing."""
    if match := _STORED_OFFSET.match(name):
        sign, hours, minutes = match.groups()
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-offset if sign == "-" else offset, name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        log.warning("unknown time zone %r; using UTC", name)
        return UTC


def is_known(name: str) -> bool:
    """Whether `name` is something `zone()` resolves without falling back."""
    if _STORED_OFFSET.match(name):
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def label(name: str) -> str:
    """How a stored zone is shown: Etc/GMT-2 (inverted sign) reads as UTC+02:00."""
    if match := _ETC_OFFSET.match(name):
        sign, hours = match.groups()
        offset = timedelta(hours=int(hours))
        return format_offset(offset if sign == "-" else -offset)
    return name


def local_clock(name: str, now: datetime) -> str:
    """ "14:05, UTC+02:00": the learner's wall clock and offset now, to check a choice by."""
    local = now.astimezone(zone(name))
    return f"{local:%H:%M}, {format_offset(local.utcoffset() or timedelta(0))}"
