"""/stats: a short text summary at once, then the chart drawn by a demo worker."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatAction

from bot.demos import DemoError, DemoKind, DemoRequest
from bot.stats import chart_payload, learner_stats
from bot.telegram import render
from bot.telegram.context import BotContext

log = logging.getLogger(__name__)


async def stats_command(update: Update, context: BotContext) -> None:
    """Summarise streak, retention and the due forecast, then send the chart."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    stats = await context.run_db(learner_stats, telegram_id=user.id,
                                 now=context.state.clock())
    if stats is None:
        return
    reply = render.stats_text(stats)
    await message.reply_text(reply.text)
    runner = context.state.demos
    if runner is None or runner.queue_position(user.id) is not None:
        return  # no workers, or a demo is running: the text summary stands on its own

    async def draw() -> None:
        await context.bot.send_chat_action(message.chat_id, ChatAction.UPLOAD_PHOTO)
        request = DemoRequest(DemoKind.STATS, (chart_payload(stats),))
        try:
            result = await runner.submit(request, owner=user.id)
        except DemoError as exc:
            log.warning("stats chart failed: %s", type(exc).__name__)
            return
        await message.reply_photo(result.png, caption=render.demo_caption(result.caption))

    context.application.create_task(draw(), update=update, name=f"stats-{user.id}")
