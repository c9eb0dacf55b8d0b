"""Per-learner demo quota: at most DEMO_QUOTA demos started per DEMO_QUOTA_WINDOW_S.

Demos cost real compute (a worker runs a model for seconds), so one learner must not be able
to keep the workers busy for everyone. The uses are rows in the database, not counters in
memory, so the quota holds across restarts and across several bot instances.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.store import demo_quota as store
from bot.store import learners
from bot.store.session import Session


@dataclass(frozen=True, slots=True)
class DemoAllowed:
    # Demos started in the current window, this one included.
    used: int
    # The stored use, for refund_demo when the demo could not run (None: nothing stored).
    use_id: int | None = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class QuotaReached:
    limit: int
    window_s: float
    next_at: datetime
    tz: str


@dataclass(frozen=True, slots=True)
class NoLearner:
    """The sender never wrote to the bot in private (a forged button in a group, say)."""


def claim_demo(
    session: Session, *, telegram_id: int, kind: str, now: datetime, limit: int,
    window_s: float,
) -> DemoAllowed | QuotaReached | NoLearner:
    """Record one demo start for the learner, unless that would go over the quota.

    The learner row is locked first (FOR UPDATE on PostgreSQL) and the use is inserted before
    counting (which takes SQLite's write lock), so two instances claiming for the same learner
    at once take turns and cannot both take the last demo of the window.
    """
    learner = learners.by_telegram_id(session, telegram_id=telegram_id, for_update=True)
    if learner is None or learner.id is None:
        return NoLearner()
    if limit == 0:
        return DemoAllowed(used=0)
    start = now - timedelta(seconds=window_s)
    # Uses that left the window no longer matter; dropping them keeps the table small.
    store.forget_uses_before(session, learner_id=learner.id, start=start)
    use = store.add_use(session, learner_id=learner.id, kind=kind, now=now)
    used = store.uses_since(session, learner_id=learner.id, start=start)
    if used <= limit:
        return DemoAllowed(used=used, use_id=use.id)
    session.delete(use)
    oldest = store.oldest_use_since(session, learner_id=learner.id, start=start)
    next_at = (oldest or now) + timedelta(seconds=window_s)
    return QuotaReached(limit=limit, window_s=window_s, next_at=next_at, tz=learner.timezone)


def refund_demo(session: Session, *, use_id: int) -> None:
    """Forget one use: the demo never ran (input refused, or the workers or the queue were
    down), so it must not count against the learner's quota."""
    store.delete_use(session, use_id=use_id)
