"""/settings → "Personalise schedule": fit FSRS parameters in a worker, then let the learner
choose.

The button handler gathers the log and queues the job, so the chat stays responsive; a
background task edits one status message with progress, then sends the comparison with
"Use them" / "Keep" buttons. The job goes to the demo runner directly, not through the demo
commands, so it never counts against the learner's demo quota; the runner's one-job-per-
learner rule is what makes a double press harmless.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import Message, Update
from telegram.error import BadRequest

from bot import fitting
from bot.demos import DemoBusy, DemoError, DemoKind, DemoRequest
from bot.demos.args import encode_fit_args
from bot.demos.types import FitReport
from bot.fitting import Decision, FitRefused
from bot.telegram import render
from bot.telegram.callback_data import DecideFit, FitAction, decode
from bot.telegram.context import BotContext
from bot.telegram.progress import status_progress

log = logging.getLogger(__name__)


async def start_fit(update: Update, context: BotContext) -> None:
    """Queue the learner's fit, or say why it cannot run yet."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    chat_id = query.message.chat.id if query.message is not None else user.id
    runner = context.state.demos
    if runner is not None and runner.queue_position(user.id) is not None:
        await query.answer(render.fit_busy().text)
        return
    await query.answer()
    needed = context.state.config.fsrs_fit_min_reviews
    try:
        reviews = await context.run_db(fitting.gather_reviews, telegram_id=user.id,
                                       min_reviews=needed)
    except FitRefused as exc:
        await context.bot.send_message(chat_id, render.fit_needs_reviews(exc.reviews,
                                                                         exc.needed).text)
        return
    if runner is None:
        await context.bot.send_message(chat_id, render.fit_unavailable().text)
        return
    request = DemoRequest(DemoKind.FSRS_FIT, (encode_fit_args(reviews),))
    status = await context.bot.send_message(
        chat_id, render.demo_status(DemoKind.FSRS_FIT, 0.0, "starting").text)
    context.application.create_task(_run(context, chat_id, user.id, request, status),
                                    update=update, name=f"fsrs-fit-{user.id}")


async def _run(context: BotContext, chat_id: int, owner: int, request: DemoRequest,
               status: Message) -> None:
    runner = context.state.demos
    progress = status_progress(status, DemoKind.FSRS_FIT)

    try:
        result = await runner.submit(request, owner=owner, on_progress=progress)
    except DemoBusy:  # a demo or fit of this learner started first, maybe on another instance
        await _finish(status, render.fit_busy())
        return
    except DemoError as exc:
        log.warning("fsrs fit failed for a learner: %s", type(exc).__name__)
        await _finish(status, render.fit_failed())
        return
    report = result.fit
    if report is None:  # a worker that does not know the job kind answered
        await _finish(status, render.fit_failed())
        return
    await _finish(status, render.demo_done(result.elapsed_s))
    await _offer(context, chat_id, owner, report, result.png)


async def _offer(context: BotContext, chat_id: int, owner: int, report: FitReport,
                 png: bytes) -> None:
    """Keep the fit as a proposal and show it with its buttons."""
    if report.parameters is None:
        await context.bot.send_message(chat_id, render.fit_too_few_spaced(
            report.spaced_reviews).text)
        return
    proposal = await context.run_db(fitting.propose, telegram_id=owner,
                                    parameters=report.parameters,
                                    now=context.state.clock())
    if proposal is None:
        return
    reply = render.fit_result(report, proposal.tag, personal=proposal.personal)
    if png:
        await context.bot.send_photo(chat_id, png, caption=reply.text,
                                     reply_markup=reply.keyboard)
    else:
        await context.bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard)


async def _finish(status: Message, reply: render.Reply) -> None:
    try:
        await status.edit_text(reply.text)
    except BadRequest:
        await status.reply_text(reply.text)


async def decide_button(update: Update, context: BotContext) -> None:
    """Apply "Use them", "Keep" or "Reset to defaults"; stale and repeated presses are told so."""
    query, user = update.callback_query, update.effective_user
    assert query is not None and user is not None
    payload = decode(query.data)
    assert isinstance(payload, DecideFit)
    action, tag = payload.action, payload.tag
    db = context.state.database
    if action is FitAction.RESET and not tag:
        if not await db.run(fitting.reset, telegram_id=user.id):
            await query.answer(render.fit_already_default())
            return
        reply = render.fit_reset()
    elif action is FitAction.USE and len(tag) == 3:
        decision = await db.run(fitting.accept, telegram_id=user.id, tag=tag)
        if decision is not Decision.DONE:
            await query.answer(render.fit_already_used() if decision is Decision.ALREADY
                               else render.fit_stale())
            return
        reply = render.fit_accepted()
    elif action is FitAction.KEEP and len(tag) == 3:
        personal = await db.run(fitting.uses_personal, telegram_id=user.id)
        if not await db.run(fitting.discard, telegram_id=user.id, tag=tag):
            await query.answer(render.fit_stale())
            return
        reply = render.fit_kept(personal)
    else:
        await query.answer(render.stale_button())
        return
    await query.answer()
    if action is not FitAction.RESET:
        with contextlib.suppress(BadRequest):  # decided: the fit's buttons have done their job
            await query.edit_message_reply_markup(None)
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, reply.text)
