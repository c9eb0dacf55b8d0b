"""Per-chat flood throttle (issue 8). STUB: filled in by the reliability work."""

from __future__ import annotations

from telegram import Update

from bot.telegram.context import BotContext


async def check(update: Update, context: BotContext) -> None:
    return None
