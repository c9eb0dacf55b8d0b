"""Logging set-up that keeps secrets out of every log line.

httpx logs request URLs, and Bot API URLs contain the token, so a filter on the root handlers
redacts the token and webhook secret from each formatted record (bot/secret_guard.py covers
what reaches the terminal without logging: uncaught exceptions, prints, warnings).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.secret_guard import RedactingFilter, Redactor


def setup_logging(level: str, secrets: Iterable[str] = ()) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter(Redactor(secrets)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Per-request lines add nothing in production and would carry the token before redaction.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
