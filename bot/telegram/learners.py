"""When the sender of an update is registered (bot.learners.register: every private-chat
sender is a learner, and any message marks them reachable again).

`BotContext` notes the sender when PTB builds the update's context and registers them in the
update's first unit of work: for the two updates of the study loop, a typed answer and a
button press, that is the handler's own, so each costs one database session, not two. Every
other update (a command, a photo) is registered in group -1, before its handler replies, and
group 1 registers the sender of an update whose handler made no database call or failed.
"""

from __future__ import annotations

from telegram import Update

from bot.telegram.context import BotContext


async def register_unless_studying(update: Update, context: BotContext) -> None:
    """Register the sender now, unless the handler's first database call will."""
    if not _study_loop(update):
        await context.register_sender()


async def register_unregistered(update: Update, context: BotContext) -> None:
    """Register the sender if no unit of work of this update did."""
    await context.register_sender()


def _study_loop(update: Update) -> bool:
    """A press, or text that is not a command: what studying sends, a hundred times a day."""
    if update.callback_query is not None:
        return True
    text = update.message.text if update.message is not None else None
    return text is not None and text != "" and not text.startswith("/")
