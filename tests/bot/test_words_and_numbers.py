"""What a learner reads: counts in good English, time zones as typed, demos that run as listed,
and an export in the learner's own time."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlmodel import Session, select

from bot.pushes.rules import push_moment
from bot.scheduling import day_start, local_day
from bot.store.models import Learner
from bot.wording import duration, plural
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator


def stored_zone(bot: RunningBot) -> str:
    with Session(bot.db.engine) as session:
        return session.exec(select(Learner.timezone)
                            .where(Learner.telegram_id == LEARNER)).one()


async def test_a_one_day_interval_reads_one_day(running_bot: RunningBot) -> None:
    """A card that graduates to a one-day interval says "about 1 day", not "about 1 days"."""
    await say(running_bot, "/settings retention 95%")
    await say(running_bot, "/settings new 1")
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    (again,) = await press(running_bot, graded, "Good")
    assert "about 10 min" in running_bot.emu.message(LEARNER, graded.message_id).body
    running_bot.clock.advance(minutes=10)
    if "Type your answer" not in again.body:
        (again,) = await say(running_bot, "/study")
    (graded,) = await say(running_bot, "still no idea")
    await press(running_bot, graded, "Good")
    note = running_bot.emu.message(LEARNER, graded.message_id).body
    assert "You'll see this card again in about 1 day." in note, note


def test_counts_and_spans_agree_in_number() -> None:
    """One of a thing is singular, any other count plural; long spans read in months, years."""
    assert [plural(n, "day") for n in (0, 1, 2)] == ["0 days", "1 day", "2 days"]
    assert plural(1, "mini-batch") == "1 mini-batch" and plural(3, "batch") == "3 batches"
    assert [duration(timedelta(**kw)) for kw in (
        {"seconds": 5}, {"minutes": 6}, {"minutes": 61}, {"hours": 5}, {"hours": 25},
        {"days": 3}, {"days": 45}, {"days": 365}, {"days": 550})] == [
        "1 min", "6 min", "1 hour", "5 hours", "1 day", "3 days", "1 month", "1 year",
        "1.5 years"]


@pytest.mark.parametrize(("typed", "stored", "shown"), [
    ("UTC+2", "UTC+02:00", "UTC+02:00 (your time now: 11:00, UTC+02:00)"),
    ("UTC+5:30", "UTC+05:30", "UTC+05:30 (your time now: 14:30, UTC+05:30)"),
    ("gmt-3", "UTC-03:00", "UTC-03:00 (your time now: 06:00, UTC-03:00)"),
    ("+0545", "UTC+05:45", "UTC+05:45 (your time now: 14:45, UTC+05:45)"),
    ("CET", "CET", "CET (your time now: 10:00, UTC+01:00)"),
    ("PST", "America/Los_Angeles", "America/Los_Angeles (your time now: 01:00, UTC-08:00)"),
])
async def test_time_zone_offsets_and_abbreviations(
    running_bot: RunningBot, typed: str, stored: str, shown: str
) -> None:
    """Offsets (half and quarter hours too) and abbreviations are accepted, and the settings
    show the zone as typed, with the learner's clock to check it by."""
    running_bot.clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    (reply,) = await say(running_bot, f"/settings tz {typed}")
    assert "Saved" in reply.body, reply.body
    assert f"Time zone: {shown}" in reply.body, reply.body
    assert stored_zone(running_bot) == stored
    assert "Etc/GMT" not in reply.body


async def test_impossible_offsets_are_refused_with_the_range(running_bot: RunningBot) -> None:
    """UTC+15 or UTC+5:20 are no zone on Earth: the reply says what offsets exist."""
    for typed in ("UTC+15", "UTC+5:20", "UTC+5:75"):
        (reply,) = await say(running_bot, f"/settings tz {typed}")
        assert "Saved" not in reply.body
        assert "UTC+5:30" in reply.body, reply.body
    assert stored_zone(running_bot) == "UTC"


