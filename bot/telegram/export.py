"""/export: the learner's own review history as a CSV document."""

from __future__ import annotations

from telegram import InputFile, Update

from bot.export import count_reviews, export_reviews
from bot.telegram import render
from bot.telegram.context import BotContext


async def export_command(update: Update, context: BotContext) -> None:
    """Send the review history as a CSV file."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    text = await context.run_db(export_reviews, telegram_id=user.id)
    rows = 0 if text is None else count_reviews(text)
    if text is None or rows == 0:
        reply = render.export_empty()
        await message.reply_text(reply.text)
        return
    document = InputFile(text.encode("utf-8"), filename="tutorbot-reviews.csv")
    await message.reply_document(document, caption=render.export_caption(rows))
