"""Per-chat flood throttle: more than FLOOD_LIMIT updates in FLOOD_WINDOW_S from one chat get
one polite "slow down", then silence until the window frees up.

It runs in handler group -2, before the learner is registered, so a flood costs no database
write and no other chat waits behind it (the check is a few dictionary operations; the window
itself is bot/flood_window.py).
"""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.flood_window import Admitted, FloodThrottle
from bot.telegram import render
from bot.telegram.context import BotContext, BotState


def _throttle_for(state: BotState) -> FloodThrottle:
    if state.throttle is None:
        state.throttle = FloodThrottle(state.config.flood_limit, state.config.flood_window_s)
    return state.throttle


async def check(update: Update, context: BotContext) -> None:
    """Let the update through, or answer a flooding chat once and stop the update here."""
    chat, user = update.effective_chat, update.effective_user
    key = chat.id if chat is not None else user.id if user is not None else None
    if key is None:
        return
    verdict = _throttle_for(context.state).admit(key)
    if isinstance(verdict, Admitted):
        return
    # The notice is a courtesy: a blocked chat or a Telegram hiccup must not let the update
    # through, so its failures are swallowed and the update is stopped regardless.
    with contextlib.suppress(TelegramError):
        if update.callback_query is not None:
            # Every refused press is answered, or the learner's button keeps spinning.
            await update.callback_query.answer(render.flood_toast(verdict.retry_in_s))
        elif verdict.first and chat is not None and chat.type == ChatType.PRIVATE:
            await context.bot.send_message(chat.id, render.flood_notice(verdict.retry_in_s).text)
    raise ApplicationHandlerStop
