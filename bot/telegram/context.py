"""Typed application state and callback context, instead of bot_data["x"] plus casts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.catalog import Catalog
from bot.config import Settings
from bot.flood_window import FloodThrottle
from bot.store.db import Database

if TYPE_CHECKING:
    from bot.telegram.deck_reload import Reloader
    from bot.telegram.pushes import Pusher

Clock = Callable[[], datetime]


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
    # Per-application state of the push runs and of the deck reload, made on first use.
    pusher: Pusher | None = None
    reloader: Reloader | None = None

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


class BotContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], BotState]):
    @property
    def state(self) -> BotState:
        return self.bot_data


TutorApp = Application[
    ExtBot[Any], BotContext, dict[Any, Any], dict[Any, Any], BotState, Any
]
