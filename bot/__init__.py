"""tutorbot: a Telegram tutoring bot.

Two optional parts of the libraries under the bot would otherwise be imported at start-up and
kept for the process's life, never used: httpx's command-line client (click and pygments; PTB
imports httpx although the bot talks to Telegram through aiohttp) and PTB's tornado webhook
server (the bot serves its webhook with aiohttp, bot/webserver.py). Each library imports its
part inside `try: ... except ImportError`, the path of an install without the `httpx[cli]` or
`python-telegram-bot[webhooks]` extra; marking the modules absent before either library loads
takes that path.
"""

import sys

for _unused in ("httpx._main", "telegram.ext._utils.webhookhandler"):
    if _unused not in sys.modules:
        sys.modules[_unused] = None  # type: ignore[assignment]