async def test_an_older_etc_zone_is_shown_as_an_offset(running_bot: RunningBot) -> None:
    """A learner stored as Etc/GMT-2 (inverted POSIX sign) sees UTC+02:00."""
    await say(running_bot, "/start")
    with Session(running_bot.db.engine) as session:
        learner = session.exec(select(Learner).where(Learner.telegram_id == LEARNER)).one()
        learner.timezone = "Etc/GMT-2"
        session.add(learner)
        session.commit()
    (reply,) = await say(running_bot, "/settings")
    assert "Time zone: UTC+02:00" in reply.body, reply.body


def test_fixed_offsets_drive_study_days_and_pushes() -> None:
    """A UTC+05:30 learner's day turns over at 04:00 their time; an 18:00 push is 12:30 UTC."""
    assert push_moment(date(2026, 3, 2), time(18, 0), "UTC+05:30") == datetime(
        2026, 3, 2, 12, 30, tzinfo=UTC)
    assert day_start(date(2026, 3, 2), "UTC+05:30") == datetime(2026, 3, 1, 22, 30, tzinfo=UTC)
    assert local_day(datetime(2026, 3, 1, 22, 29, tzinfo=UTC), "UTC+05:30") == date(2026, 3, 1)


async def test_export_gives_local_time_and_zone(running_bot: RunningBot) -> None:
    """After /settings tz, /export keeps UTC timestamps and adds the learner's own time."""
    running_bot.clock.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    await say(running_bot, "/settings tz Asia/Kolkata")
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    await press(running_bot, graded, "Again")
    (sent,) = await say(running_bot, "/export")
    assert sent.document is not None and sent.document_bytes is not None
    assert sent.caption == "Your review history: 1 review (CSV)."
    (row,) = list(csv.DictReader(io.StringIO(sent.document_bytes.decode())))
    assert row["reviewed_at"] == "2026-03-02T09:00:00+00:00"
    assert (row["reviewed_at_local"], row["time_zone"]) == ("2026-03-02 14:30:00", "Asia/Kolkata")


@pytest.fixture
async def demo_bot(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    bot = await start_bot(emulator, make_settings(emulator, sqlite_url, demo_workers=1,
                                                  demo_device="cpu"), clock)
    try:
        yield bot
    finally:
        await bot.stop()


async def test_unknown_demo_lists_only_demos_that_run(demo_bot: RunningBot) -> None:
    """/demo nonsense names the lessons /demo runs, not the /stats chart or the schedule fit;
    each usage names the command that exists."""
    (reply,) = await say(demo_bot, "/demo nonsense")
    assert "Available demos: lrfind, augment, softmax, cross-entropy, minibatch, one-cycle, " \
           "fine-tune." in reply.body, reply.body
    (usage,) = await say(demo_bot, "/demo softmax x")
    assert "Usage: /demo softmax [T1 T2 ...]" in usage.body, usage.body
    assert "e.g. /demo softmax 0.5 1 3" in usage.body
    for name in ("one-cycle nan", "fine-tune 99", "minibatch 3", "cross-entropy 1"):
        (usage,) = await say(demo_bot, f"/demo {name}")
        assert f"Usage: /demo {name.split()[0]}" in usage.body, usage.body


async def test_a_learner_at_utc_plus_5_30_is_pushed_at_their_own_18_00(
    running_bot: RunningBot,
) -> None:
    """Set by typing `UTC+5:30` and `18:00`, the daily push goes out at 12:30 UTC, once."""
    from bot.jobs.pushes import run_due_pushes

    running_bot.clock.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    await say(running_bot, "/settings tz UTC+5:30")
    await say(running_bot, "/settings time 18:00")

    def pushed() -> int:
        return sum("Time to study" in m.body for m in running_bot.emu.bot_messages(LEARNER))

    for when, expected in ((datetime(2026, 3, 2, 12, 29, tzinfo=UTC), 0),
                           (datetime(2026, 3, 2, 12, 30, tzinfo=UTC), 1),
                           (datetime(2026, 3, 2, 18, 0, tzinfo=UTC), 1)):
        running_bot.clock.now = when
        await run_due_pushes(running_bot.app)
        assert pushed() == expected, when
