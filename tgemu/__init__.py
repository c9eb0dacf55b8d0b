"""A fake Telegram Bot API server, so the bot can be tested end to end over real HTTP.

Telegram's servers are unreachable from tests and benchmarks; this emulator speaks the
Bot API wire format faithfully (Unix-second dates, complete Message objects, multipart
uploads, long polling, webhooks, Telegram's error texts) and adds a test-side API to
inject user actions, read chats as the user sees them, and script faults.
"""

from ._core import ChatRef, UserRef, WebhookState
from ._models import (
    ApiError,
    CallbackAnswer,
    CallRecord,
    Fault,
    FileDownload,
    ShownMessage,
    StoredFile,
    TgUser,
    Violation,
)
from ._server import TOKEN_RE, BotApiEmulator, make_token

__all__ = [
    "TOKEN_RE",
    "ApiError",
    "BotApiEmulator",
    "CallRecord",
    "CallbackAnswer",
    "ChatRef",
    "Fault",
    "FileDownload",
    "ShownMessage",
    "StoredFile",
    "TgUser",
    "UserRef",
    "Violation",
    "WebhookState",
    "make_token",
]
