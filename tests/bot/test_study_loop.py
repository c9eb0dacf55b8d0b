"""The study loop through the emulator, as a learner uses it, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from bot.store.models import CardState, ReviewLog
from tests.conftest import RunningBot, make_settings, start_bot
from tgemu import BotApiEmulator, ShownMessage

LEARNER = 4242


async def say(bot: RunningBot, text: str, *, count: int = 1) -> list[ShownMessage]:
    bot.emu.user(LEARNER, first_name="Ada")
    await bot.emu.send_text(LEARNER, text)
    return await bot.emu.wait_for_bot_message(LEARNER, count=count)


async def press(bot: RunningBot, message: ShownMessage, label_part: str, *, count: int = 1
                ) -> list[ShownMessage]:
    data = next(d for row in message.buttons for label, d in row if label_part in label)
    assert data is not None
    await bot.emu.press(LEARNER, message.message_id, data)
    if count == 0:
        return []
    return await bot.emu.wait_for_bot_message(LEARNER, count=count)


def reviews(bot: RunningBot) -> int:
    with Session(bot.db.engine) as session:
        return session.exec(select(func.count()).select_from(ReviewLog)).one()


async def test_start_welcomes_and_counts_cards(running_bot: RunningBot) -> None:
    """/start says what the bot does, how many cards there are and how to begin."""
    (reply,) = await say(running_bot, "/start")
    assert "Hi Ada" in reply.body
    assert "15 cards" in reply.body
    assert "/study" in reply.body


async def test_commands_are_registered(running_bot: RunningBot) -> None:
    """The bot registers its commands with descriptions for Telegram's menu."""
    names = {c["command"] for c in running_bot.emu.commands}
    assert {"study", "skip", "stop", "help", "start", "undo"} <= names


async def test_answer_grade_rate_and_next_card(running_bot: RunningBot) -> None:
    """A card is asked, graded with matched/missed and reference, rated, stored, and followed."""
    (card,) = await say(running_bot, "/study")
    assert "What is data augmentation?" in card.body
    (graded,) = await say(
        running_bot,
        "artificially enlarging the training set by transforming existing data",
    )
    assert "Reference answer" in graded.body
    assert "increase the size and diversity" in graded.body
    labels = [label for row in graded.buttons for label, _ in row]
    assert labels[:4] == [lbl for lbl in labels[:4]] and len(labels) >= 4
    assert sum(label.startswith("✓") for label in labels) == 1, labels
    (next_card,) = await press(running_bot, graded, "Good")
    assert "What is softmax?" in next_card.body
    edited = running_bot.emu.message(LEARNER, graded.message_id)
    assert "Saved: Good" in edited.body and edited.buttons == []
    assert reviews(running_bot) == 1
    with Session(running_bot.db.engine) as session:
        state = session.exec(select(CardState)).one()
        assert state.reps == 1 and state.due > running_bot.clock.now


async def test_learner_can_press_another_rating_than_suggested(running_bot: RunningBot) -> None:
    """The learner's choice, not the suggestion, is what is stored."""
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    (_next,) = await press(running_bot, graded, "Easy")
    with Session(running_bot.db.engine) as session:
        assert session.exec(select(ReviewLog.rating)).one() == 4


async def test_double_press_records_one_review(running_bot: RunningBot) -> None:
    """Pressing a rating twice (or two ratings quickly) stores exactly one review."""
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "transforming data to get more of it")
    good = graded.button_data("Good") or graded.button_data("✓ Good")
    hard = next(d for row in graded.buttons for label, d in row if "Hard" in label)
    await running_bot.emu.press(LEARNER, graded.message_id, hard or "")
    await running_bot.emu.press(LEARNER, graded.message_id, good or "", check=False)
    await running_bot.emu.wait_for_bot_message(LEARNER, count=1)
    await running_bot.emu.wait_until(lambda: len(running_bot.emu.callback_answers) >= 2)
    assert reviews(running_bot) == 1
    assert any("already rated" in (a.text or "") for a in running_bot.emu.callback_answers)


async def test_unknown_button_gets_friendly_answer(running_bot: RunningBot) -> None:
    """A forged or unknown button is answered as expired, and nothing is stored."""
    (reply,) = await say(running_bot, "/start")
    await running_bot.emu.press(LEARNER, reply.message_id, "zz:forged", check=False)
    await running_bot.emu.wait_until(lambda: running_bot.emu.callback_answers)
    assert "expired" in (running_bot.emu.callback_answers[-1].text or "")
    assert reviews(running_bot) == 0


async def test_other_learners_button_is_refused(running_bot: RunningBot) -> None:
    """A rating button naming another learner's prompt changes nothing."""
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    data = next(d for row in graded.buttons for _, d in row if d)
    intruder = running_bot.emu.user(777, first_name="Eve")
    await running_bot.emu.send_text(intruder, "/start")
    await running_bot.emu.wait_for_bot_message(777)
    await running_bot.emu.press(777, graded.message_id, data, chat=LEARNER, check=False)
    await running_bot.emu.wait_until(lambda: running_bot.emu.callback_answers)
    assert reviews(running_bot) == 0


async def test_long_answer_is_graded_and_says_so(running_bot: RunningBot) -> None:
    """A 5000-character answer gets a grade, within Telegram's limits, noting the cut."""
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, ("transform existing data " * 250)[:5000])
    assert "Reference answer" in graded.body
    assert "first 2,000 characters" in graded.body
    assert len(graded.body) <= 4096


