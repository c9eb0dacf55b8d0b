"""Learner preferences: parsing and validating what a learner types, then storing it.

Every value is checked here so that the reply to a wrong one can say what would work.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot import timezones
from bot.store import learners
from bot.store import preferences as store
from bot.store.models import Learner
from bot.store.session import Session

RETENTION_RANGE = (0.70, 0.97)
NEW_PER_DAY_RANGE = (0, 100)
_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
# Big cities whose names are not the name of their IANA zone.
_CITY_ALIASES = {
    "munich": "Europe/Berlin", "frankfurt": "Europe/Berlin", "hamburg": "Europe/Berlin",
    "cologne": "Europe/Berlin", "barcelona": "Europe/Madrid", "milan": "Europe/Rome",
    "geneva": "Europe/Zurich", "st petersburg": "Europe/Moscow", "manchester": "Europe/London",
    "edinburgh": "Europe/London", "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles", "washington": "America/New_York",
    "boston": "America/New_York", "miami": "America/New_York", "atlanta": "America/New_York",
    "houston": "America/Chicago", "dallas": "America/Chicago", "montreal": "America/Toronto",
    "rio de janeiro": "America/Sao_Paulo", "rio": "America/Sao_Paulo",
    "delhi": "Asia/Kolkata", "new delhi": "Asia/Kolkata", "mumbai": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata", "beijing": "Asia/Shanghai", "hong kong": "Asia/Hong_Kong",
    "kyiv": "Europe/Kyiv", "kiev": "Europe/Kyiv", "osaka": "Asia/Tokyo",
    "melbourne": "Australia/Melbourne", "sydney": "Australia/Sydney",
}


class InvalidPreference(ValueError):
    """A value the learner typed that we cannot use; the message says what would work."""


@lru_cache(maxsize=1)
def _zones_by_city() -> dict[str, str]:
    zones: dict[str, str] = {}
    for zone in sorted(available_timezones()):
        if "/" in zone and not zone.startswith(("Etc/", "SystemV/")):
            city = zone.rsplit("/", 1)[1].replace("_", " ").lower()
            zones.setdefault(city, zone)
    return zones


def parse_timezone(text: str) -> str:
    """An IANA name ("Europe/Berlin"), a city ("berlin", "São Paulo"), an offset ("UTC+2",
    "UTC+5:30") or a common abbreviation ("CET", "PST"); returns the zone to store."""
    value = " ".join(text.strip().split())[:64]
    if not value:
        raise InvalidPreference("Send a time zone like Europe/Berlin, a city, or UTC+2.")
    if "/" in value or value.upper() == "UTC":
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass  # OSError: a tzdata folder such as "America/Argentina" is not a zone
        else:
            return "UTC" if value.upper() == "UTC" else value
        lowered = {z.lower(): z for z in available_timezones()}
        if value.lower() in lowered:
            return lowered[value.lower()]
    try:
        offset = timezones.parse_offset(value)
    except timezones.BadOffset as exc:
        raise InvalidPreference(str(exc)) from None
    if offset is not None:
        return offset
    if value.lower() in timezones.ABBREVIATIONS:
        return timezones.ABBREVIATIONS[value.lower()]
    city = value.lower().replace("_", " ")
    city = city.translate(str.maketrans("ãáàâäéèêëíìîïóòôöõúùûüçñ", "aaaaaeeeeiiiiooooouuuucn"))
    if city in _CITY_ALIASES:
        return _CITY_ALIASES[city]
    if city in _zones_by_city():
        return _zones_by_city()[city]
    raise InvalidPreference(
        f"I don't know the time zone “{value[:40]}”. Try an IANA name like Europe/Berlin, "
        "a big city like Tokyo, an offset like UTC+2 or UTC+5:30, an abbreviation like CET, "
        "or share your location."
    )


def parse_push_time(text: str) -> str:
    match = _TIME.match(text.strip())
    if not match:
        raise InvalidPreference("Send a time like 07:30, 18:00 or 7pm.")
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        if not 1 <= hour <= 12:
            raise InvalidPreference("With am/pm the hour must be 1-12, e.g. 7pm.")
        hour = hour % 12 + (12 if match[3].lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        raise InvalidPreference("That is not a time of day. Send e.g. 07:30 or 18:00.")
    return f"{hour:02d}:{minute:02d}"


def parse_new_per_day(text: str) -> int:
    low, high = NEW_PER_DAY_RANGE
    try:
        value = int(text.strip())
    except ValueError:
        raise InvalidPreference(f"Send a whole number from {low} to {high}.") from None
    if not low <= value <= high:
        raise InvalidPreference(f"New cards per day must be {low}-{high}.")
    return value


def parse_retention(text: str) -> float:
    low, high = RETENTION_RANGE
    raw = text.strip().rstrip("%")
    try:
        value = float(raw)
    except ValueError:
        raise InvalidPreference("Send a retention like 0.9 or 90%.") from None
    if value > 1:
        value /= 100
    if not low <= value <= high or value != value:
        raise InvalidPreference(f"Desired retention must be between {low:.0%} and {high:.0%}.")
    return round(value, 3)


@dataclass(frozen=True, slots=True)
class Preferences:
    timezone: str
    push_time: str
    new_per_day: int
    desired_retention: float
    reminders_paused: bool
    # For the "Personalise schedule" line: own FSRS parameters in use, and reviews so far.
    personal_schedule: bool = False
    reviews: int = 0


def _view(session: Session, learner: Learner) -> Preferences:
    assert learner.id is not None
    reviews = store.review_count(session, learner_id=learner.id)
    return Preferences(learner.timezone, learner.push_time, learner.new_per_day,
                       learner.desired_retention, learner.reminders_paused,
                       learner.fsrs_parameters is not None, int(reviews))


def get_preferences(session: Session, *, telegram_id: int) -> Preferences | None:
    learner = learners.by_telegram_id(session, telegram_id=telegram_id)
    return _view(session, learner) if learner else None


def update_preferences(
    session: Session, *, telegram_id: int, timezone: str | None = None,
    push_time: str | None = None, new_per_day: int | None = None,
    desired_retention: float | None = None, reminders_paused: bool | None = None,
) -> Preferences | None:
    """Store already-validated values; None leaves a field as it is."""
    learner = learners.by_telegram_id(session, telegram_id=telegram_id)
    if learner is None:
        return None
    if timezone is not None:
        learner.timezone = timezone
    if push_time is not None:
        learner.push_time = push_time
    if new_per_day is not None:
        learner.new_per_day = new_per_day
    if desired_retention is not None:
        learner.desired_retention = desired_retention
    if reminders_paused is not None:
        learner.reminders_paused = reminders_paused
    return _view(session, learner)
