"""Run the bot for real: long polling by default, a webhook server when WEBHOOK_URL is set."""

from __future__ import annotations

from telegram import Update

from bot.app import build_application
from bot.config import Settings


def run_bot(settings: Settings) -> None:
    app = build_application(settings)
    if settings.webhook_url:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        app.run_webhook(
            listen=settings.listen_host, port=settings.listen_port,
            webhook_url=settings.webhook_url, secret_token=secret,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
