"""Demo commands and buttons: /lrfind, /augment, /demo, "Show me", Cancel and Retry.

The handler only queues the job and returns, so the chat stays responsive; a background task
edits one status message with progress and then sends the picture. Whatever happens to the
job, that task leaves the status message with its outcome (never a dead Cancel button), and a
demo that could not run (a refused picture, workers or Redis down, a crash) is refunded from
the learner's quota.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telegram import Message, Update
from telegram.constants import ChatAction
from telegram.error import BadRequest, TelegramError

from bot import demos
from bot.demo_quota import DemoAllowed, NoLearner, claim_demo, refund_demo
from bot.demos import DemoError, DemoKind, DemoRequest, DemoUsageError
from bot.study import prompt_card
from bot.telegram import keyboards, render
from bot.telegram.callback_data import RetryDemo, ShowDemo, decode
from bot.telegram.context import BotContext
from bot.telegram.downloads import download_at_most
from bot.telegram.progress import status_progress

log = logging.getLogger(__name__)


def _image_from(message: Message) -> tuple[str, int | None] | None:
    """The best file of a photo (or an image document) on this message, with its size."""
    if message.photo:
        largest = message.photo[-1]
        return largest.file_id, largest.file_size
    if message.document is not None:
        return message.document.file_id, message.document.file_size
    return None


async def _download(context: BotContext, message: Message) -> bytes | None:
    """Fetch the learner's picture, refusing oversized files before downloading them."""
    source = _image_from(message)
    if source is None and message.reply_to_message is not None:
        source = _image_from(message.reply_to_message)
    if source is None:
        return None
    file_id, size = source
    if size is not None and size > demos.args.MAX_IMAGE_BYTES:
        raise demos.DemoInputError(render.image_too_large(demos.args.MAX_IMAGE_BYTES))
    telegram_file = await context.bot.get_file(file_id)
    # file_size is optional (a local Bot API server leaves it out): the download stops at the
    # limit rather than fetching a file the worker would refuse anyway.
    data = await download_at_most(telegram_file, demos.args.MAX_IMAGE_BYTES)
    if data is None:
        raise demos.DemoInputError(render.image_too_large(demos.args.MAX_IMAGE_BYTES))
    demos.check_image_bytes(data)
    return data


async def _start_demo(update: Update, context: BotContext, request: DemoRequest) -> None:
    """Validate, queue and hand the job to a background task."""
    chat = update.effective_chat
    user = update.effective_user
    if chat is None or user is None:  # a forged press on no message: nowhere to reply
        return
    runner = context.state.demos
    if runner is None:
        await context.bot.send_message(chat.id, render.demos_off().text)
        return
    try:
        demos.validate_request(request)
    except DemoError as exc:
        await context.bot.send_message(chat.id, render.demo_problem(str(exc)).text)
        return
    position = runner.queue_position(user.id)
    if position is not None:
        reply = render.demo_busy(position)
        await context.bot.send_message(chat.id, reply.text)
        return
    allowed = await _within_quota(context, chat.id, user.id, request.kind)
    if allowed is None:
        return
    status = await context.bot.send_message(chat.id, render.demo_status(request.kind, 0.0,
                                            "starting").text,
                                            reply_markup=keyboards.cancel_demo())
    context.application.create_task(
        _run(context, chat.id, user.id, request, status, allowed.use_id), update=update,
        name=f"demo-{user.id}",
    )


async def _within_quota(context: BotContext, chat_id: int, user_id: int,
                        kind: DemoKind) -> DemoAllowed | None:
    """Count this demo against the learner's quota; say when the next one is possible if not."""
    if kind == DemoKind.STATS:  # /stats charts are part of studying, not a demo request
        return DemoAllowed(used=0)
    config, now = context.state.config, context.state.clock()
    claim = await context.run_db(
        claim_demo, telegram_id=user_id, kind=kind.value, now=now, limit=config.demo_quota,
        window_s=config.demo_quota_window_s,
    )
    if isinstance(claim, DemoAllowed):
        return claim
    reply = (render.private_only() if isinstance(claim, NoLearner) else
             render.demo_quota_reached(claim.limit, claim.window_s, claim.next_at, now, claim.tz))
    await context.bot.send_message(chat_id, reply.text)
    return None


async def _refund(context: BotContext, use_id: int | None) -> None:
    """Give the learner their demo back, before the reply says so; never raises (the reply
    matters more)."""
    if use_id is None:
        return
    try:
        await context.state.database.run(refund_demo, use_id=use_id)
    except Exception:
        log.warning("could not refund demo use %s", use_id, exc_info=True)


