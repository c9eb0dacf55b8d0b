"""Run the bot for real: long polling by default, a webhook server when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update
from telegram.error import InvalidToken

from bot.app import build_application, shutdown
from bot.config import Settings
from bot.webserver import start_webhook, stop_webhook

log = logging.getLogger(__name__)


class _ReportedByTheCli(logging.Filter):
    """Drop PTB's traceback for a rejected token: `tutorbot run` says it in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], InvalidToken))


def run_bot(settings: Settings) -> None:
    logging.getLogger("telegram.ext").addFilter(_ReportedByTheCli())
    if settings.webhook_url:
        asyncio.run(serve_webhook(settings))
    else:
        build_application(settings).run_polling(allowed_updates=Update.ALL_TYPES)


async def serve_webhook(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Webhook mode until SIGTERM/SIGINT (or `stop` is set): PTB's custom-webhook pattern."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        # Not on the main thread (tests) or not on Unix: the caller sets `stop` instead.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    app = build_application(settings)
    try:
        server = await start_webhook(app, settings)
    except BaseException:
        # A rejected token or an unreachable Telegram: release what initialize opened.
        await shutdown(app)
        raise
    try:
        await stop.wait()
    finally:
        log.info("stopping: finishing queued updates")
        await stop_webhook(app, server)
