"""Updates naming an id that no 64-bit column holds are dropped before any handler runs.

Telegram's user and chat ids fit in 52 bits; an update with a larger one is forged (or comes
from a broken local Bot API server). Storing it would fail in the database and earn the sender
an apology, and no reply could reach such a chat anyway, so it is logged and ignored.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ApplicationHandlerStop

from bot.telegram.context import BotContext

log = logging.getLogger(__name__)

_INT64 = range(-(2**63), 2**63)


async def drop(update: Update, context: BotContext) -> None:
    """Stop an update whose sender or chat id is outside the signed 64-bit range."""
    user, chat = update.effective_user, update.effective_chat
    ids = (user.id if user is not None else 0, chat.id if chat is not None else 0)
    if all(value in _INT64 for value in ids):
        return
    log.info("ignored update %s: its user or chat id is outside the 64-bit range",
             update.update_id)
    raise ApplicationHandlerStop