async def _run(context: BotContext, chat_id: int, owner: int, request: DemoRequest,
               status: Message, use_id: int | None) -> None:
    runner = context.state.demos
    progress = status_progress(status, request.kind, keyboards.cancel_demo())

    # Submitted before anything else is awaited, so the runner knows this learner's job at
    # once: a second request arriving meanwhile is told "already running" instead of racing.
    submission = asyncio.ensure_future(runner.submit(request, owner=owner,
                                                     on_progress=progress))
    with contextlib.suppress(TelegramError):  # the "sending a photo" hint is cosmetic
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
    position = runner.queue_position(owner)
    try:
        if position:
            await status.edit_text(render.demo_queued(position).text,
                                   reply_markup=keyboards.cancel_demo())
        result = await submission
    except demos.DemoCancelled:
        await _finish(status, render.demo_cancelled())
        return
    except demos.DemoBusy:  # a demo of this learner runs on another bot instance
        await _refund(context, use_id)
        await _finish(status, render.demo_busy(0))
        return
    except (DemoUsageError, demos.DemoInputError) as exc:
        # The worker's own reason ("too many pixels", "could not be read"): nothing ran.
        await _refund(context, use_id)
        await _finish(status, render.demo_problem(str(exc)))
        return
    except demos.DemoUnavailable as exc:
        log.warning("demo %s not run: %s", request.kind, exc)
        await _refund(context, use_id)
        await _finish(status, render.demos_unavailable())
        return
    except demos.DemoTimeout:
        log.warning("demo %s ran past its time limit", request.kind)
        await _finish(status, render.demo_failed(request))
        return
    except DemoError as exc:
        log.warning("demo %s failed for a learner: %s: %s", request.kind, type(exc).__name__, exc)
        await _refund(context, use_id)
        await _finish(status, render.demo_failed(request))
        return
    except Exception:
        # A fault the runner did not foresee: say so on the status message rather than leave
        # it "starting" with a Cancel button that can no longer cancel anything.
        log.exception("demo %s failed unexpectedly", request.kind)
        await _refund(context, use_id)
        await _finish(status, render.demo_failed(request))
        return
    caption = render.demo_caption(result.caption)
    await context.bot.send_photo(chat_id, result.png, caption=caption)
    await _finish(status, render.demo_done(result.elapsed_s))


async def _finish(status: Message, reply: render.Reply) -> None:
    try:
        await status.edit_text(reply.text, reply_markup=reply.keyboard)
    except BadRequest:
        await status.reply_text(reply.text, reply_markup=reply.keyboard)
    except TelegramError:
        log.warning("could not show a demo's outcome", exc_info=True)


def _args(context: BotContext) -> tuple[str, ...]:
    return tuple(arg[:40] for arg in (context.args or [])[:8])


async def lrfind_command(update: Update, context: BotContext) -> None:
    """Run a learning-rate range test."""
    await _start_demo(update, context, DemoRequest(DemoKind.LRFIND, _args(context),
                                                   device=context.state.config.demo_device))


async def augment_command(update: Update, context: BotContext) -> None:
    """Show augmentations of a built-in image, or of the photo sent or replied to."""
    message = update.effective_message
    assert message is not None
    try:
        image = await _download(context, message)
    except DemoError as exc:
        await message.reply_text(render.demo_problem(str(exc)).text)
        return
    # With a photo only a seed means anything; a picture name would be ignored.
    args = tuple(a for a in _args(context) if a.isdigit()) if image is not None else _args(context)
    await _start_demo(update, context, DemoRequest(DemoKind.AUGMENT, args, image=image,
                                                   device=context.state.config.demo_device))


async def photo_with_caption(update: Update, context: BotContext) -> None:
    """Treat a photo captioned /augment as an augment request; explain otherwise."""
    message = update.effective_message
    assert message is not None
    caption = (message.caption or "").strip().lower()
    if caption.startswith("/augment"):
        context.args = caption.split()[1:]
        await augment_command(update, context)
        return
    await message.reply_text(render.photo_hint().text)


async def demo_command(update: Update, context: BotContext) -> None:
    """Run any demo by name: /demo softmax 0.5 1 3."""
    message = update.effective_message
    assert message is not None
    args = _args(context)
    if not args:
        await message.reply_text(render.demo_list().text)
        return
    try:
        kind = demos.resolve_kind(args[0])
    except DemoUsageError as exc:
        await message.reply_text(render.demo_problem(str(exc)).text)
        return
    if kind == DemoKind.AUGMENT:
        context.args = list(args[1:])
        await augment_command(update, context)
        return
    await _start_demo(update, context, DemoRequest(kind, args[1:],
                                                   device=context.state.config.demo_device))


async def show_me_button(update: Update, context: BotContext) -> None:
    """Run the demo tied to the graded card."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    payload = decode(query.data)
    assert isinstance(payload, ShowDemo)
    card = await context.run_db(
        prompt_card, telegram_id=update.effective_user.id, prompt_id=payload.prompt_id,
        catalog=context.state.catalog,
    )
    if card is None or card.demo is None:
        await query.answer(render.stale_button())
        return
    try:
        kind = demos.resolve_kind(card.demo)
    except DemoUsageError:
        await query.answer(render.stale_button())
        return
    await query.answer()
    request = DemoRequest(kind, (), device=context.state.config.demo_device, card=card.question)
    await _start_demo(update, context, request)


async def cancel_button(update: Update, context: BotContext) -> None:
    """Cancel the learner's running or queued demo."""
    query = update.callback_query
    assert query is not None and update.effective_user is not None
    runner = context.state.demos
    try:
        cancelled = runner is not None and await runner.cancel(update.effective_user.id)
    except demos.DemoUnavailable:
        await query.answer(render.demos_unavailable_short())
        return
    await query.answer("Cancelling…" if cancelled else "Nothing to cancel.")


async def retry_button(update: Update, context: BotContext) -> None:
    """Run a failed demo again with the same arguments."""
    query = update.callback_query
    assert query is not None
    payload = decode(query.data)
    assert isinstance(payload, RetryDemo)
    await query.answer()
    await _start_demo(update, context, DemoRequest(payload.kind, payload.args,
                                                   device=context.state.config.demo_device))
