"""The bots `bench/load.py` measures, each run in its own process by the driver.

    python bench/load_bots.py {polling,webhook,echo,echo-aiohttp,shape} --emu URL [--db URL]
        [--port N] [--secret S]

"polling"/"webhook": tutorbot itself. "echo"/"echo-aiohttp": the bare PTB echo bot, the
baseline. "shape": a bare PTB bot that holds tutorbot's study conversation and does none of
its work; its texts and keyboards come from the bot's own `render` and `keyboards` (the card
graded once at start-up), so they stay the bot's shape when the bot changes.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from harness import REPO, serve_polling_until_sigterm

ANSWER = "artificially enlarging the training set by transforming existing data"


@dataclass(frozen=True)
class _Graded:
    text: str
    suggested: Any
    disputes: tuple[Any, ...]
    note: str


def _study_replies() -> tuple[Any, _Graded]:
    """What tutorbot shows for the seed deck's first card and for ANSWER to it."""
    from bot import grading, study
    from bot.catalog import CatalogCard
    from bot.decks.loader import load_decks
    from bot.study import Question
    from bot.telegram import render

    deck = load_decks(REPO / "cards")[0]
    spec = deck.cards[0]
    card = CatalogCard(id=1, deck_id=1, key=spec.key, question=spec.question,
                             answer=spec.answer, keys=spec.keys, alts=spec.alts)
    question = render.question(Question(1, card, deck.title, is_new=True))
    grade = grading.grade(card, ANSWER)
    graded = render.graded(study.Graded(1, card, grade, truncated=False), offer_demo=False)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    note = render.rated_note("Good", now + timedelta(days=3), now)
    return question, _Graded(graded.text, grade.rating, render.dispute_claims(grade.label), note)


async def _serve(kind: str, emu_url: str, database_url: str, port: int, secret: str) -> None:
    from pydantic import SecretStr

    from bot.config import Settings

    token = "123456789:AAE" + "x" * 32
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    if kind in ("echo", "echo-aiohttp", "shape"):
        await _serve_bare(kind, token, emu_url, stop)
        return
    webhook = kind == "webhook"
    settings = Settings(
        telegram_bot_token=SecretStr(token),
        telegram_api_url=f"{emu_url}/bot", telegram_file_url=f"{emu_url}/file/bot",
        database_url=database_url, cards_dir=REPO / "cards", demo_workers=0,
        log_level="WARNING",
        webhook_url=f"http://127.0.0.1:{port}/telegram" if webhook else None,
        webhook_secret=SecretStr(secret) if webhook else None,
        webhook_listen=f"127.0.0.1:{port}",
        # Telegram's limits are lifted (no AIORateLimiter): this measures the bot, not them.
        telegram_rate_limit=False,
        # Learners here answer as fast as the bot replies, well past the per-chat flood
        # throttle (20 updates per 10 s); it would measure the throttle's notices instead.
        flood_limit=1_000_000,
    )
    from bot.app import build_application
    from bot.webserver import start_webhook, stop_webhook

    app = build_application(settings)
    if webhook:
        server = await start_webhook(app, settings)
        print("READY", flush=True)
        await stop.wait()
        await stop_webhook(app, server)
        return
    await serve_polling_until_sigterm(app)


async def _serve_bare(kind: str, token: str, emu_url: str, stop: asyncio.Event) -> None:
    """A bare PTB bot: no database, no grading, no rendering.

    "echo"/"echo-aiohttp": the issue's echo bot, one reply per message. "shape": the same
    Bot API calls per learner action as tutorbot's study loop (a text gets one HTML reply with
    the rating keyboard; a rating press gets a toast, an edit and the next card, sent
    together), with fixed texts of the same shape: the ceiling for a bot that holds this
    conversation through PTB, whatever its own work costs.
    """
    from telegram import Message, Update
    from telegram.constants import ParseMode
    from telegram.ext import (
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    from bot.telegram import keyboards, render

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    question, graded = _study_replies()

    async def reply(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        if (message.text or "").startswith("/"):
            await message.reply_text(question.text, parse_mode=ParseMode.HTML)
            return
        # The bot's own keyboard for this card, its prompt id varying as the bot's does.
        keyboard = keyboards.ratings(message.message_id, graded.suggested, None,
                                     graded.disputes)
        await message.reply_text(graded.text, parse_mode=ParseMode.HTML, reply_markup=keyboard)

    async def press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        message = query.message if query is not None else None
        assert query is not None and isinstance(message, Message)
        await asyncio.gather(
            query.answer("Saved"),
            query.edit_message_text(render.with_note(message.text_html, graded.note),
                                    parse_mode=ParseMode.HTML),
            message.reply_text(question.text, parse_mode=ParseMode.HTML))

    builder = (ApplicationBuilder().token(token).base_url(f"{emu_url}/bot")
               .base_file_url(f"{emu_url}/file/bot").concurrent_updates(True))
    if kind != "echo":
        # The same HTTP layer as the bot can run on, so the ratio compares the bot's own
        # work only; "echo" keeps httpx, PTB's default, the bare echo bot of the issue.
        from bot.telegram.aiohttp_request import AiohttpRequest

        builder = (builder.request(AiohttpRequest(connection_pool_size=64))
                   .get_updates_request(AiohttpRequest(connection_pool_size=1)))
    app = builder.build()
    if kind == "shape":
        app.add_handler(MessageHandler(filters.TEXT, reply))
        app.add_handler(CallbackQueryHandler(press))
    else:
        app.add_handler(MessageHandler(filters.TEXT, echo))
    await app.initialize()
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=10)
    print("READY", flush=True)
    await stop.wait()
    await app.updater.stop()
    await app.stop()
    await app.shutdown()



if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["polling", "webhook", "echo", "echo-aiohttp", "shape"])
    parser.add_argument("--emu", required=True)
    parser.add_argument("--db", default="")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--secret", default="")
    cli = parser.parse_args()
    asyncio.run(_serve(cli.kind, cli.emu, cli.db, cli.port, cli.secret))
