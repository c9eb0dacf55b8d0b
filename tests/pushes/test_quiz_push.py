"""The daily push as a quiz, through the emulator with a fake clock, on SQLite and PostgreSQL:
answering it, ⏭ Skip, 💤 Later (each choice), ⏸ Pause, an open session held, the idle week."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select

from bot.jobs.pushes import FULL_SCAN_EVERY
from bot.pushes import claims as use_case
from bot.pushes.rules import SESSION_IDLE, catchup_window
from bot.store import pushes as push_store
from bot.store.models import StudyPrompt
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tests.pushes.test_pushes import add_learner, at, claims, learner, pushes_to, utc
from tgemu import BotApiEmulator
from tgemu._models import ShownMessage

QUESTION = "What is data augmentation?"  # the first new card of the shared decks


@pytest.fixture
async def bot(emulator: BotApiEmulator, database_url: str, clock: FakeClock
              ) -> AsyncIterator[RunningBot]:
    running = await start_bot(emulator, make_settings(emulator, database_url), clock)
    try:
        yield running
    finally:
        await running.stop()


def prompts(bot: RunningBot, telegram_id: int) -> list[StudyPrompt]:
    with Session(bot.db.engine) as session:
        learner_id = learner(bot, telegram_id).id
        return list(session.exec(select(StudyPrompt).where(StudyPrompt.learner_id == learner_id)
                                 .order_by(col(StudyPrompt.id))).all())


def last_push(bot: RunningBot, chat_id: int) -> ShownMessage:
    return [m for m in bot.emu.bot_messages(chat_id) if "Time to study" in m.body][-1]


async def press(bot: RunningBot, message: ShownMessage, label: str, chat_id: int = 1) -> None:
    bot.emu.mark(chat_id)
    await bot.emu.press_button(chat_id, message.message_id, label)


async def shows(bot: RunningBot, chat_id: int, message_id: int, text: str) -> ShownMessage:
    """Wait until the message (edited by the bot) shows `text`."""
    await bot.emu.wait_until(lambda: text in bot.emu.message(chat_id, message_id).body,
                             chat=chat_id, what=repr(text))
    return bot.emu.message(chat_id, message_id)


async def test_push_is_a_question_answered_by_typing(bot: RunningBot) -> None:
    """The push carries the first due card, its prompt is stored with the claim, and the typed
    answer is graded, rated, and followed by the next card."""
    add_learner(bot, 1, at="08:00")
    await at(bot, utc(2026, 3, 2, 8, 0))
    push = last_push(bot, 1)
    assert QUESTION in push.body and "Type your answer. 9 more cards are due today." in push.body
    assert [b[0] for b in push.buttons[0]] == ["⏭ Skip", "💤 Later", "⏸ Pause reminders"]
    (row,) = claims(bot)
    (prompt,) = prompts(bot, 1)
    assert (row.status, row.prompt_id, row.kind) == ("sent", prompt.id, "quiz")
    assert learner(bot, 1).current_prompt_id == prompt.id
    bot.emu.mark(1)
    await bot.emu.send_text(1, "artificially enlarging the training set by transforming data")
    (graded,) = await bot.emu.wait_for_bot_message(1)
    assert "Correct" in graded.body or "Partly" in graded.body
    await bot.emu.press_button(1, graded.message_id, graded.buttons[0][2][0])  # Good
    (following,) = await bot.emu.wait_for_bot_message(1)
    assert "New card" in following.body and QUESTION not in following.body
    assert [p.outcome for p in prompts(bot, 1)] == ["rated", None]


async def test_skip_moves_to_the_next_card_once(bot: RunningBot) -> None:
    """⏭ Skip closes the pushed card as /skip does and asks the next; a second press on the
    same push changes nothing."""
    add_learner(bot, 1, at="08:00")
    await at(bot, utc(2026, 3, 2, 8, 0))
    push = last_push(bot, 1)
    await press(bot, push, "⏭ Skip")
    (following,) = await bot.emu.wait_for_bot_message(1)
    assert "New card" in following.body and QUESTION not in following.body
    edited = await shows(bot, 1, push.message_id, "Skipped")
    assert edited.buttons == [] and QUESTION in edited.body
    assert [p.outcome for p in prompts(bot, 1)] == ["skipped", None]
    await bot.emu.press(1, push.message_id, push.buttons[0][0][1] or "", check=False)
    await bot.emu.wait_until(lambda: any("no longer open" in (a.text or "")
                                         for a in bot.emu.callback_answers), chat=1)
    assert len(prompts(bot, 1)) == 2


async def snooze(bot: RunningBot, label: str) -> ShownMessage:
    push = last_push(bot, 1)
    await press(bot, push, "💤 Later")
    await bot.emu.wait_until(lambda: bot.emu.message(1, push.message_id).buttons[0][0][0]
                             == "In 1 hour", chat=1, what="the snooze choices")
    await press(bot, push, label)
    return await shows(bot, 1, push.message_id, "Snoozed")


async def test_snooze_an_hour_brings_the_question_back_once(bot: RunningBot) -> None:
    """💤 Later → In 1 hour: nothing until then, then the same question once more."""
    add_learner(bot, 1, at="08:00")
    await at(bot, utc(2026, 3, 2, 8, 0))
    bot.clock.now = utc(2026, 3, 2, 8, 2)
    note = await snooze(bot, "In 1 hour")
    assert "Mon 09:02" in note.body and note.buttons == []
    assert [c.status for c in claims(bot)] == ["snoozed"]
    await at(bot, utc(2026, 3, 2, 9, 1))
    assert len(pushes_to(bot.emu, 1)) == 1
    await at(bot, utc(2026, 3, 2, 9, 2))
    await at(bot, utc(2026, 3, 2, 9, 30))
    assert len(pushes_to(bot.emu, 1)) == 2
    assert QUESTION in last_push(bot, 1).body
    (row,) = claims(bot)
    assert row.status == "sent" and row.prompt_id == prompts(bot, 1)[-1].id
    assert [p.outcome for p in prompts(bot, 1)] == ["snoozed", None]


async def test_snooze_this_evening_comes_back_at_20_local(bot: RunningBot) -> None:
    """💤 Later → This evening: the question returns at 20:00 in the learner's zone."""
    add_learner(bot, 1, tz="Europe/Berlin", at="08:00")  # 07:00 UTC in March
    await at(bot, utc(2026, 3, 2, 7, 0))
    await snooze(bot, "This evening")
    await at(bot, utc(2026, 3, 2, 18, 59))  # 19:59 Berlin
    assert len(pushes_to(bot.emu, 1)) == 1
    await at(bot, utc(2026, 3, 2, 19, 0))  # 20:00 Berlin
    assert len(pushes_to(bot.emu, 1)) == 2


