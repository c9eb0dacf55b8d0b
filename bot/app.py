"""build_application(): the one place where handlers are registered and resources wired."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
from typing import Any

from telegram import BotCommand, Update
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.catalog import PersonalDecks, load_catalog
from bot.config import Settings
from bot.decks.loader import load_decks
from bot.decks.sync import sync_decks
from bot.demos import DemoRunner, LocalDemoRunner
from bot.jobs import deck_reload, memory_trim, pushes
from bot.store.db import Database
from bot.store.deck_sync_lock import sync_lock
from bot.store.migrate import upgrade_if_behind
from bot.telegram import (
    classes,
    deck_choice,
    deck_import,
    demos,
    disputes,
    export,
    fallbacks,
    fitting,
    render,
    settings,
    start,
    stats,
    study,
    throttle,
    unstorable,
)
from bot.telegram import pushes as push_buttons
from bot.telegram.aiohttp_request import AiohttpRequest
from bot.telegram.callback_data import (
    CancelDemo,
    CardAction,
    ChooseSetting,
    ConfirmDeleteDeck,
    ConfirmLeaveClass,
    ConfirmRemoveMember,
    DecideFit,
    DeckPage,
    DeleteDeck,
    DisputeGrade,
    JoinClass,
    LeaveClass,
    ListMembers,
    OpenSetting,
    Payload,
    PushButton,
    RateCard,
    RemoveMember,
    RetryDemo,
    RevokeLink,
    ShareDeck,
    ShowClass,
    ShowDemo,
    StudyNow,
    ToggleDeck,
    decode,
)
from bot.telegram.context import BotContext, BotState, Clock, TutorApp, utc_now
from bot.telegram.errors import on_error
from bot.telegram.learners import register_unless_studying, register_unregistered
from bot.wording import plural

log = logging.getLogger("tutorbot")


def _is(*kinds: type[Payload]) -> Any:
    """Callback pattern: route a button by its decoded payload type, not by string prefixes."""
    return lambda data: isinstance(decode(data), kinds)


def prepare_store(settings: Settings, db: Database, now_fn: Clock) -> BotState:
    """Migrate, sync decks and load the catalog; the deck parse happens before any write.

    On PostgreSQL an advisory lock makes instances that start together take turns, so two
    of them never run the same migration or insert the same cards at once.
    """
    decks = load_decks(settings.cards_dir)
    with sync_lock(db):
        upgrade_if_behind(db.url, db.engine)
        db.call(sync_decks, decks, now=now_fn())
    catalog = db.call(load_catalog, personal=PersonalDecks(settings.personal_cache_cards))
    return BotState(settings=settings, clock=now_fn, db=db, catalog=catalog)


def build_application(settings: Settings, *, clock: Clock = utc_now) -> TutorApp:
    if settings.telegram_bot_token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    async def post_init(app: TutorApp) -> None:
        state = app.bot_data
        db = Database(settings.effective_database_url)
        prepared = await asyncio.to_thread(prepare_store, settings, db, clock)
        state.db, state.catalog = prepared.db, prepared.catalog
        await app.bot.set_my_commands([BotCommand(n, d) for n, d in render.COMMANDS])
        state.schedule_changed = functools.partial(pushes.reschedule, app)
        await pushes.start(app)
        await deck_reload.start(app)
        await memory_trim.start(app)
        if settings.demo_workers > 0:
            # Warm workers now so a learner never waits for torch to import.
            runner: DemoRunner
            if settings.redis_url:
                # Redis and arq load only where the scale-out queue is in use.
                from bot.demos.queue_runner import RedisDemoRunner

                runner = RedisDemoRunner(settings.redis_url, job_timeout_s=settings.demo_timeout_s,
                                         queue_name=settings.demo_queue)
            else:
                runner = LocalDemoRunner(workers=settings.demo_workers,
                                         device=settings.demo_device,
                                         job_timeout_s=settings.demo_timeout_s)
            await runner.start()
            state.demos = runner
        # Last: what exists now (modules, the catalog, SQLAlchemy's and PTB's internals) lives
        # as long as the process. Frozen, it is skipped by the collector's full passes, which
        # hold the GIL while every update in flight waits: they then walk only what updates
        # made, a few ms instead of about 100 (bench/gc_pauses.py).
        gc.freeze()
        log.info("ready: %s in %s", plural(len(state.catalog.cards), "card"),
                 plural(len(state.catalog.deck_titles), "deck"))

    requests = (AiohttpRequest(connection_pool_size=64), AiohttpRequest(connection_pool_size=1))

    async def post_shutdown(app: TutorApp) -> None:
        # A process that builds another application (the tests, the playground) would never
        # free this one's frozen objects otherwise.
        gc.unfreeze()
        # PTB leaves the HTTP sessions open when initialize fails (a rejected token): close
        # them here, which PTB runs either way (a no-op after its own shutdown).
        for request in requests:
            await request.shutdown()
        await pushes.stop(app)
        await deck_reload.stop(app)
        await memory_trim.stop(app)
        if app.bot_data.demos is not None:
            await app.bot_data.demos.close()
        if app.bot_data.db is not None:
            app.bot_data.db.close()

    context_types = ContextTypes(context=BotContext, bot_data=BotState)
    builder = (
        ApplicationBuilder()
        .token(settings.telegram_bot_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_file_url)
        .context_types(context_types)
        # Every text the bot sends is HTML built from escaped parts (bot/telegram/render).
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .concurrent_updates(True)
        # aiohttp instead of PTB's default httpx: a quarter of the CPU per Bot API call.
        .request(requests[0])
        .get_updates_request(requests[1])
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    # Lifted only against an emulator, to measure the bot's own overhead.
    app: TutorApp = (builder.rate_limiter(AIORateLimiter(max_retries=3)).build()
                     if settings.telegram_rate_limit else builder.build())
    app.bot_data.settings = settings
    app.bot_data.clock = clock
    _register(app)
    return app


def _register(app: TutorApp) -> None:
    private = filters.ChatType.PRIVATE
    # Group -3 runs first: an id no BIGINT column holds cannot be a real Telegram id.
    app.add_handler(TypeHandler(Update, unstorable.drop), group=-3)
    # Group -2 runs next for every update: a chat that floods is answered politely and
    # stopped here, before it costs a database write.
    app.add_handler(TypeHandler(Update, throttle.check), group=-2)
    # Group -1 then registers the sender, unless the handler's first database call will
    # (group 1 does it when the handler made none): see bot/telegram/learners.py.
    app.add_handler(TypeHandler(Update, register_unless_studying), group=-1)
    app.add_handler(TypeHandler(Update, register_unregistered), group=1)
    handlers: list[Any] = [
        # Commands come first so "/skip" is never graded as an answer.
        CommandHandler("start", start.start, filters=private),
        CommandHandler("help", start.help_command, filters=private),
        CommandHandler("study", study.study_command, filters=private),
        CommandHandler("skip", study.skip_command, filters=private),
        CommandHandler("stop", study.stop_command, filters=private),
        CommandHandler("undo", study.undo_command, filters=private),
        CommandHandler("settings", settings.settings_command, filters=private),
        CommandHandler("export", export.export_command, filters=private),
        CommandHandler("decks", deck_choice.decks_command, filters=private),
        CommandHandler("stats", stats.stats_command, filters=private),
        CommandHandler("class", classes.class_command, filters=private),
        CommandHandler("lrfind", demos.lrfind_command, filters=private),
        CommandHandler("augment", demos.augment_command, filters=private),
        CommandHandler("demo", demos.demo_command, filters=private),
        CallbackQueryHandler(study.rate_button, pattern=_is(RateCard)),
        CallbackQueryHandler(study.study_now_button, pattern=_is(StudyNow)),
        CallbackQueryHandler(push_buttons.push_button, pattern=_is(PushButton)),
        CallbackQueryHandler(study.card_action_button, pattern=_is(CardAction)),
        CallbackQueryHandler(disputes.dispute_button, pattern=_is(DisputeGrade)),
        CallbackQueryHandler(settings.open_setting, pattern=_is(OpenSetting)),
        CallbackQueryHandler(settings.choose_setting, pattern=_is(ChooseSetting)),
        CallbackQueryHandler(fitting.decide_button, pattern=_is(DecideFit)),
        CallbackQueryHandler(deck_choice.toggle_button, pattern=_is(ToggleDeck)),
        CallbackQueryHandler(deck_choice.page_button, pattern=_is(DeckPage)),
        CallbackQueryHandler(deck_choice.delete_button, pattern=_is(DeleteDeck, ConfirmDeleteDeck)),
        CallbackQueryHandler(deck_choice.leave_button, pattern=_is(LeaveClass, ConfirmLeaveClass)),
        CallbackQueryHandler(classes.share_button, pattern=_is(ShareDeck)),
        CallbackQueryHandler(classes.revoke_button, pattern=_is(RevokeLink)),
        CallbackQueryHandler(classes.join_button, pattern=_is(JoinClass)),
        CallbackQueryHandler(classes.show_class_button, pattern=_is(ShowClass)),
        CallbackQueryHandler(classes.remove_button,
                             pattern=_is(ListMembers, RemoveMember, ConfirmRemoveMember)),
        CallbackQueryHandler(demos.show_me_button, pattern=_is(ShowDemo)),
        CallbackQueryHandler(demos.cancel_button, pattern=_is(CancelDemo)),
        CallbackQueryHandler(demos.retry_button, pattern=_is(RetryDemo)),
        # Anything else pressed: an expired or forged button.
        CallbackQueryHandler(fallbacks.unknown_button),
        MessageHandler(private & filters.COMMAND, fallbacks.unknown_command),
        MessageHandler(private & filters.TEXT & ~filters.UpdateType.EDITED, study.answer),
        MessageHandler(private & filters.LOCATION, settings.location),
        # Photos (or image files) captioned /augment; other photos get a hint.
        MessageHandler(private & (filters.PHOTO | filters.Document.IMAGE),
                       demos.photo_with_caption),
        # A CSV/TSV document becomes (or replaces) the learner's personal deck.
        MessageHandler(private & deck_import.DOCUMENTS, deck_import.import_document),
        MessageHandler(private & ~filters.UpdateType.EDITED & ~filters.StatusUpdate.ALL,
                       fallbacks.not_text),
        MessageHandler(filters.ChatType.GROUPS & filters.COMMAND, fallbacks.group_message),
    ]
    app.add_handlers(handlers)
    app.add_error_handler(on_error)


async def initialize(app: TutorApp) -> None:
    """What run_polling does before polling, for callers that drive the loop themselves
    (the playground, tests, benchmarks): PTB calls post_init only from run_*."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)


async def shutdown(app: TutorApp) -> None:
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
