"""/settings and /export through the emulator, as a learner uses them."""

from __future__ import annotations

import csv
import io

from sqlmodel import Session, select

from bot.store.models import Learner
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot


def learner(bot: RunningBot) -> Learner:
    with Session(bot.db.engine) as session:
        return session.exec(select(Learner).where(Learner.telegram_id == LEARNER)).one()


async def test_settings_shows_values_and_buttons(running_bot: RunningBot) -> None:
    """/settings lists every value and offers a button for each."""
    (reply,) = await say(running_bot, "/settings")
    assert "Time zone: UTC" in reply.body
    assert "New cards per day: 10" in reply.body
    assert "Desired retention: 90%" in reply.body
    labels = [label for row in reply.buttons for label, _ in row]
    assert "🌍 Time zone" in labels and "⏸ Pause reminders" in labels


async def test_settings_by_arguments(running_bot: RunningBot) -> None:
    """Typed settings are validated, stored and confirmed."""
    (reply,) = await say(running_bot, "/settings tz São Paulo")
    assert "America/Sao_Paulo" in reply.body and "Saved" in reply.body
    await say(running_bot, "/settings time 7pm")
    await say(running_bot, "/settings new 15")
    await say(running_bot, "/settings retention 85%")
    stored = learner(running_bot)
    assert (stored.timezone, stored.push_time, stored.new_per_day) == (
        "America/Sao_Paulo", "19:00", 15)
    assert stored.desired_retention == 0.85


async def test_settings_junk_gets_helpful_reply(running_bot: RunningBot) -> None:
    """Wrong values are refused with what would work, and nothing changes."""
    for junk, hint in [("/settings tz Mars", "IANA"), ("/settings time 25:99", "time of day"),
                       ("/settings new -3", "0-100"), ("/settings retention 2", "between"),
                       ("/settings colour blue", "no setting"),
                       ("/settings new " + "9" * 5000, "0-100")]:
        (reply,) = await say(running_bot, junk[:4000])
        assert hint in reply.body, (junk, reply.body)
    stored = learner(running_bot)
    assert (stored.timezone, stored.new_per_day, stored.desired_retention) == ("UTC", 10, 0.9)


async def test_settings_buttons(running_bot: RunningBot) -> None:
    """Buttons open choices and store the picked value; pause toggles."""
    (menu,) = await say(running_bot, "/settings")
    (choices,) = await press(running_bot, menu, "New cards")
    (saved,) = await press(running_bot, choices, "20")
    assert "New cards per day: <b>20</b>" in saved.raw.get("text", "") or "20" in saved.body
    (paused,) = await press(running_bot, saved, "Pause")
    assert "Reminders: paused" in paused.body
    assert learner(running_bot).reminders_paused
    (resumed,) = await press(running_bot, paused, "Resume")
    assert "daily at 18:00" in resumed.body
    assert learner(running_bot).new_per_day == 20


async def test_location_sets_time_zone(running_bot: RunningBot) -> None:
    """Sharing a location sets the time zone, looked up offline."""
    running_bot.emu.user(LEARNER, first_name="Ada")
    await running_bot.emu.send_location(LEARNER, 52.52, 13.40)
    (reply,) = await running_bot.emu.wait_for_bot_message(LEARNER, timeout=15)
    assert "Europe/Berlin" in reply.body
    assert learner(running_bot).timezone == "Europe/Berlin"


async def test_export_sends_csv_of_own_reviews(running_bot: RunningBot) -> None:
    """/export sends the learner's reviews as a CSV document, nobody else's."""
    (empty,) = await say(running_bot, "/export")
    assert "no reviews" in empty.body
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    await press(running_bot, graded, "Again")
    (doc,) = await say(running_bot, "/export")
    assert doc.document is not None and doc.document_bytes is not None
    rows = list(csv.DictReader(io.StringIO(doc.document_bytes.decode())))
    assert len(rows) == 1
    assert rows[0]["rating"] == "again"
    assert rows[0]["question"] == "What is data augmentation?"


async def test_decks_toggle_changes_what_is_studied(running_bot: RunningBot) -> None:
    """/decks lists decks with progress; switching the only deck off says so in /study."""
    (listing,) = await say(running_bot, "/decks")
    assert "Neural Network Basics 2: 0/15" in listing.body
    await press(running_bot, listing, "Neural Network", count=0)
    await running_bot.emu.wait_until(
        lambda: "⬜️" in running_bot.emu.message(LEARNER, listing.message_id).body)
    (card,) = await say(running_bot, "/study")
    assert "All your decks are switched off" in card.body
    answers = len(running_bot.emu.callback_answers)
    await running_bot.emu.press(LEARNER, listing.message_id, "dk:999999", check=False)
    await running_bot.emu.wait_until(lambda: len(running_bot.emu.callback_answers) > answers)
    assert "expired" in (running_bot.emu.callback_answers[-1].text or "")


async def test_stats_summary_after_reviews(running_bot: RunningBot) -> None:
    """/stats reports today's reviews, the streak and what is due."""
    (empty,) = await say(running_bot, "/stats")
    assert "Streak: <b>0</b>" in empty.raw.get("text", "") or "Streak: 0" in empty.body
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    await press(running_bot, graded, "Again")
    running_bot.clock.advance(days=1)
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    await press(running_bot, graded, "Good")
    (stats,) = await say(running_bot, "/stats")
    assert "Streak: 2 days" in stats.body
    assert "Reviews today: 1" in stats.body
    assert "all time: 2" in stats.body
