"""Promise 5: no button or command lets one learner see or change another learner's data."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.store.models import CardState, LearnerDeck, ReviewLog, StudyPrompt
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot

EVE = 777


def snapshot(bot: RunningBot) -> tuple[object, ...]:
    with Session(bot.db.engine) as session:
        return (
            [(p.id, p.closed_at, p.outcome, p.answer) for p in session.exec(select(StudyPrompt))],
            [(s.card_id, s.learner_id, s.due, s.suspended)
             for s in session.exec(select(CardState))],
            [(r.id, r.prompt_id, r.rating) for r in session.exec(select(ReviewLog))],
            [(d.learner_id, d.deck_id, d.enabled) for d in session.exec(select(LearnerDeck))],
        )


async def eve_presses(bot: RunningBot, data: str, message_id: int) -> str:
    bot.emu.user(EVE, first_name="Eve")
    update = await bot.emu.press(EVE, message_id, data, chat=LEARNER, check=False)
    cq_id = update["callback_query"]["id"]
    await bot.emu.wait_until(lambda: any(a.callback_query_id == cq_id
                                         for a in bot.emu.callback_answers))
    return next(a.text or "" for a in bot.emu.callback_answers if a.callback_query_id == cq_id)


async def test_foreign_buttons_change_and_reveal_nothing(sqlite_bot: RunningBot) -> None:
    """Eve pressing Ada's rating, Show me, card-action and unknown-deck buttons is refused."""
    bot = sqlite_bot
    await say(bot, "/study")
    (graded,) = await say(bot, "no idea")
    (second,) = await press(bot, graded, "Again")
    (graded2,) = await say(bot, "softmax makes probabilities")
    prompt = int(next(d for row in graded2.buttons for _, d in row
                      if d and d.startswith("r:")).split(":")[1])
    await bot.emu.send_text(bot.emu.user(EVE, first_name="Eve"), "/start")
    await bot.emu.wait_for_bot_message(EVE)
    before = snapshot(bot)
    eve_sent = len(bot.emu.bot_messages(EVE))
    for data in (f"r:{prompt}:4", f"r:{prompt - 1}:4", f"d:{prompt}", f"ca:{prompt}:suspend",
                 f"ca:{prompt}:bury", "dk:987654", f"r:{prompt + 50}:3"):
        answer = await eve_presses(bot, data, graded2.message_id)
        assert "expired" in answer, (data, answer)
        assert "What is" not in answer and "Reference" not in answer
    assert snapshot(bot) == before
    # Nothing about Ada's cards reached Eve's chat, and Ada's chat got nothing new.
    assert len(bot.emu.bot_messages(EVE)) == eve_sent
    assert bot.emu.last_bot_message(LEARNER).message_id == graded2.message_id  # type: ignore[union-attr]
    assert second.message_id < graded2.message_id


async def test_export_shows_only_own_reviews(sqlite_bot: RunningBot) -> None:
    """/export from Eve holds none of Ada's reviews; Ada's holds only hers."""
    bot = sqlite_bot
    await say(bot, "/study")
    (graded,) = await say(bot, "no idea")
    await press(bot, graded, "Good")
    bot.emu.user(EVE, first_name="Eve")
    await bot.emu.send_text(EVE, "/export")
    (eve_reply,) = await bot.emu.wait_for_bot_message(EVE)
    assert eve_reply.document is None
    (ada_reply,) = await say(bot, "/export")
    assert ada_reply.document_bytes is not None
    lines = ada_reply.document_bytes.decode().splitlines()
    assert len(lines) == 2 and "good" in lines[1]
