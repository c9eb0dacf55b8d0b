"""Promise 2: Telegram faults (429, 5xx, slow, resets, 400s on edits) never lose, double or
crash anything, and the learner's chat stays coherent."""

from __future__ import annotations

import pytest
from sqlmodel import Session, func, select

from bot.store.models import ReviewLog
from tests.bot.test_study_loop import LEARNER, say
from tests.conftest import RunningBot
from tgemu import BotApiEmulator, ShownMessage

APOLOGY = "Sorry, something went wrong"
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message")
NOT_FOUND = "Bad Request: message to edit not found"


def reviews(bot: RunningBot) -> list[ReviewLog]:
    with Session(bot.db.engine) as session:
        return list(session.exec(select(ReviewLog)).all())


def sent_ok(emu: BotApiEmulator, method: str = "sendMessage") -> list[str]:
    """Texts of the calls that Telegram accepted (what the learner actually received)."""
    return [str(c.params.get("text", "")) for c in emu.calls_to(method)
            if c.status == 200 and str(c.params.get("chat_id")) == str(LEARNER)]


def assert_sent_once(emu: BotApiEmulator) -> None:
    texts = sent_ok(emu)
    assert len(texts) == len(set(texts)), texts


async def graded_card(bot: RunningBot) -> ShownMessage:
    await say(bot, "/study")
    (graded,) = await say(bot, "transforming existing data to get more training data")
    return graded


def rating_data(message: ShownMessage, name: str) -> str:
    return next(d for row in message.buttons for label, d in row if name in label and d)


@pytest.mark.parametrize("method", ["sendMessage", "answerCallbackQuery", "editMessageText"])
async def test_flood_429_is_retried_once(sqlite_bot: RunningBot, method: str) -> None:
    """A 429 with retry_after is waited out and retried: one review, one of each reply."""
    bot = sqlite_bot
    graded = await graded_card(bot)
    bot.emu.inject_fault(method, "429", retry_after=1)
    await bot.emu.press(LEARNER, graded.message_id, rating_data(graded, "Good"))
    (following,) = await bot.emu.wait_for_bot_message(LEARNER, timeout=10)
    assert "Type your answer" in following.body
    # The toast, the edit and the next card travel together; the faulted one lands a retry
    # later than the others.
    await bot.emu.wait_until(
        lambda: bot.emu.callback_answers
        and "Saved: Good" in bot.emu.message(LEARNER, graded.message_id).body,
        timeout=10, what="the toast and the edited outcome")
    assert [a.text for a in bot.emu.callback_answers] == ["Saved"]
    assert [r.rating for r in reviews(bot)] == [3]
    assert_sent_once(bot.emu)


async def test_flood_429_on_answer_reply(sqlite_bot: RunningBot) -> None:
    """A 429 on the graded reply delays it; it arrives exactly once."""
    bot = sqlite_bot
    await say(bot, "/study")
    bot.emu.inject_fault("sendMessage", "429", retry_after=1)
    (graded,) = await say(bot, "no idea")
    assert "Reference answer" in graded.body
    assert_sent_once(bot.emu)


async def test_slow_telegram_still_replies_once(sqlite_bot: RunningBot) -> None:
    """A 2-second Bot API response delays the reply but never duplicates it."""
    bot = sqlite_bot
    await say(bot, "/study")
    bot.emu.inject_fault("sendMessage", "slow", delay=2.0)
    bot.emu.mark(LEARNER)
    await bot.emu.send_text(LEARNER, "no idea")
    (graded,) = await bot.emu.wait_for_bot_message(LEARNER, timeout=10)
    assert "Reference answer" in graded.body
    assert_sent_once(bot.emu)
    (help_reply,) = await say(bot, "/help")
    assert "/study" in help_reply.body


@pytest.mark.parametrize("kind", ["500", "502", "reset"])
async def test_server_error_on_reply_gets_reply_or_apology(
    sqlite_bot: RunningBot, kind: str
) -> None:
    """A 5xx or dropped connection on the graded reply ends in that reply or an apology."""
    bot = sqlite_bot
    await say(bot, "/study")
    bot.emu.inject_fault("sendMessage", kind)
    bot.emu.mark(LEARNER)
    await bot.emu.send_text(LEARNER, "no idea")
    (reply,) = await bot.emu.wait_for_bot_message(LEARNER, timeout=3)
    assert "Reference answer" in reply.body or APOLOGY in reply.body
    assert_sent_once(bot.emu)


@pytest.mark.parametrize("kind", ["500", "reset"])
async def test_server_error_on_rating_records_once(sqlite_bot: RunningBot, kind: str) -> None:
    """A 5xx on answering the rating press stores one review; pressing again says so."""
    bot = sqlite_bot
    graded = await graded_card(bot)
    bot.emu.inject_fault("answerCallbackQuery", kind)
    data = rating_data(graded, "Hard")
    await bot.emu.press(LEARNER, graded.message_id, data)
    await bot.emu.wait_until(lambda: len(reviews(bot)) == 1)
    await bot.emu.press(LEARNER, graded.message_id, data, check=False)
    await bot.emu.wait_until(lambda: bot.emu.callback_answers)
    assert [r.rating for r in reviews(bot)] in ([2],)
    texts = [a.text or "" for a in bot.emu.callback_answers]
    assert any(t == "Saved" or "already rated" in t for t in texts), texts
    with Session(bot.db.engine) as session:
        assert session.exec(select(func.count()).select_from(ReviewLog)).one() == 1
    assert_sent_once(bot.emu)


@pytest.mark.parametrize("description", [NOT_MODIFIED, NOT_FOUND], ids=["not-modified",
                                                                          "not-found"])
async def test_edit_400_still_shows_next_card(sqlite_bot: RunningBot, description: str) -> None:
    """If replacing the buttons fails with a 400, the review stays saved and the next card comes."""
    bot = sqlite_bot
    graded = await graded_card(bot)
    bot.emu.inject_fault("editMessageText", "400", description=description)
    await bot.emu.press(LEARNER, graded.message_id, rating_data(graded, "Good"))
    (following,) = await bot.emu.wait_for_bot_message(LEARNER, timeout=3)
    assert [r.rating for r in reviews(bot)] == [3]
    assert "Type your answer" in following.body, following.body
    assert_sent_once(bot.emu)


async def test_blocked_learner_is_not_an_error(sqlite_bot: RunningBot) -> None:
    """403 "bot was blocked" is logged quietly; the bot keeps serving others."""
    bot = sqlite_bot
    await say(bot, "/study")
    bot.emu.inject_fault("sendMessage", "403", chat_id=LEARNER)
    await bot.emu.send_text(LEARNER, "no idea")
    await bot.emu.wait_until(lambda: any(c.status == 403 for c in bot.emu.calls_to("sendMessage")))
    other = bot.emu.user(5151, first_name="Bob")
    await bot.emu.send_text(other, "/help")
    (reply,) = await bot.emu.wait_for_bot_message(5151)
    assert "/study" in reply.body
