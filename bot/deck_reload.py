"""Deck reload without a restart (issue 4). STUB: filled in by the decks work."""

from __future__ import annotations

from bot.telegram.context import TutorApp


async def start(app: TutorApp) -> None:
    return None


async def stop(app: TutorApp) -> None:
    return None