async def test_blank_and_non_text_messages(running_bot: RunningBot) -> None:
    """A blank message or a sticker-like message gets a clear prompt, not a grade."""
    await say(running_bot, "/study")
    (blank,) = await say(running_bot, "   ")
    assert "empty" in blank.body
    running_bot.emu.inject_update({"message": {
        "message_id": 99_999, "date": 1_700_000_000,
        "chat": {"id": LEARNER, "type": "private", "first_name": "Ada"},
        "from": {"id": LEARNER, "is_bot": False, "first_name": "Ada"},
        "sticker": {"file_id": "x", "file_unique_id": "y", "width": 1, "height": 1,
                    "is_animated": False, "is_video": False, "type": "regular"},
    }})
    (reply,) = await running_bot.emu.wait_for_bot_message(LEARNER)
    assert "text message" in reply.body
    assert reviews(running_bot) == 0


async def test_answer_without_open_card(running_bot: RunningBot) -> None:
    """Text with no open card points to /study instead of grading."""
    (reply,) = await say(running_bot, "softmax is an activation")
    assert "/study" in reply.body


async def test_unknown_command(running_bot: RunningBot) -> None:
    """An unknown command points to /help."""
    (reply,) = await say(running_bot, "/frobnicate now")
    assert "/help" in reply.body


async def test_skip_and_stop(running_bot: RunningBot) -> None:
    """/skip moves to another card without a review; /stop ends the session."""
    (first,) = await say(running_bot, "/study")
    _note, second = await say(running_bot, "/skip", count=2)
    assert second.body.split("\n")[2] != first.body.split("\n")[2]
    (stopped,) = await say(running_bot, "/stop")
    assert "Session ended" in stopped.body
    (again,) = await say(running_bot, "/stop")
    assert "No session" in again.body
    assert reviews(running_bot) == 0


async def test_help(running_bot: RunningBot) -> None:
    """/help explains the loop and lists the commands."""
    (reply,) = await say(running_bot, "/help")
    assert "/study" in reply.body and "/skip" in reply.body and "/undo" in reply.body


async def test_undo_reverts_last_review(running_bot: RunningBot) -> None:
    """/undo removes the last review and restores the card's state exactly."""
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    await press(running_bot, graded, "Again")
    assert reviews(running_bot) == 1
    (reply,) = await say(running_bot, "/undo")
    assert "Undone" in reply.body
    assert reviews(running_bot) == 0
    with Session(running_bot.db.engine) as session:
        assert session.exec(select(func.count()).select_from(CardState)).one() == 0


async def test_whole_deck_over_two_days(running_bot: RunningBot) -> None:
    """A learner studies all 15 cards: 10 new on day one, the rest the next day."""
    bot = running_bot
    (card,) = await say(bot, "/study")
    seen: set[str] = set()
    for _ in range(60):
        if "nothing is due" in card.body or "Nothing is due" in card.body:
            if len(seen) >= 15:
                break
            bot.clock.advance(days=1)
            (card,) = await say(bot, "/study")
            continue
        question = card.body.split("\n")[2]
        seen.add(question)
        (graded,) = await say(bot, "I am not sure")
        (card,) = await press(bot, graded, "Easy")
    assert len(seen) == 15
    assert reviews(bot) >= 15


async def test_review_survives_restart_and_old_button(
    emulator: BotApiEmulator, sqlite_url: str, clock: object
) -> None:
    """After a restart the stored review is there, and a pre-restart button still works once."""
    from tests.factories import FakeClock

    assert isinstance(clock, FakeClock)
    bot = await start_bot(emulator, make_settings(emulator, sqlite_url), clock)
    await say(bot, "/study")
    (graded,) = await say(bot, "enlarging the dataset by transforming existing samples")
    (next_card,) = await press(bot, graded, "Good")
    await say(bot, "no idea")
    pending = emulator.last_bot_message(LEARNER)
    assert pending is not None
    await bot.stop()
    bot = await start_bot(emulator, make_settings(emulator, sqlite_url), clock)
    try:
        assert reviews(bot) == 1
        await press(bot, pending, "Hard")
        assert reviews(bot) == 2
        await bot.emu.press(LEARNER, graded.message_id, graded.buttons[0][0][1] or "",
                            check=False)
        await bot.emu.wait_until(lambda: len(bot.emu.callback_answers) >= 3)
        assert reviews(bot) == 2
        assert next_card.message_id < pending.message_id
    finally:
        await bot.stop()


async def test_suspend_and_bury_buttons(running_bot: RunningBot) -> None:
    """Suspend keeps a card away for good, Bury until tomorrow; neither records a review."""
    bot = running_bot
    (first,) = await say(bot, "/study")
    (graded,) = await say(bot, "no idea")
    (second,) = await press(bot, graded, "Suspend")
    assert "Suspended" in bot.emu.message(LEARNER, graded.message_id).body
    (graded2,) = await say(bot, "still no idea")
    (_third,) = await press(bot, graded2, "Bury")
    assert reviews(bot) == 0
    with Session(bot.db.engine) as session:
        suspended = session.exec(select(CardState).where(col(CardState.suspended))).all()
        assert len(suspended) == 1
    bot.clock.advance(days=1)
    asked: set[str] = set()
    (card,) = await say(bot, "/study")
    for _ in range(12):
        asked.add(card.body.split("\n")[2])
        _note, card = await say(bot, "/skip", count=2)
    assert first.body.split("\n")[2] not in asked
    assert second.body.split("\n")[2] in asked
