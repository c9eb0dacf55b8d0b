"""The daily push's rules: who is due a push when, what kind, when a snooze ends. Pure: `now`
is always passed in.

A learner's push belongs to a *local calendar date* in their time zone: an 18:00 push on
2026-03-29 in Europe/Berlin is that date's push, whatever the UTC date is. The pair
(learner, local date) is the idempotency key the store enforces (see bot.pushes.claims).

The push moment of a date is the first instant at which the learner's wall clock shows the
push time or later. That is the usual instant on most days; on a spring-forward day a push
time inside the gap (02:30 in Berlin on the last Sunday of March) resolves to the first
instant after the gap (03:00 CEST), and on a fall-back day a repeated wall time resolves to
its first occurrence. Comparing "HH:MM" strings against the zone's wall clock gives the same
answer, which is what lets the database prefilter by zone without per-learner arithmetic.

Time zones are handled once per distinct zone per tick (`zone_windows`), so 100,000 learners
in 300 zones cost 300 zone conversions, not 100,000.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache

from bot.timezones import zone

log = logging.getLogger("tutorbot.reminders")

# A push is never "late" within this grace, even with push_catchup_hours=0: the scheduler
# only looks every tick, and one slow tick must not turn every push into a skip.
MIN_GRACE = timedelta(minutes=5)
# Catch-up never reaches further back than the day before: an older push day is gone.
MAX_CATCHUP = timedelta(hours=24)


class Decision(StrEnum):
    SEND = "send"
    NOT_YET = "not_yet"
    TOO_LATE = "too_late"  # missed by more than the catch-up window (downtime)
    BEFORE_SIGNUP = "before_signup"  # the moment passed before the learner existed
    INVALID = "invalid"  # push_time is not "HH:MM": settled as skipped, never retried


@lru_cache(maxsize=4096)
def parse_push_time(text: str) -> time | None:
    """'HH:MM' (zero-padded, 24 h) or None: the store compares these as strings."""
    if len(text) != 5 or text[2] != ":" or not (text[:2] + text[3:]).isdigit():
        return None
    hour, minute = int(text[:2]), int(text[3:])
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def wall_clock(now: datetime, tz: str) -> tuple[date, str]:
    """The zone's local date and 'HH:MM' at `now`."""
    local = now.astimezone(zone(tz))
    return local.date(), f"{local.hour:02d}:{local.minute:02d}"


def push_moment(day: date, at: time, tz: str) -> datetime:
    """The UTC instant of the push for local `day`: the first instant the wall clock shows
    `at` or later on that day (DST gaps move forward, repeated times take the first)."""
    zi = zone(tz)
    wall = datetime.combine(day, at)
    first = wall.replace(tzinfo=zi, fold=0).astimezone(UTC)
    if first.astimezone(zi).replace(tzinfo=None) == wall:
        return first
    # `wall` falls in a gap. fold=1 reads it with the offset after the change, which lands
    # before the gap, and fold=0 after it; the gap's end lies between. Transitions are on
    # whole minutes, so a binary search over seconds is exact and takes ~12 steps.
    lo = wall.replace(tzinfo=zi, fold=1).astimezone(UTC)
    hi = first
    if lo > hi:
        lo, hi = hi, lo
    while (hi - lo) > timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        if mid.astimezone(zi).replace(tzinfo=None) >= wall:
            hi = mid
        else:
            lo = mid
    return hi.replace(microsecond=0)


def catchup_window(catchup_hours: float) -> timedelta:
    return min(max(timedelta(hours=catchup_hours), MIN_GRACE), MAX_CATCHUP)


def decide(
    *, day: date, push_time: str, tz: str, created_at: datetime, now: datetime,
    catchup: timedelta,
) -> Decision:
    """Whether the push for local `day` should go out at `now`."""
    at = parse_push_time(push_time)
    if at is None:
        return Decision.INVALID
    moment = push_moment(day, at, tz)
    if moment > now:
        return Decision.NOT_YET
    if created_at > moment:
        return Decision.BEFORE_SIGNUP
    if now - moment > catchup:
        return Decision.TOO_LATE
    return Decision.SEND


@dataclass(frozen=True, slots=True)
class Window:
    """Learners in `zones` whose push_time lies in [after, upto] may be due for `local_date`.

    A coarse filter the store can apply with plain string comparisons; `decide` is exact.
    """

    local_date: date
    after: str  # inclusive lower bound, "00:00" for none
    upto: str  # inclusive upper bound
    zones: tuple[str, ...]


