"""Daily pushes (placeholder until the push issue lands: start and stop do nothing)."""

from __future__ import annotations

from bot.telegram.context import TutorApp


async def start(app: TutorApp) -> None:
    """Schedule the push wake-ups from the database."""


async def stop(app: TutorApp) -> None:
    """Cancel the push wake-ups."""


async def reschedule(app: TutorApp, telegram_id: int) -> None:
    """Re-plan one learner's push after they changed time, zone or pause."""
