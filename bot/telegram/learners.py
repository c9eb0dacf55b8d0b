"""Runs before every handler: registers the learner and marks them reachable again."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.study import ensure_learner
from bot.telegram.context import BotContext


async def register_learner(update: Update, context: BotContext) -> None:
    """Make sure the sender of a private-chat update has a learner row."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return
    await context.state.database.run(
        ensure_learner, telegram_id=user.id, chat_id=chat.id, first_name=user.first_name or "",
        now=context.state.clock(),
    )