def zone_windows(
    zones: Iterable[str], now: datetime, catchup: timedelta, *, since: datetime | None = None,
) -> list[Window]:
    """Group zones by what their wall clock says now, so one query covers them all.

    A full scan (`since` None) takes every push time of today already passed (those too late
    are then recorded as skipped, once). Yesterday's window exists only while the catch-up
    reaches back past local midnight; its lower bound keeps an hour of slack for DST and
    `decide` is exact.

    With `since`, only push times from `since` on are looked at: the ticks between full
    scans then read the few learners whose moment just came, not everyone pushed today.
    """
    grouped: dict[tuple[date, str, str], list[str]] = defaultdict(list)
    earliest = now - catchup - timedelta(hours=1)
    if since is not None:
        earliest = max(earliest, since)
    for tz in sorted(set(zones)):
        today, hhmm = wall_clock(now, tz)
        early_day, early_hhmm = wall_clock(earliest, tz)
        yesterday = today - timedelta(days=1)
        after = early_hhmm if since is not None and early_day == today else "00:00"
        grouped[(today, after, hhmm)].append(tz)
        if early_day == yesterday:
            grouped[(yesterday, early_hhmm, "23:59")].append(tz)
        elif early_day < yesterday:
            grouped[(yesterday, "00:00", "23:59")].append(tz)
    return [Window(d, lo, hi, tuple(zs)) for (d, lo, hi), zs in sorted(grouped.items())]


def generations(windows: Sequence[Window]) -> list[list[Window]]:
    """Split windows so no zone appears twice in a group (latest dates first): the store
    then gives each learner of a group their date with one CASE, one query per group."""
    groups: list[list[Window]] = []
    seen: list[set[str]] = []
    for window in sorted(windows, key=lambda w: w.local_date, reverse=True):
        for group, zones in zip(groups, seen, strict=True):
            if zones.isdisjoint(window.zones):
                group.append(window)
                zones.update(window.zones)
                break
        else:
            groups.append([window])
            seen.append(set(window.zones))
    return groups


def next_tick_delay(timestamp: float, interval_s: float) -> float:
    """Seconds from the Unix `timestamp` until the next multiple of `interval_s` (so ticks
    line up with minute boundaries), plus a margin so a tick never lands just before the
    minute it is meant to see."""
    return interval_s - timestamp % interval_s + 0.25


# -- the quiz push: who is busy, who ignores pushes, when a snooze ends ---------------------

# A learner whose open card was asked or answered within this long is in a session, and the
# push waits. Between two cards of one session a learner reads the reference answer, maybe
# runs a demo: a minute or two, rarely ten. Fifteen minutes of silence means the session is
# over, while a push held that long still lands well inside the evening it was meant for.
SESSION_IDLE = timedelta(minutes=15)
# Pushes sent on this many days with no study since turn into a weekly check-in.
IGNORED_FOR = timedelta(days=7)
EVENING = time(20, 0)
# "This evening" is offered until an hour before EVENING; later, 1 h and tomorrow remain.
EVENING_OFFER_UNTIL = time(19, 0)


class PushKind(StrEnum):
    QUIZ = "quiz"  # the first due card's question, answered by typing
    CHECKIN = "checkin"  # "still want daily questions?" after a week of ignored pushes
    QUIET = "quiet"  # between two weekly check-ins: nothing is sent


class Snooze(StrEnum):
    HOUR = "h1"
    EVENING = "eve"
    TOMORROW = "tmr"


def held_for_session(last_step: datetime | None, now: datetime) -> bool:
    """Whether a learner's open card was asked or answered too recently to interrupt them."""
    return last_step is not None and now - last_step < SESSION_IDLE


def push_kind(*, today: date, ignored_days: Iterable[date], checkin_days: Iterable[date]
              ) -> PushKind:
    """What today's push is, from the pushes (and check-ins) sent since the learner last
    studied: a week of ignored pushes gets one check-in, then one a week, never a stream.

    "Ignored" means no review was recorded after the push: the learner neither answered its
    question nor studied in any other way.
    """
    oldest = min(ignored_days, default=None)
    if oldest is None or today - oldest < IGNORED_FOR:
        return PushKind.QUIZ
    last_checkin = max(checkin_days, default=None)
    if last_checkin is None or today - last_checkin >= IGNORED_FOR:
        return PushKind.CHECKIN
    return PushKind.QUIET


def snooze_choices(now: datetime, tz: str) -> tuple[Snooze, ...]:
    """The "Later" choices that make sense now: no "this evening" once evening is near."""
    local = now.astimezone(zone(tz))
    if local.time() < EVENING_OFFER_UNTIL:
        return (Snooze.HOUR, Snooze.EVENING, Snooze.TOMORROW)
    return (Snooze.HOUR, Snooze.TOMORROW)


def snooze_until(choice: Snooze, now: datetime, tz: str, push_time: str) -> datetime:
    """When a snoozed push comes back: in an hour, at 20:00 local today, or at tomorrow's
    push time (the moment tomorrow's own push goes out)."""
    if choice is Snooze.HOUR:
        return now + timedelta(hours=1)
    today = now.astimezone(zone(tz)).date()
    if choice is Snooze.EVENING:
        return max(push_moment(today, EVENING, tz), now + timedelta(minutes=1))
    return push_moment(today + timedelta(days=1), parse_push_time(push_time) or EVENING, tz)
