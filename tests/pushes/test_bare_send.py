"""The push's lean send (bot.telegram.bare_send) puts on the wire what send_message would."""

from __future__ import annotations

import pytest
from telegram.constants import ParseMode
from telegram.error import BadRequest

from bot.telegram import keyboards
from bot.telegram.bare_send import send_html
from tests.conftest import RunningBot


def test_quiz_keyboard_json_is_the_keyboards_own() -> None:
    """push_quiz_json is exactly what PTB serializes push_quiz to."""
    for prompt_id in (0, 7, 123456789):
        assert keyboards.push_quiz_json(prompt_id) == keyboards.push_quiz(prompt_id).to_dict()


async def test_bare_send_sends_what_send_message_sends(sqlite_bot: RunningBot) -> None:
    """Same method and parameters as send_message with HTML and the same keyboard."""
    bot = sqlite_bot
    bot.emu.user(5, first_name="L")
    text = "<b>Q?</b> &amp; more"
    await bot.app.bot.send_message(5, text, parse_mode=ParseMode.HTML,
                                   reply_markup=keyboards.push_quiz(42))
    await send_html(bot.app.bot, 5, text, keyboards.push_quiz_json(42))
    via_ptb, bare = bot.emu.calls_to("sendMessage")[-2:]
    assert (bare.status, bare.params) == (via_ptb.status, via_ptb.params)
    shown = bot.emu.bot_messages(5)[-2:]
    assert shown[0].body == shown[1].body and shown[0].buttons == shown[1].buttons


async def test_bare_send_raises_telegrams_errors(sqlite_bot: RunningBot) -> None:
    """A refused send raises as send_message would (the push maps it to an outcome)."""
    with pytest.raises(BadRequest):
        await send_html(sqlite_bot.app.bot, 999_999, "hello")
