"""The one global error handler: log first, then tell the learner without details.

A database outage is not a bug: it gets one short warning (rate-limited: every update fails
the same way until the database is back) and a reply saying to try again in a minute. That
reply also ends the update: the handler groups after the one that failed (a command's handler
after its sender's registration) would only fail the same way and say it twice.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden
from telegram.ext import ApplicationHandlerStop

from bot.log_throttle import LogThrottle, suppressed_note
from bot.store.db import is_unreachable
from bot.telegram import render
from bot.telegram.context import BotContext

log = logging.getLogger("tutorbot.errors")
_outage_log = LogThrottle(per_window=3, window_s=60.0)


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure and apologise in the chat it came from."""
    error = context.error
    if isinstance(error, Forbidden):
        log.info("chat unreachable: %s", error)
        return
    outage = error is not None and is_unreachable(error)
    if outage:
        carried = _outage_log.admit("database")
        if carried is not None:
            # The driver's first line says why ("Connection refused"); never the statement.
            cause = str(getattr(error, "orig", None) or type(error).__name__)
            log.warning("database unreachable: %s%s", (cause.splitlines() or [""])[0][:200],
                        suppressed_note(carried))
    else:
        log.error("update failed", exc_info=error)
    if not isinstance(update, Update):
        return
    chat = update.effective_chat
    if chat is None:
        return
    reply = render.database_unavailable() if outage else render.internal_error()
    try:
        await context.bot.send_message(chat.id, reply.text)
    except Exception:  # the apology itself must never raise out of the error handler
        log.warning("could not send the apology", exc_info=True)
    if outage:
        raise ApplicationHandlerStop
