"""/decks: list decks with progress and switch them on or off."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode

from bot.deck_choice import deck_progress, toggle_deck
from bot.telegram import render
from bot.telegram.callback_data import ToggleDeck, decode
from bot.telegram.context import BotContext


async def decks_command(update: Update, context: BotContext) -> None:
    """List the decks with progress and toggle buttons."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    progress = await context.state.database.run(deck_progress, telegram_id=user.id,
                                                catalog=context.state.catalog)
    reply = render.decks(progress)
    await message.reply_text(reply.text, parse_mode=ParseMode.HTML, reply_markup=reply.keyboard)


async def toggle_button(update: Update, context: BotContext) -> None:
    """Switch the pressed deck on or off and refresh the list in place."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    assert isinstance(payload, ToggleDeck)
    progress = await context.state.database.run(
        toggle_deck, telegram_id=update.effective_user.id, deck_id=payload.deck_id,
        catalog=context.state.catalog,
    )
    if progress is None:
        await query.answer(render.stale_button())
        return
    await query.answer("Saved")
    reply = render.decks(progress)
    if isinstance(query.message, Message):
        await query.edit_message_text(reply.text, parse_mode=ParseMode.HTML,
                                      reply_markup=reply.keyboard)


async def page_button(update: Update, context: BotContext) -> None:
    """STUB: /decks pagination, filled in by the decks work."""
    return None
