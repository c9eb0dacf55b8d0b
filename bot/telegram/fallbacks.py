"""Replies for everything the study loop does not handle: unknown commands, stale buttons..."""

from __future__ import annotations

from telegram import Update

from bot.telegram import render
from bot.telegram.context import BotContext


async def unknown_command(update: Update, context: BotContext) -> None:
    """Point the learner to /help."""
    assert update.effective_message is not None
    reply = render.unknown_command()
    await update.effective_message.reply_text(reply.text)


async def unknown_button(update: Update, context: BotContext) -> None:
    """Answer a button we no longer (or never) understood, so the spinner stops."""
    assert update.callback_query is not None
    await update.callback_query.answer(render.stale_button())


async def not_text(update: Update, context: BotContext) -> None:
    """Ask for a typed answer when a sticker, voice note or file arrives."""
    assert update.effective_message is not None
    reply = render.not_text()
    await update.effective_message.reply_text(reply.text)


async def group_message(update: Update, context: BotContext) -> None:
    """Reply once to commands in groups; studying happens in private chats."""
    assert update.effective_message is not None
    reply = render.private_only()
    await update.effective_message.reply_text(reply.text)
