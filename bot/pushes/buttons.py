"""The buttons under a quiz push: ⏭ Skip, 💤 Later (and its choices), ⏸ Pause reminders.

Each takes a session and `now` and returns what happened. A button whose question is no
longer the learner's open card (answered, skipped, snoozed, or an old push) is stale: it
changes nothing, so a double press or a press on yesterday's push is harmless.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import study
from bot.catalog import Catalog
from bot.pushes.rules import Snooze, snooze_choices, snooze_until
from bot.store import pushes as store
from bot.store.session import Session


@dataclass(frozen=True, slots=True)
class Stale:
    pass


@dataclass(frozen=True, slots=True)
class Choices:
    choices: tuple[Snooze, ...]


@dataclass(frozen=True, slots=True)
class Snoozed:
    choice: Snooze
    until: datetime
    tz: str


def skip(session: Session, *, telegram_id: int, prompt_id: int, catalog: Catalog,
         now: datetime) -> study.Question | study.NothingDue | Stale:
    """Skip the pushed card as /skip does, and ask the next one."""
    learner = study.locked_learner(session, telegram_id=telegram_id)
    if learner is None or learner.current_prompt_id != prompt_id:
        return Stale()
    return study.skip(session, telegram_id=telegram_id, catalog=catalog, now=now)


def later(session: Session, *, telegram_id: int, prompt_id: int, now: datetime
          ) -> Choices | Stale:
    """The snooze choices that make sense at the learner's local time now."""
    learner = study.locked_learner(session, telegram_id=telegram_id)
    if learner is None or learner.current_prompt_id != prompt_id:
        return Stale()
    return Choices(snooze_choices(now, learner.timezone))


def snooze(session: Session, *, telegram_id: int, prompt_id: int, choice: Snooze,
           now: datetime) -> Snoozed | Stale:
    """Put the pushed question away until the chosen time.

    In 1 hour and this evening turn the day's push row `snoozed` (the tick sends it again,
    exactly once, when its time comes); tomorrow needs no row: tomorrow's push is the one.
    """
    learner = study.locked_learner(session, telegram_id=telegram_id)
    if learner is None or learner.id is None or learner.current_prompt_id != prompt_id:
        return Stale()
    until = snooze_until(choice, now, learner.timezone, learner.push_time)
    if choice is not Snooze.TOMORROW and not store.snooze(
            session, learner_id=learner.id, prompt_id=prompt_id, until=until):
        return Stale()
    study.close_prompt(session, telegram_id=telegram_id, outcome="snoozed", now=now)
    return Snoozed(choice, until, learner.timezone)


def pause(session: Session, *, telegram_id: int) -> bool:
    """Stop the daily pushes (/settings resume brings them back); the open card stays."""
    learner = study.locked_learner(session, telegram_id=telegram_id)
    if learner is None or learner.id is None:
        return False
    store.pause_reminders(session, learner_id=learner.id)
    return True
