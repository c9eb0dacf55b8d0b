"""The study loop: /study, answers, rating buttons, /skip, /stop, /undo."""

from __future__ import annotations

import asyncio
import contextlib

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot import study
from bot.telegram import render
from bot.telegram.callback_data import CardAction, RateCard, decode
from bot.telegram.context import BotContext
from bot.telegram.keyboards import RATING_NAMES


async def _send_next(message: Message, result: study.Question | study.NothingDue) -> None:
    reply = (render.question(result) if isinstance(result, study.Question)
             else render.nothing_due(result))
    await message.reply_text(reply.text, reply_markup=reply.keyboard)


async def study_command(update: Update, context: BotContext) -> None:
    """Show the next due card."""
    assert update.effective_message is not None and update.effective_user is not None
    state = context.state
    result = await context.run_db_quick(
        study.next_card, telegram_id=update.effective_user.id, catalog=state.catalog,
        now=state.clock(),
    )
    await _send_next(update.effective_message, result)


async def answer(update: Update, context: BotContext) -> None:
    """Grade a typed answer to the open card."""
    message = update.effective_message
    assert message is not None and update.effective_user is not None
    text = (message.text or "").strip()
    if not text:
        reply = render.empty_answer()
        await message.reply_text(reply.text)
        return
    state = context.state
    result = await context.run_db_quick(
        study.submit_answer, telegram_id=update.effective_user.id, text=text,
        catalog=state.catalog, now=state.clock(),
    )
    if isinstance(result, study.NoOpenCard):
        reply = render.no_open_card()
    else:
        reply = render.graded(result, offer_demo=state.demos is not None)
    await message.reply_text(reply.text, reply_markup=reply.keyboard)


async def rate_button(update: Update, context: BotContext) -> None:
    """Record the pressed rating once, then show the next card."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    if not isinstance(payload, RateCard):
        # PTB skips the pattern check for presses without data; they land here first.
        await query.answer(render.stale_button())
        return
    state = context.state
    now = state.clock()
    result = await context.run_db_quick(
        study.rate, telegram_id=update.effective_user.id, prompt_id=payload.prompt_id,
        rating=payload.rating, catalog=state.catalog, now=now, fuzzing=state.config.fsrs_fuzzing,
    )
    # Quietly: a press redelivered after a restart may be too old to answer.
    if isinstance(result, study.AlreadyRated):
        await _answer_quietly(query, render.already_rated())
        return
    if isinstance(result, study.StaleButton):
        await _answer_quietly(query, render.stale_button())
        return
    note = render.rated_note(RATING_NAMES[result.rating], result.next_due, now)
    message = query.message
    if not isinstance(message, Message):
        await query.answer("Saved")
        return

    async def show_outcome() -> None:
        # Replace the buttons by the outcome so the chat shows what was recorded. "Not
        # modified" or "not found" must not stop the next card: the review is stored.
        with contextlib.suppress(BadRequest):
            await query.edit_message_text(render.with_note(message.text_html or "", note))

    async def go_on() -> None:
        if result.leech:
            await message.reply_text(render.leech())
        await _send_next(message, result.next)

    # The three calls are independent, so they travel together: the next card arrives one
    # round trip after the press instead of three. A press answered too late ("query is too
    # old", after a restart) still gets its outcome and the next card.
    await asyncio.gather(_answer_quietly(query, "Saved"), show_outcome(), go_on())


async def _answer_quietly(query: CallbackQuery, text: str) -> None:
    with contextlib.suppress(BadRequest):
        await query.answer(text)


async def study_now_button(update: Update, context: BotContext) -> None:
    """Start a session from a reminder's button."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    await query.answer()
    state = context.state
    result = await context.run_db_quick(
        study.next_card, telegram_id=update.effective_user.id, catalog=state.catalog,
        now=state.clock(),
    )
    if isinstance(query.message, Message):
        await _send_next(query.message, result)


async def skip_command(update: Update, context: BotContext) -> None:
    """Skip the open card and show the next one."""
    assert update.effective_message is not None and update.effective_user is not None
    state = context.state
    result = await context.run_db_quick(
        study.skip, telegram_id=update.effective_user.id, catalog=state.catalog, now=state.clock()
    )
    await update.effective_message.reply_text(render.skipped())
    await _send_next(update.effective_message, result)


async def stop_command(update: Update, context: BotContext) -> None:
    """End the session, keeping progress."""
    assert update.effective_message is not None and update.effective_user is not None
    had = await context.run_db_quick(
        study.close_prompt, telegram_id=update.effective_user.id, outcome="stopped",
        now=context.state.clock(),
    )
    reply = render.stopped(had)
    await update.effective_message.reply_text(reply.text)


async def undo_command(update: Update, context: BotContext) -> None:
    """Revert the last review."""
    assert update.effective_message is not None and update.effective_user is not None
    result = await context.run_db(
        study.undo, telegram_id=update.effective_user.id, catalog=context.state.catalog
    )
    reply = (render.nothing_to_undo() if result is None
             else render.undone(result.card.question, RATING_NAMES[result.rating],
                                card_open=result.card_open))
    await update.effective_message.reply_text(reply.text)


async def card_action_button(update: Update, context: BotContext) -> None:
    """Suspend or bury the card, then show the next one."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    assert isinstance(payload, CardAction)
    state = context.state
    result = await context.run_db(
        study.set_card_aside, telegram_id=update.effective_user.id,
        prompt_id=payload.prompt_id, action=payload.action, catalog=state.catalog,
        now=state.clock(),
    )
    if isinstance(result, study.StaleButton):
        await query.answer(render.stale_button())
        return
    if isinstance(result, study.AlreadyDone):
        await query.answer(render.already_set_aside(payload.action))
        return
    await query.answer("Done")
    if isinstance(query.message, Message):
        body = query.message.text_html or ""
        note = render.card_set_aside(result.action)
        await query.edit_message_text(render.with_note(body, note))
        await _send_next(query.message, result.next)
