"""Study-day rules a newcomer meets, through the emulator: the new-card limit says so, /skip
moves on to another card, all decks off says so, and /undo says what /study will do."""

from __future__ import annotations

from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot


async def test_spent_new_card_limit_says_why_and_how_to_change_it(
        running_bot: RunningBot) -> None:
    """With today's new cards used up, /study says new cards wait and names /settings new."""
    bot = running_bot
    await say(bot, "/settings new 1")
    await say(bot, "/study")
    (graded,) = await say(bot, "no idea")
    (after,) = await press(bot, graded, "Easy")
    assert "14 new cards wait" in after.body, after.body
    assert "today's 1 new card" in after.body and "/settings new 11" in after.body
    (again,) = await say(bot, "/study")
    assert "/settings new" in again.body


def question(card_body: str) -> str:
    return card_body.split("\n")[2]


async def test_skip_never_shows_the_card_it_just_skipped(running_bot: RunningBot) -> None:
    """Two cards due and both skipped before: each /skip shows the other one."""
    bot = running_bot
    await say(bot, "/settings new 2")
    for _ in range(2):
        await say(bot, "/study")
        (graded,) = await say(bot, "no idea")
        await press(bot, graded, "Again")
        await say(bot, "/stop")
    (shown,) = await say(bot, "/study")
    current = question(shown.body)
    for _ in range(4):
        _, following = await say(bot, "/skip", count=2)
        assert question(following.body) != current, bot.emu.transcript(LEARNER)
        current = question(following.body)


async def test_all_decks_off_says_so(running_bot: RunningBot) -> None:
    """With every deck switched off, /study says so and how to switch one on."""
    bot = running_bot
    (listing,) = await say(bot, "/decks")
    data = next(d for row in listing.buttons for label, d in row if "Neural" in label)
    assert data is not None
    await bot.emu.press(LEARNER, listing.message_id, data)
    await bot.emu.wait_until(lambda: "⬜" in bot.emu.message(LEARNER, listing.message_id).body)
    (reply,) = await say(bot, "/study")
    assert "All your decks are switched off" in reply.body and "/decks" in reply.body


async def test_undo_says_the_open_card_comes_first(running_bot: RunningBot) -> None:
    """After /undo with another card open, the reply says that card comes first, not that
    /study shows the undone one."""
    bot = running_bot
    await say(bot, "/study")
    (graded,) = await say(bot, "no idea")
    await press(bot, graded, "Good")
    (undone,) = await say(bot, "/undo")
    assert "Undone" in undone.body and "answer the open card first" in undone.body
    assert "/study to see it again" not in undone.body
    await say(bot, "/stop")
    await say(bot, "/study")
    (graded,) = await say(bot, "no idea")
    await press(bot, graded, "Good")
    await say(bot, "/stop")
    (undone,) = await say(bot, "/undo")
    assert "send /study to go on" in undone.body
