"""/start and /help."""

from __future__ import annotations

from collections import Counter

from telegram import Update

from bot.telegram import classes, render
from bot.telegram.context import BotContext


async def start(update: Update, context: BotContext) -> None:
    """Welcome the learner and say what is in the decks, or show the deck a share link opens."""
    assert update.effective_message is not None and update.effective_user is not None
    if context.args:  # t.me/<bot>?start=<code>: Telegram sends "/start <code>"
        await classes.open_link(update, context, context.args[0])
        return
    catalog = context.state.catalog
    counts = Counter(card.deck_id for card in catalog.cards.values())
    decks = [(title, counts[deck_id]) for deck_id, title in catalog.deck_titles.items()]
    reply = render.welcome(update.effective_user.first_name or "", decks)
    await update.effective_message.reply_text(reply.text)


async def help_command(update: Update, context: BotContext) -> None:
    """Explain the study loop and list the commands."""
    assert update.effective_message is not None
    reply = render.help_text()
    await update.effective_message.reply_text(reply.text)
