"""Plain data records shared by the emulator modules.

They are dataclasses with ``slots`` because benchmarks create one per bot call (up to
100k of them), and tests read them directly, so they must stay cheap and obvious.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


class ApiError(Exception):
    """A Bot API failure, rendered as Telegram's ``{"ok": false, ...}`` error object."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> JsonDict:
        body: JsonDict = {"ok": False, "error_code": self.code, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


@dataclass(slots=True)
class TgUser:
    """A human user the test controls; its private chat has the same id, as on Telegram."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    is_premium: bool | None = None
    blocked: bool = False

    def to_dict(self) -> JsonDict:
        out: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        if self.language_code:
            out["language_code"] = self.language_code
        if self.is_premium:
            out["is_premium"] = True
        return out

    def private_chat(self) -> JsonDict:
        out: JsonDict = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.username:
            out["username"] = self.username
        return out


@dataclass(slots=True)
class MessageRecord:
    """The current server-side state of one message (edits applied in place)."""

    msg: JsonDict
    from_bot: bool
    deleted: bool = False
    edited: bool = False


@dataclass(slots=True)
class ChatState:
    chat: JsonDict
    next_message_id: int = 1
    messages: list[MessageRecord] = field(default_factory=list)
    by_id: dict[int, MessageRecord] = field(default_factory=dict)
    bot_messages: list[MessageRecord] = field(default_factory=list)
    # Index into bot_messages: wait_for_bot_message() waits for messages after this.
    mark: int = 0
    reply_keyboard: list[list[str]] | None = None
    actions: list[str] = field(default_factory=list)
    # Futures of wait_for_bot_message() callers, woken only by this chat's bot messages, so
    # a thousand waiting learners cost nothing when another chat changes.
    waiters: list[Any] = field(default_factory=list)


@dataclass(slots=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    data: bytes
    file_path: str
    kind: str  # "photo", "document", ...
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    # False: Telegram's objects leave file_size out, as a local Bot API server may.
    size_known: bool = True


@dataclass(slots=True)
class FileDownload:
    """One download of a stored file: how much of it went out before the bot stopped."""

    file_path: str
    size: int
    sent: int = 0
    complete: bool = False


@dataclass(slots=True)
class CallRecord:
    """One bot-side HTTP call; ``params`` has uploaded files replaced by a short description."""

    method: str
    params: JsonDict
    time: float
    status: int = 200
    bot_id: int | None = None
    error: str | None = None


@dataclass(slots=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    time: float = field(default_factory=time.time)


@dataclass(slots=True)
class Fault:
    """A scripted failure; ``times`` counts down, ``None`` means forever."""

    method: str
    kind: str
    times: int | None = 1
    chat_id: int | str | None = None
    retry_after: int = 1
    description: str | None = None
    delay: float = 2.0

    def to_dict(self) -> JsonDict:
        return {
            "method": self.method,
            "kind": self.kind,
            "times": self.times,
            "chat_id": self.chat_id,
            "retry_after": self.retry_after,
            "description": self.description,
            "delay": self.delay,
        }


@dataclass(slots=True)
class ShownMessage:
    """A message as the user would see it in the chat right now (edits applied)."""

    message_id: int
    from_bot: bool
    text: str | None
    caption: str | None
    has_photo: bool
    photo_file_id: str | None
    photo: bytes | None
    document: JsonDict | None
    document_bytes: bytes | None
    buttons: list[list[tuple[str, str | None]]]
    edited: bool
    deleted: bool
    date: int
    raw: JsonDict

    @property
    def body(self) -> str:
        """Text or caption, whichever the message has; handy for assertions."""
        return self.text if self.text is not None else (self.caption or "")

    def button_data(self, text: str) -> str | None:
        for row in self.buttons:
            for label, data in row:
                if label == text:
                    return data
        raise KeyError(f"no button {text!r} in message {self.message_id}: {self.buttons}")

    def to_dict(self) -> JsonDict:
        return {
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "text": self.text,
            "caption": self.caption,
            "has_photo": self.has_photo,
            "photo_file_id": self.photo_file_id,
            "document": self.document,
            "buttons": [[list(b) for b in row] for row in self.buttons],
            "edited": self.edited,
            "deleted": self.deleted,
            "date": self.date,
            "raw": self.raw,
        }

    def describe(self) -> str:
        who = "bot " if self.from_bot else "user"
        parts = [f"#{self.message_id} {who}:"]
        if self.has_photo:
            parts.append("[photo]")
        if self.document:
            parts.append(f"[document {self.document.get('file_name')}]")
        if "location" in self.raw:
            loc = self.raw["location"]
            parts.append(f"[location {loc['latitude']},{loc['longitude']}]")
        parts.append(repr(self.body))
        if self.buttons:
            parts.append(f"buttons={self.buttons}")
        if self.edited:
            parts.append("(edited)")
        if self.deleted:
            parts.append("(deleted)")
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a bot call breaks the Bot API specification.

    ``error`` is what Telegram answers (the call is then refused with it); None where Telegram
    lets it pass silently (an unknown parameter is ignored), which is still a bug in the bot.
    """

    method: str
    where: str
    problem: str
    error: str | None = None

    def describe(self) -> str:
        where = f" {self.where}" if self.where else ""
        answer = f" -> refused: {self.error}" if self.error else " (Telegram lets it pass)"
        return f"{self.method}{where}: {self.problem}{answer}"
