"""The one global error handler: log first, then tell the learner without details."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Forbidden

from bot.telegram import render
from bot.telegram.context import BotContext

log = logging.getLogger("tutorbot.errors")


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure and apologise in the chat it came from."""
    error = context.error
    if isinstance(error, Forbidden):
        log.info("chat unreachable: %s", error)
        return
    log.error("update failed", exc_info=error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None:
        return
    try:
        await context.bot.send_message(chat.id, render.internal_error().text,
                                       parse_mode=ParseMode.HTML)
    except Exception:  # the apology itself must never raise out of the error handler
        log.warning("could not send the apology", exc_info=True)