async def test_snooze_tomorrow_waits_for_tomorrows_push(bot: RunningBot) -> None:
    """💤 Later → Tomorrow: nothing more today; tomorrow's push at the usual time."""
    add_learner(bot, 1, at="08:00")
    await at(bot, utc(2026, 3, 2, 8, 0))
    note = await snooze(bot, "Tomorrow")
    assert "Tue 08:00" in note.body
    await at(bot, utc(2026, 3, 2, 20, 0))
    await at(bot, utc(2026, 3, 3, 7, 59))
    assert len(pushes_to(bot.emu, 1)) == 1
    await at(bot, utc(2026, 3, 3, 8, 0))
    assert len(pushes_to(bot.emu, 1)) == 2 and QUESTION in last_push(bot, 1).body


async def test_late_push_offers_no_evening(bot: RunningBot) -> None:
    """After 19:00 local "This evening" is not offered: 1 hour or tomorrow."""
    add_learner(bot, 1, at="19:30")
    await at(bot, utc(2026, 3, 2, 19, 30))
    push = last_push(bot, 1)
    await press(bot, push, "💤 Later")
    await bot.emu.wait_until(lambda: bot.emu.message(1, push.message_id).buttons[0][0][0]
                             == "In 1 hour", chat=1)
    assert [b[0] for b in bot.emu.message(1, push.message_id).buttons[0]] == [
        "In 1 hour", "Tomorrow"]


async def test_pause_stops_the_pushes(bot: RunningBot) -> None:
    """⏸ Pause reminders pauses them (as /settings pause); the question stays answerable."""
    add_learner(bot, 1, at="08:00")
    await at(bot, utc(2026, 3, 2, 8, 0))
    push = last_push(bot, 1)
    await press(bot, push, "⏸ Pause reminders")
    await shows(bot, 1, push.message_id, "Reminders paused")
    assert learner(bot, 1).reminders_paused is True
    await at(bot, utc(2026, 3, 3, 8, 0))
    assert len(pushes_to(bot.emu, 1)) == 1
    bot.emu.mark(1)
    await bot.emu.send_text(1, "more data")
    (graded,) = await bot.emu.wait_for_bot_message(1)
    assert graded.buttons and "Again" in graded.buttons[0][0][0]


