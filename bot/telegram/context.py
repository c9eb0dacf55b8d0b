"""Typed application state and callback context, instead of bot_data["x"] plus casts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import Application, CallbackContext, ExtBot

from bot import learners
from bot.catalog import Catalog
from bot.config import Settings
from bot.flood_window import FloodThrottle
from bot.store.db import Database, is_unreachable
from bot.store.session import Session

Clock = Callable[[], datetime]
P = ParamSpec("P")
T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class BotState:
    """Everything a handler may use, created in post_init and released in post_shutdown."""

    settings: Settings | None = None
    clock: Clock = utc_now
    db: Database | None = None
    catalog: Catalog = field(default_factory=Catalog)
    # The demo runner (bot.demos); None when demos are switched off (DEMO_WORKERS=0).
    demos: Any = None
    # The per-chat flood throttle, made on the first update (bot/telegram/throttle.py).
    throttle: FloodThrottle | None = None
    # Per-application state of the background jobs (bot.jobs: pushes.Pusher,
    # deck_reload.Reloader), made and typed by the jobs themselves on first use.
    pusher: Any = None
    reloader: Any = None
    # Set by app.py to the push job's reschedule: a handler that changes a learner's push
    # time, zone or pause calls this, never the job itself.
    schedule_changed: Callable[[int], Awaitable[None]] | None = None

    @property
    def config(self) -> Settings:
        if self.settings is None:
            raise RuntimeError("settings used before build_application set them")
        return self.settings

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("database used before post_init")
        return self.db


def sender_of(update: object) -> learners.Sender | None:
    """The learner behind a private-chat update; None for groups, channels and bots."""
    if not isinstance(update, Update):
        return None
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type != ChatType.PRIVATE or user.is_bot:
        return None
    return learners.Sender(telegram_id=user.id, chat_id=chat.id,
                           first_name=user.first_name or "")


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotState]):
    """One per update, shared by every handler group that sees it (PTB builds it once).

    It registers the update's sender (bot.learners.register) in the update's first unit of
    work, whichever handler runs it, so a study update costs one database session and commit
    instead of two; bot.telegram.learners registers senders whose update made none.
    """

    # The sender not yet registered in this update.
    sender: learners.Sender | None = None

    @classmethod
    def from_update(cls, update: object, application: Any) -> BotContext:
        context = super().from_update(update, application)
        context.sender = sender_of(update)
        return context

    @property
    def state(self) -> BotState:
        return self.bot_data

    async def run_db(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`Database.run` for an update's handlers, with the sender's registration."""
        return await self._registered(self.state.database.run, fn, args, kwargs)

    async def run_db_quick(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`run_db` on `Database.run_quick`, for the study loop's short units of work."""
        return await self._registered(self.state.database.run_quick, fn, args, kwargs)

    async def register_sender(self) -> None:
        """Register a sender whom no unit of work of this update has registered yet."""
        if self.sender is not None:
            await self._registered(self.state.database.run_quick, learners.nothing_else,
                                   (), {})

    async def _registered(
        self, runner: Callable[..., Awaitable[T]], fn: Callable[..., T],
        args: tuple[Any, ...], kwargs: dict[str, Any],
    ) -> T:
        sender = self.sender
        if sender is None:
            return await runner(fn, *args, **kwargs)
        self.sender = None
        try:
            return await runner(learners.registered_then, sender, self.state.clock(), fn,
                                args, kwargs)
        except Exception as error:
            # Rolled back with the work: group 1 registers the sender alone, unless the
            # database is out of reach (then that would fail the same way).
            if not is_unreachable(error):
                self.sender = sender
            raise


TutorApp = Application[
    ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], BotState, Any
]
