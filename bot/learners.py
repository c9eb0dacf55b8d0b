"""Registration: the sender of every private-chat update is a learner, and any message from
them marks them reachable again (pushes stop when Telegram says the bot is blocked)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from bot.store import learners as store
from bot.store.session import Session

FIRST_NAME_CHARS = 256
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Sender:
    """Who sent an update, as Telegram names them."""

    telegram_id: int
    chat_id: int
    first_name: str


def register(session: Session, *, sender: Sender, now: datetime) -> int:
    """Fetch or create the sender's learner row (returning its id). Runs with nearly every
    update, so a known, reachable learner costs one small read and no write."""
    known = store.reachability(session, telegram_id=sender.telegram_id)
    if known is not None:
        learner_id, active, chat_id = known
        if not active or chat_id != sender.chat_id:
            store.mark_reachable(session, learner_id=learner_id, chat_id=sender.chat_id)
        return learner_id
    added = store.add(session, telegram_id=sender.telegram_id, chat_id=sender.chat_id,
                      # PostgreSQL text cannot hold NUL.
                      first_name=sender.first_name.replace("\x00", "")[:FIRST_NAME_CHARS],
                      now=now)
    if added is not None:
        return added
    # Another update from the same user won the race.
    found = store.reachability(session, telegram_id=sender.telegram_id)
    assert found is not None
    return found[0]


def registered_then(session: Session, sender: Sender, now: datetime,
                    work: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    """Register the sender, then do the update's own work in the same unit of work: one
    session and one commit for both."""
    register(session, sender=sender, now=now)
    return work(session, *args, **kwargs)


def nothing_else(session: Session) -> None:
    """The work of an update that needs the database for its sender's registration only."""
