"""Run the bot for real: long polling by default, a webhook server when WEBHOOK_URL is set."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update

from bot.app import build_application
from bot.config import Settings
from bot.webserver import start_webhook, stop_webhook

log = logging.getLogger(__name__)


def run_bot(settings: Settings) -> None:
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
    server = await start_webhook(app, settings)
    try:
        await stop.wait()
    finally:
        log.info("stopping: finishing queued updates")
        await stop_webhook(app, server)
