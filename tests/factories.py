"""Test factories and helpers shared by the suites."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.learners import Sender, register
from bot.store.session import Session
from bot.store.throwaway_db import throwaway_postgres

REPO = Path(__file__).resolve().parents[1]
CARDS_DIR = REPO / "cards"
TOKEN = "123456789:TEST-token-abcdefghijklmnopqrstuvwxyz"
PG_ADMIN_URL = os.environ.get(
    "TUTORBOT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
FIXED_NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning, far from DST changes


@dataclass
class FakeClock:
    """A controllable clock: tests move time explicitly instead of sleeping."""

    now: datetime = field(default=FIXED_NOW)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


@contextmanager
def postgres_database() -> Iterator[str]:
    """Create a throwaway PostgreSQL database and drop it afterwards."""
    with throwaway_postgres(PG_ADMIN_URL, "tutorbot_test") as url:
        yield url


def register_learner(session: Session, *, telegram_id: int, chat_id: int | None = None,
                     first_name: str = "L", now: datetime = FIXED_NOW) -> int:
    """Register a learner as their first message would (bot.learners.register)."""
    sender = Sender(telegram_id=telegram_id, chat_id=telegram_id if chat_id is None else chat_id,
                    first_name=first_name)
    return register(session, sender=sender, now=now)
