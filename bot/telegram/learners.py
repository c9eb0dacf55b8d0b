"""The sender of every private-chat update gets a learner row, and any message from them
marks them reachable again.

For the two updates of the study loop, a typed answer and a button press, group -1 only notes
the sender on the update's context: the handler's first database call (`BotContext.run_db_quick`)
writes the row in its own session, so each costs one database session, not two.
Group 1 writes a registration that no handler took. Every other update (a command, a photo)
is registered at once, before its handler replies.
"""

from __future__ import annotations

from telegram import Update
from telegram.constants import ChatType

from bot.telegram.context import BotContext, Registration


async def note_learner(update: Update, context: BotContext) -> None:
    """Register the sender of a private-chat update now, or with the handler's first call."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return
    context.registration = Registration(telegram_id=user.id, chat_id=chat.id,
                                        first_name=user.first_name or "",
                                        now=context.state.clock())
    if not _study_loop(update):
        await register_unwritten(update, context)


async def register_unwritten(update: Update, context: BotContext) -> None:
    """Write a registration that no handler took."""
    registration, context.registration = context.registration, None
    if registration is not None:
        await context.state.database.run_quick(registration.register)


def _study_loop(update: Update) -> bool:
    """A press, or text that is not a command: what studying sends, a hundred times a day."""
    if update.callback_query is not None:
        return True
    text = update.message.text if update.message is not None else None
    return text is not None and text != "" and not text.startswith("/")
