"""Typed application state and callback context, instead of bot_data["x"] plus casts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from telegram.ext import Application, CallbackContext, ExtBot

from bot.catalog import Catalog
from bot.config import Settings
from bot.flood_window import FloodThrottle
from bot.store.db import Database
from bot.store.session import Session
from bot.study import ensure_learner

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


@dataclass(frozen=True, slots=True)
class Registration:
    """The sender of a private-chat update, to be written before anything else of theirs."""

    telegram_id: int
    chat_id: int
    first_name: str
    now: datetime

    def register(self, session: Session) -> None:
        ensure_learner(session, telegram_id=self.telegram_id, chat_id=self.chat_id,
                       first_name=self.first_name, now=self.now)


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotState]):
    """One per update, shared by every handler group that sees it (PTB builds it once)."""

    # Set by bot.telegram.learners in group -1 and taken by the first database call.
    registration: Registration | None = None

    @property
    def state(self) -> BotState:
        return self.bot_data

    async def run_db(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`Database.run` for an update's handlers: the sender's registration (see
        bot.telegram.learners) rides along in the same session and commit, so a study update
        costs one database session and commit instead of two."""
        return await self._with_registration(self.state.database.run, fn, args, kwargs)

    async def run_db_quick(
        self, fn: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """`run_db` on `Database.run_quick`, for the study loop's short units of work."""
        return await self._with_registration(self.state.database.run_quick, fn, args, kwargs)

    async def _with_registration(
        self, runner: Callable[..., Awaitable[T]], fn: Callable[..., T],
        args: tuple[Any, ...], kwargs: dict[str, Any],
    ) -> T:
        registration, self.registration = self.registration, None
        if registration is None:
            return await runner(fn, *args, **kwargs)
        return await runner(_registered_then, registration, fn, args, kwargs)


def _registered_then(
    session: Session, registration: Registration, fn: Callable[..., T],
    args: tuple[Any, ...], kwargs: dict[str, Any],
) -> T:
    registration.register(session)
    return fn(session, *args, **kwargs)


TutorApp = Application[
    ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], BotState, Any
]
