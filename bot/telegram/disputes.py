"""The dispute buttons under a graded answer: "I was right" / "I was wrong"."""

from __future__ import annotations

import contextlib

from telegram import Message, Update
from telegram.error import BadRequest

from bot import disputes
from bot.telegram import keyboards, render
from bot.telegram.callback_data import DisputeGrade, decode
from bot.telegram.context import BotContext


async def dispute_button(update: Update, context: BotContext) -> None:
    """Store the learner's dispute once and take the dispute buttons away; ratings stay."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    if not isinstance(payload, DisputeGrade):
        await query.answer(render.stale_button())
        return
    result = await context.run_db_quick(
        disputes.dispute_grade, telegram_id=update.effective_user.id,
        prompt_id=payload.prompt_id, claim=payload.claim, now=context.state.clock(),
    )
    if isinstance(result, disputes.NotDisputable):
        await query.answer(render.stale_button())
        return
    if isinstance(result, disputes.AlreadyDisputed):
        await query.answer(render.dispute_already_noted())
    else:
        await query.answer(render.dispute_noted(result.claim), show_alert=False)
    message = query.message
    if isinstance(message, Message) and message.reply_markup is not None:
        # "Not modified" (a second press raced the first) or "not found" changes nothing.
        with contextlib.suppress(BadRequest):
            await query.edit_message_reply_markup(
                keyboards.without_disputes(message.reply_markup))
