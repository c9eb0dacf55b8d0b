"""The progress line of long work (demos, the schedule fit): one status message, edited.

Telegram limits edits per chat, and a worker reports progress faster than anyone reads it, so
edits are spaced and repeats are dropped. A failed edit (not modified, deleted by the learner)
is ignored: progress is optional, the result is not.
"""

from __future__ import annotations

import contextlib
import time

from telegram import InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.demos.runner import OnProgress
from bot.demos.types import DemoKind
from bot.telegram import render

# The least time between two edits of one status message.
PROGRESS_EDIT_INTERVAL_S = 1.0


def status_progress(status: Message, kind: DemoKind,
                    keyboard: InlineKeyboardMarkup | None = None) -> OnProgress:
    """A progress callback that edits `status` with the work's fraction and step."""
    last_edit, last_text = 0.0, ""

    async def progress(fraction: float, text: str) -> None:
        nonlocal last_edit, last_text
        now = time.monotonic()
        reply = render.demo_status(kind, fraction, text)
        if reply.text == last_text or now - last_edit < PROGRESS_EDIT_INTERVAL_S:
            return
        last_edit, last_text = now, reply.text
        with contextlib.suppress(BadRequest):
            await status.edit_text(reply.text, reply_markup=keyboard)

    return progress
