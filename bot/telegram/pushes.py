"""The buttons under a quiz push: ⏭ Skip, 💤 Later (1 h, this evening, tomorrow), ⏸ Pause."""

from __future__ import annotations

import contextlib

from telegram import CallbackQuery, Message, Update
from telegram.error import BadRequest

from bot import study
from bot.pushes import buttons
from bot.pushes.rules import Snooze
from bot.telegram import keyboards, render
from bot.telegram.callback_data import PushButton, decode
from bot.telegram.context import BotContext


async def push_button(update: Update, context: BotContext) -> None:
    """Skip, snooze or pause from a push, then say what happened under it."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    if not isinstance(payload, PushButton):
        await query.answer(render.stale_button())
        return
    state = context.state
    user_id, now = update.effective_user.id, state.clock()
    message = query.message if isinstance(query.message, Message) else None
    if payload.action == "pause":
        await context.run_db(buttons.pause, telegram_id=user_id)
        await query.answer("Paused")
        await _close(query, message, render.push_paused())
        return
    if payload.action == "later":
        choices = await context.run_db(buttons.later, telegram_id=user_id,
                                       prompt_id=payload.prompt_id, now=now)
        if isinstance(choices, buttons.Stale):
            await query.answer(render.push_button_stale())
            return
        await query.answer(render.push_snooze_choices())
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(
                keyboards.snooze_choices(payload.prompt_id, choices.choices))
        return
    if payload.action == "skip":
        following = await context.run_db(buttons.skip, telegram_id=user_id,
                                         prompt_id=payload.prompt_id, catalog=state.catalog,
                                         now=now)
        if isinstance(following, buttons.Stale):
            await query.answer(render.push_button_stale())
            return
        await query.answer("Skipped")
        await _close(query, message, render.skipped())
        if message is not None:
            reply = (render.question(following) if isinstance(following, study.Question)
                     else render.nothing_due(following))
            await message.reply_text(reply.text, reply_markup=reply.keyboard)
        return
    snoozed = await context.run_db(buttons.snooze, telegram_id=user_id,
                                   prompt_id=payload.prompt_id, choice=Snooze(payload.action),
                                   now=now)
    if isinstance(snoozed, buttons.Stale):
        await query.answer(render.push_button_stale())
        return
    await query.answer("Snoozed")
    note = (render.push_snoozed_tomorrow(snoozed.until, snoozed.tz)
            if snoozed.choice is Snooze.TOMORROW
            else render.push_snoozed(snoozed.until, snoozed.tz))
    await _close(query, message, note)


async def _close(query: CallbackQuery, message: Message | None, note: str) -> None:
    """The push keeps its text, loses its buttons and gains a line saying what was done."""
    if message is None:
        return
    with contextlib.suppress(BadRequest):
        await query.edit_message_text(render.with_note(message.text_html or "", note))
