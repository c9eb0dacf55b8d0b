"""Registration: the sender of every private-chat update is a learner, and any message from
them marks them reachable again (pushes stop when Telegram says the bot is blocked)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from bot.store import learners as store
from bot.store.session import Session

FIRST_NAME_CHARS = 256
T = TypeVar("T")
P = ParamSpec("P")


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


# Use cases that read the sender's learner row anyway (the study loop's answer and press):
# they finish the registration from that read (`register_seen`) instead of a read of its own.
_REGISTERS_WITH: set[Callable[..., Any]] = set()
# session.info's key for the sender whose registration waits for `register_seen`.
_UNSEEN = "unregistered_sender"


def registers_with(work: Callable[P, T]) -> Callable[P, T]:
    """Mark a use case that calls `register_seen` with the sender's row when it reads it."""
    _REGISTERS_WITH.add(work)
    return work


def register_seen(session: Session, *, learner_id: int, active: bool, chat_id: int) -> None:
    """`register` for a known learner whose row the use case has just read: a write only
    when they were marked unreachable (a push found the bot blocked) or changed chats."""
    sender: Sender | None = session.info.pop(_UNSEEN, None)
    if sender is not None and (not active or chat_id != sender.chat_id):
        store.mark_reachable(session, learner_id=learner_id, chat_id=sender.chat_id)


def registered_then(session: Session, sender: Sender, now: datetime,
                    work: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
    """Register the sender, then do the update's own work in the same unit of work: one
    session and one commit for both. A use case marked `registers_with` registers a known
    sender from its own read of their row; an unknown one is added after its work (which
    found no learner, as it would have found a learner with nothing to study)."""
    if work not in _REGISTERS_WITH:
        register(session, sender=sender, now=now)
        return work(session, *args, **kwargs)
    session.info[_UNSEEN] = sender
    result = work(session, *args, **kwargs)
    if session.info.pop(_UNSEEN, None) is not None:
        register(session, sender=sender, now=now)
    return result


def nothing_else(session: Session) -> None:
    """The work of an update that needs the database for its sender's registration only."""
