"""Send a message whose answer nobody reads: PTB's path, less the parsing of Telegram's reply.

`Bot.send_message` ends by building a `Message` from Telegram's answer, which echoes the
whole message: its entities, its keyboard, the chat and the bot. The daily push only needs to
know whether the send succeeded, and for a push with a keyboard that parsing (a few hundred
attribute writes on PTB's frozen objects) cost the bot more CPU than the rest of the send.

`Bot._post` is the step every PTB method ends in, so everything else stays PTB's: `Defaults`,
`AIORateLimiter` (ExtBot's `_do_post`), the request and its error mapping (RetryAfter,
Forbidden, BadRequest, NetworkError and TimedOut with their causes). The keyboard travels as
the Bot API's JSON, which is what PTB would serialize its objects to.
"""

from __future__ import annotations

from typing import Any

from telegram.constants import ParseMode
from telegram.ext import ExtBot


async def send_html(bot: ExtBot[Any], chat_id: int, text: str,
                    keyboard: dict[str, Any] | None = None) -> None:
    """`bot.send_message(chat_id, text, parse_mode=HTML, reply_markup=keyboard)`, without
    building the Message Telegram answers with; raises what send_message raises."""
    data: dict[str, Any] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
    if keyboard is not None:
        data["reply_markup"] = keyboard
    await bot._post("sendMessage", data)
