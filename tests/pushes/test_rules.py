"""Push planning, pure: push moments across DST, the catch-up decision, zone grouping."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.pushes.rules import (
    Decision,
    catchup_window,
    decide,
    next_tick_delay,
    parse_push_time,
    push_moment,
    zone_windows,
)

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)
THREE_H = timedelta(hours=3)


def test_push_moment_on_an_ordinary_day() -> None:
    """18:00 in Berlin in winter is 17:00 UTC."""
    assert push_moment(date(2026, 3, 2), time(18, 0), "Europe/Berlin") == datetime(
        2026, 3, 2, 17, 0, tzinfo=UTC)


def test_push_moment_in_a_spring_forward_gap_moves_to_the_gap_end() -> None:
    """02:30 does not exist in Berlin on 2026-03-29; the push is due at 03:00 CEST."""
    assert push_moment(date(2026, 3, 29), time(2, 30), "Europe/Berlin") == datetime(
        2026, 3, 29, 1, 0, tzinfo=UTC)


def test_push_moment_on_a_fall_back_day_takes_the_first_occurrence() -> None:
    """02:30 happens twice in Berlin on 2026-10-25; the push belongs to the first (CEST)."""
    assert push_moment(date(2026, 10, 25), time(2, 30), "Europe/Berlin") == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC)


def test_push_moment_in_a_quarter_hour_zone() -> None:
    """Kathmandu is UTC+05:45."""
    assert push_moment(date(2026, 3, 2), time(14, 50), "Asia/Kathmandu") == datetime(
        2026, 3, 2, 9, 5, tzinfo=UTC)


@pytest.mark.parametrize(("text", "parsed"), [
    ("18:00", time(18, 0)), ("07:05", time(7, 5)), ("7:05", None), ("24:00", None),
    ("12:60", None), ("ab:cd", None), ("", None),
])
def test_parse_push_time_accepts_only_zero_padded_hh_mm(text: str, parsed: time | None) -> None:
    """Only zero-padded 24-hour "HH:MM" is valid: the store compares these as strings."""
    assert parse_push_time(text) == parsed


def _decide(now: datetime, *, push_time: str = "18:00", created_at: datetime = LONG_AGO,
            day: date = date(2026, 3, 2)) -> Decision:
    return decide(day=day, push_time=push_time, tz="UTC", created_at=created_at, now=now,
                  catchup=THREE_H)


def test_decide_waits_sends_and_gives_up_after_the_window() -> None:
    """Before the moment: wait; within the catch-up window: send; after it: too late."""
    at = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    assert _decide(at - timedelta(seconds=1)) is Decision.NOT_YET
    assert _decide(at) is Decision.SEND
    assert _decide(at + THREE_H) is Decision.SEND
    assert _decide(at + THREE_H + timedelta(seconds=1)) is Decision.TOO_LATE


def test_decide_skips_a_moment_before_the_learner_signed_up() -> None:
    """Someone who joins at 19:00 does not get today's 18:00 push."""
    at = datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    assert _decide(at + timedelta(hours=1), created_at=at + timedelta(minutes=59)) is (
        Decision.BEFORE_SIGNUP)


def test_decide_settles_an_invalid_push_time() -> None:
    """A malformed push time is settled (skipped) rather than looked at forever."""
    assert _decide(datetime(2026, 3, 2, 18, 0, tzinfo=UTC), push_time="6pm") is Decision.INVALID


def test_catchup_window_has_a_floor_and_a_ceiling() -> None:
    """Zero catch-up still tolerates a slow tick; catch-up never reaches back past a day."""
    assert catchup_window(0) == timedelta(minutes=5)
    assert catchup_window(3) == THREE_H
    assert catchup_window(100) == timedelta(hours=24)


def test_zone_windows_group_zones_showing_the_same_wall_time() -> None:
    """Zones whose clocks agree share one window; each zone appears once for today."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    windows = zone_windows(["Europe/Berlin", "Europe/Paris", "Asia/Kathmandu", "UTC"], now,
                           THREE_H)
    today = [w for w in windows if w.after == "00:00" and w.local_date == date(2026, 3, 2)]
    by_upto = {w.upto: set(w.zones) for w in today}
    assert by_upto == {"10:00": {"Europe/Berlin", "Europe/Paris"}, "14:45": {"Asia/Kathmandu"},
                       "09:00": {"UTC"}}


def test_zone_windows_reach_into_yesterday_only_within_the_catchup() -> None:
    """Just after local midnight, yesterday's late pushes are still looked at."""
    now = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    windows = zone_windows(["UTC"], now, THREE_H)
    assert [(w.local_date, w.after, w.upto) for w in windows] == [
        (date(2026, 3, 1), "20:30", "23:59"), (date(2026, 3, 2), "00:00", "00:30")]
    later = zone_windows(["UTC"], now + timedelta(hours=6), THREE_H)
    assert [w.local_date for w in later] == [date(2026, 3, 2)]


def test_next_tick_delay_aligns_to_the_interval() -> None:
    """Ticks land just after :00 and :30 of the wall clock."""
    assert next_tick_delay(1_000_000_040.0, 30.0) == pytest.approx(10.25)


def test_zone_windows_since_narrow_today_to_push_times_from_then() -> None:
    """With `since`, today's window starts at that wall time; yesterday's only if `since`
    was before local midnight."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    since = datetime(2026, 3, 2, 8, 58, tzinfo=UTC)
    windows = zone_windows(["Europe/Berlin", "UTC"], now, THREE_H, since=since)
    assert {(w.local_date, w.after, w.upto, w.zones) for w in windows} == {
        (date(2026, 3, 2), "09:58", "10:00", ("Europe/Berlin",)),
        (date(2026, 3, 2), "08:58", "09:00", ("UTC",)),
    }
    late = datetime(2026, 3, 3, 0, 1, tzinfo=UTC)
    windows = zone_windows(["UTC"], late, THREE_H, since=late - timedelta(minutes=3))
    assert {(w.local_date, w.after, w.upto) for w in windows} == {
        (date(2026, 3, 3), "00:00", "00:01"), (date(2026, 3, 2), "23:58", "23:59"),
    }
