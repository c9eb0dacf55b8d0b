"""Every sender gets a learner row, and the study loop's updates make one database trip each
(the registration rides along with the handler's own work)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from bot.store import db as db_module
from bot.store.models import Learner, ReviewLog
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot

TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"


def learner(bot: RunningBot) -> Learner | None:
    with Session(bot.db.engine) as session:
        return session.exec(select(Learner).where(Learner.telegram_id == LEARNER)).first()


def count_trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the units of work the bot runs in a database session, in order (on the event
    loop or on the database threads alike)."""
    trips: list[str] = []
    real = db_module._unit_of_work

    def counted(engine: Any, fn: Any, args: Any, kwargs: Any, **options: Any) -> Any:
        trips.append(f"register+{args[2].__name__}" if fn.__name__ == "registered_then"
                     else fn.__name__)
        return real(engine, fn, args, kwargs, **options)

    monkeypatch.setattr(db_module, "_unit_of_work", counted)
    return trips


async def test_first_message_an_answer_registers_the_learner(running_bot: RunningBot) -> None:
    """Someone who types before ever sending /start is told what to do and is a learner."""
    (reply,) = await say(running_bot, "hello?")
    assert "no open question" in reply.body
    row = learner(running_bot)
    assert row is not None and row.chat_id == LEARNER and row.first_name == "Ada"


async def test_study_updates_take_one_database_trip(
    running_bot: RunningBot, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An answer and a rating press each cost one trip; a command and /help still register
    their sender before replying."""
    trips = count_trips(monkeypatch)
    await say(running_bot, "/study")
    assert trips == ["register+nothing_else", "next_card"]
    trips.clear()
    (graded,) = await say(running_bot, "transforming existing data to get more data")
    assert trips == ["register+submit_answer"]
    trips.clear()
    (following,) = await press(running_bot, graded, "Good")
    assert "Type your answer" in following.body
    assert trips == ["register+rate"]
    trips.clear()
    await say(running_bot, "/help")
    assert trips == ["register+nothing_else"]


async def test_press_marks_a_learner_reachable_again(running_bot: RunningBot) -> None:
    """A learner whose pushes failed (blocked bot) and who comes back by pressing a button is
    pushed to again, and the press is recorded in the same commit."""
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "transforming existing data to get more data")
    with Session(running_bot.db.engine) as session:
        row = session.exec(select(Learner).where(Learner.telegram_id == LEARNER)).one()
        row.active = False
        session.add(row)
        session.commit()
    await press(running_bot, graded, "Good")
    row = learner(running_bot)
    assert row is not None and row.active
    with Session(running_bot.db.engine) as session:
        assert len(session.exec(select(ReviewLog)).all()) == 1


async def test_press_answered_too_late_still_records_and_goes_on(
    running_bot: RunningBot,
) -> None:
    """A press whose callback can no longer be answered (the bot was down longer than
    Telegram waits) still shows its outcome and the next card, with no apology."""
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "transforming existing data to get more data")
    running_bot.emu.inject_fault("answerCallbackQuery", "400", description=TOO_OLD)
    (following,) = await press(running_bot, graded, "Good")
    assert "Type your answer" in following.body
    await running_bot.emu.wait_until(
        lambda: "Saved: Good" in running_bot.emu.message(LEARNER, graded.message_id).body,
        what="the outcome on the graded message")
    with Session(running_bot.db.engine) as session:
        assert len(session.exec(select(ReviewLog)).all()) == 1
    assert not any("Sorry" in m.body for m in running_bot.emu.bot_messages(LEARNER))