async def test_open_session_is_not_interrupted(bot: RunningBot) -> None:
    """A learner studying at push time gets no push until their card has been idle for
    SESSION_IDLE; the push then asks their open card, without a second prompt."""
    add_learner(bot, 1, at="08:00")
    bot.clock.now = utc(2026, 3, 2, 7, 55)
    bot.emu.mark(1)
    await bot.emu.send_text(1, "/study")
    await bot.emu.wait_for_bot_message(1)
    await at(bot, utc(2026, 3, 2, 8, 0))
    bot.clock.now = utc(2026, 3, 2, 8, 5)
    await bot.emu.send_text(1, "no idea")  # answered, not rated yet: still in session
    await bot.emu.wait_for_bot_message(1)
    await at(bot, utc(2026, 3, 2, 8, 19))
    assert pushes_to(bot.emu, 1) == [] and claims(bot) == []
    # Idle from 08:20; the next full scan (every FULL_SCAN_EVERY) finds the held push.
    await at(bot, utc(2026, 3, 2, 8, 5) + SESSION_IDLE)
    await at(bot, utc(2026, 3, 2, 8, 19) + FULL_SCAN_EVERY)
    assert len(pushes_to(bot.emu, 1)) == 1
    assert "Still open" in last_push(bot, 1).body
    assert len(prompts(bot, 1)) == 1


async def test_a_week_ignored_turns_into_a_weekly_check_in(bot: RunningBot) -> None:
    """Seven ignored daily questions, then one "still want daily questions?", silence for six
    days, the next check-in a week later; studying again brings the daily question back."""
    add_learner(bot, 1, at="08:00")
    day0 = utc(2026, 3, 2, 8, 0)
    for day in range(16):
        await at(bot, day0 + timedelta(days=day))
    bodies = [m.body for m in bot.emu.bot_messages(1)]
    assert [("still want" in b.lower()) for b in bodies] == [False] * 7 + [True, True]
    with Session(bot.db.engine) as session:
        rows = push_store.claim_rows(session)
    assert [(r.kind, r.status) for r in rows] == (
        [("quiz", "sent")] * 7 + [("checkin", "sent")] + [("quiet", "skipped")] * 6
        + [("checkin", "sent")] + [("quiet", "skipped")])
    checkin = bot.emu.bot_messages(1)[-1]
    assert [b[0] for b in checkin.buttons[0]] == ["📚 Yes, ask me now", "⏸ Pause reminders"]
    bot.clock.now = day0 + timedelta(days=15, hours=2)
    await press(bot, checkin, "📚 Yes, ask me now")
    (question,) = await bot.emu.wait_for_bot_message(1)
    assert QUESTION in question.body
    await bot.emu.send_text(1, "no idea")
    (graded,) = await bot.emu.wait_for_bot_message(1)
    await bot.emu.press_button(1, graded.message_id, graded.buttons[0][0][0])  # Again
    await bot.emu.wait_for_bot_message(1)
    await at(bot, day0 + timedelta(days=16))
    assert "Type your answer" in last_push(bot, 1).body
    assert claims(bot)[-1].kind == "quiz"
    assert learner(bot, 1).reminders_paused is False


async def test_a_group_rolled_back_before_its_slots_leaves_no_prompt(bot: RunningBot) -> None:
    """A send group opened ahead of its sends and rolled back (its slots never came) leaves
    its claim `claimed` and no prompt; once the claim is free again it is sent once, with
    one prompt."""
    add_learner(bot, 1, at="08:00")
    bot.clock.now = utc(2026, 3, 2, 8, 0)
    state = bot.app.bot_data
    catchup = catchup_window(state.config.push_catchup_hours)
    zones = await bot.db.run(use_case.eligible_zones)
    found = await bot.db.run(use_case.find_candidates, zones=zones, now=bot.clock.now,
                             catchup=catchup)
    batch = await bot.db.run(use_case.claim_due, candidates=found, now=bot.clock.now,
                             catchup=catchup)  # no holder: only the lease frees it

    class SlotsNeverCame(Exception):
        pass

    def never() -> None:
        raise SlotsNeverCame

    with pytest.raises(SlotsNeverCame):
        await bot.db.run(use_case.open_group, claims=batch.claims, quiz=True,
                         catalog=state.catalog, now=bot.clock.now, before_commit=never)
    (row,) = claims(bot)
    assert (row.status, row.prompt_id) == ("claimed", None)
    assert prompts(bot, 1) == [] and learner(bot, 1).current_prompt_id is None
    assert not pushes_to(bot.emu, 1)
    await at(bot, utc(2026, 3, 2, 8, 11))  # the lease has run out
    (row,) = claims(bot)
    (prompt,) = prompts(bot, 1)
    assert (row.status, row.prompt_id) == ("sent", prompt.id)
    assert len(pushes_to(bot.emu, 1)) == 1 and QUESTION in last_push(bot, 1).body
