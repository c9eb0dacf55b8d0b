"""/decks: list decks with progress, page by page; switch them on or off; delete your own;
leave a class you joined (sharing your own is bot.telegram.classes)."""

from __future__ import annotations

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot.classes import leave_class, leaving
from bot.deck_choice import DeckProgress, deck_progress, paginate, toggle_deck
from bot.decks.personal import delete_personal_deck, owned_deck
from bot.telegram import keyboards, render
from bot.telegram.callback_data import (
    ConfirmDeleteDeck,
    ConfirmLeaveClass,
    DeckPage,
    DeleteDeck,
    LeaveClass,
    ToggleDeck,
    decode,
)
from bot.telegram.context import BotContext


async def _show(query: CallbackQuery, progress: list[DeckProgress], page: int,
                note: str | None = None) -> None:
    listing = paginate(progress, page)
    if listing.moved and note is None:
        note = render.deck_page_moved()
    reply = render.decks(listing, note)
    if not isinstance(query.message, Message):
        return  # too old for Telegram to hand us the message; nothing to edit
    if _shows(query.message, reply):
        return  # the page on screen was pressed: Telegram refuses an edit that changes nothing
    try:
        await query.edit_message_text(reply.text, reply_markup=reply.keyboard)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():  # two presses of one page raced
            raise


def _shows(message: Message, reply: render.Reply) -> bool:
    """Whether the message already shows this reply (its text and buttons)."""
    return (message.text == render.visible_text(reply.text).strip()
            and message.reply_markup == reply.keyboard)


async def decks_command(update: Update, context: BotContext) -> None:
    """List the decks with progress and toggle buttons, first page."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    progress = await context.run_db(deck_progress, telegram_id=user.id,
                                    catalog=context.state.catalog)
    reply = render.decks(paginate(progress, 0))
    await message.reply_text(reply.text, reply_markup=reply.keyboard)


async def toggle_button(update: Update, context: BotContext) -> None:
    """Switch the pressed deck on or off and refresh the same page in place."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    assert isinstance(payload, ToggleDeck)
    progress = await context.run_db(
        toggle_deck, telegram_id=update.effective_user.id, deck_id=payload.deck_id,
        catalog=context.state.catalog,
    )
    if progress is None:
        await query.answer(render.stale_button())
        return
    await query.answer("Saved")
    await _show(query, progress, payload.page)


async def page_button(update: Update, context: BotContext) -> None:
    """Show the requested page of /decks (the last one if the list has shrunk)."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    assert isinstance(payload, DeckPage)
    progress = await context.run_db(
        deck_progress, telegram_id=update.effective_user.id, catalog=context.state.catalog)
    await query.answer()
    await _show(query, progress, payload.page)


async def delete_button(update: Update, context: BotContext) -> None:
    """Ask before deleting a personal deck; on the confirmation, delete it."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    assert isinstance(payload, DeleteDeck | ConfirmDeleteDeck)
    user_id = update.effective_user.id
    state = context.state
    if isinstance(payload, DeleteDeck):
        deck = await context.run_db(owned_deck, telegram_id=user_id,
                                    deck_id=payload.deck_id)
        if deck is None:
            await query.answer(render.stale_button())
            return
        await query.answer()
        reply = render.delete_deck_confirm(
            deck.title, deck.cards, keyboards.confirm_delete(deck.deck_id, payload.page))
        if isinstance(query.message, Message):
            await query.edit_message_text(reply.text, reply_markup=reply.keyboard)
        return
    deleted = await context.run_db(delete_personal_deck, telegram_id=user_id,
                                   deck_id=payload.deck_id)
    if deleted is None:
        await query.answer(render.stale_button())
        return
    await query.answer("Deleted")
    progress = await context.run_db(deck_progress, telegram_id=user_id,
                                    catalog=state.catalog)
    await _show(query, progress, payload.page, render.deck_deleted_note(deleted.title))


async def leave_button(update: Update, context: BotContext) -> None:
    """Ask before leaving a class; on the confirmation, leave it and its history."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    assert isinstance(payload, LeaveClass | ConfirmLeaveClass)
    user_id = update.effective_user.id
    if isinstance(payload, LeaveClass):
        found = await context.run_db(leaving, telegram_id=user_id, deck_id=payload.deck_id)
        if found is None:
            await query.answer(render.stale_button())
            return
        await query.answer()
        reply = render.leave_confirm(found.title, found.reviews,
                                     keyboards.confirm_leave(found.deck_id, payload.page))
        if isinstance(query.message, Message):
            await query.edit_message_text(reply.text, reply_markup=reply.keyboard)
        return
    left = await context.run_db(leave_class, telegram_id=user_id, deck_id=payload.deck_id)
    if left is None:
        await query.answer(render.stale_button())
        return
    await query.answer("Left")
    progress = await context.run_db(deck_progress, telegram_id=user_id,
                                    catalog=context.state.catalog)
    await _show(query, progress, payload.page, render.left_class_note(left.title))
