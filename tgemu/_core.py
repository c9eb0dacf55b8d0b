"""Emulator state and the test-side API (inject updates, read chats, wait, faults).

Everything runs on one asyncio loop, so there are no locks. State changes wake waiters
through "generation" events (a fresh ``asyncio.Event`` replaces a set one), which keeps
each bot call O(1) even with a long poller and test waiters attached; that matters for
benchmarks pushing 100k messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from ._formatting import command_entities
from ._media import extension_for, image_info, make_file_ids
from ._models import (
    CallbackAnswer,
    CallRecord,
    ChatState,
    Fault,
    FileDownload,
    JsonDict,
    MessageRecord,
    ShownMessage,
    StoredFile,
    TgUser,
    Violation,
)

log = logging.getLogger("tgemu")

ChatRef = int | TgUser | JsonDict
UserRef = int | TgUser

FAULT_KINDS = frozenset({"429", "403", "400", "401", "404", "409", "500", "502", "503",
                         "slow", "reset"})
# Telegram leaves these out unless allowed_updates names them explicitly.
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass(slots=True)
class WebhookState:
    url: str
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    ip_address: str | None = None
    has_custom_certificate: bool = False
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0


@dataclass(slots=True)
class _Bucket:
    rate: float
    capacity: float
    tokens: float
    last: float

    def take(self, now: float) -> float:
        """Take one token; return 0 on success or the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass(slots=True)
class RateLimit:
    global_per_s: float | None
    per_chat_per_s: float | None
    per_group_per_min: float | None
    buckets: dict[Any, _Bucket] = field(default_factory=dict)

    def check(self, chat_id: int, is_group: bool) -> int | None:
        """Return retry_after seconds when the send must be refused, else None."""
        now = time.monotonic()
        limits: list[tuple[Any, float]] = []
        if self.global_per_s:
            limits.append(("global", self.global_per_s))
        if is_group and self.per_group_per_min:
            limits.append((("group", chat_id), self.per_group_per_min / 60.0))
        elif self.per_chat_per_s:
            limits.append((("chat", chat_id), self.per_chat_per_s))
        waits = []
        for key, rate in limits:
            b = self.buckets.get(key)
            if b is None:
                b = self.buckets[key] = _Bucket(rate, max(1.0, rate), max(1.0, rate), now)
            waits.append(b.take(now))
        worst = max(waits, default=0.0)
        return max(1, math.ceil(worst)) if worst > 0 else None


class EmulatorCore:
    """State plus the test-side API; the HTTP layers live in subclasses."""

    def __init__(
        self,
        *,
        bot_first_name: str = "TutorBot",
        bot_username: str = "tutorbot_test_bot",
        webhook_retry_delay: float = 0.1,
    ) -> None:
        self.bot_first_name = bot_first_name
        self.bot_username = bot_username
        self.webhook_retry_delay = webhook_retry_delay
        self.bot_id: int | None = None
        self._updates_event = asyncio.Event()
        self._changed_event = asyncio.Event()
        self._init_state()

    # -- state -------------------------------------------------------------------------------

    def _init_state(self) -> None:
        self.users: dict[int, TgUser] = {}
        self.chats: dict[int, ChatState] = {}
        self._chat_usernames: dict[str, int] = {}
        self._updates: deque[JsonDict] = deque()
        self._next_update_id = 100_000_001
        self._allowed_updates: list[str] | None = None
        self._poll_generation = 0
        self.files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._photo_sets: dict[str, list[JsonDict]] = {}
        self._media_objects: dict[str, JsonDict] = {}
        self._file_counter = itertools.count(1)
        self.calls: list[CallRecord] = []
        self.calls_by_method: dict[str, list[CallRecord]] = {}
        self.callback_answers: list[CallbackAnswer] = []
        self.violations: list[Violation] = []
        self.file_downloads: list[FileDownload] = []
        self._callback_queries: dict[str, bool] = {}  # id -> answered
        self._cq_counter = itertools.count(4_611_686_018_427_387_904 // 1024)
        self.faults: list[Fault] = []
        self._rate: RateLimit | None = None
        self.my_commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.bot_settings: dict[str, Any] = {}
        self.webhook: WebhookState | None = None
        self._next_user_id = 10_000_001
        self._next_group_id = 1_000_000_001

    def reset(self) -> None:
        """Forget everything the bot and the tests did; the HTTP server keeps running."""
        self._init_state()
        self._wake_updates()
        self._changed()

    def _changed(self) -> None:
        ev = self._changed_event
        if not ev.is_set():
            ev.set()
            self._changed_event = asyncio.Event()

    def _bot_message_added(self, cs: ChatState) -> None:
        waiters, cs.waiters = cs.waiters, []
        for fut in waiters:
            if not fut.done():
                fut.set_result(None)
        self._changed()

    def _wake_updates(self) -> None:
        ev = self._updates_event
        if not ev.is_set():
            ev.set()
            self._updates_event = asyncio.Event()

    # -- users and chats --------------------------------------------------------------------

    def user(
        self,
        user_id: int | None = None,
        first_name: str = "Test",
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        is_premium: bool | None = None,
    ) -> TgUser:
        """Create (or return the existing) user together with its private chat."""
        if user_id is None:
            user_id = self._next_user_id
            self._next_user_id += 1
        existing = self.users.get(user_id)
        if existing is not None:
            return existing
        u = TgUser(user_id, first_name, last_name, username, language_code, is_premium)
        self.users[user_id] = u
        self.chats[user_id] = ChatState(chat=u.private_chat())
        if username:
            self._chat_usernames[username.lower()] = user_id
        return u

    def group(
        self,
        chat_id: int | None = None,
        title: str = "Test group",
        *,
        type: str = "supergroup",
        username: str | None = None,
    ) -> JsonDict:
        """Create a group, supergroup or channel chat; returns its Bot API Chat object."""
        if chat_id is None:
            base = 1_000_000_000_000 if type in ("supergroup", "channel") else 0
            chat_id = -(base + self._next_group_id)
            self._next_group_id += 1
        if chat_id not in self.chats:
            chat: JsonDict = {"id": chat_id, "type": type, "title": title}
            if username:
                chat["username"] = username
                self._chat_usernames[username.lower()] = chat_id
            self.chats[chat_id] = ChatState(chat=chat)
        return self.chats[chat_id].chat

    def channel(self, chat_id: int | None = None, title: str = "Test channel",
                *, username: str | None = None) -> JsonDict:
        return self.group(chat_id, title, type="channel", username=username)

    def block(self, user: UserRef, blocked: bool = True) -> None:
        """Make sends to this user fail with 403 "bot was blocked by the user"."""
        self._user(user).blocked = blocked

    def _user(self, user: UserRef) -> TgUser:
        if isinstance(user, TgUser):
            return self.users.get(user.id) or self._register(user)
        u = self.users.get(user)
        return u if u is not None else self.user(user)

    def _register(self, u: TgUser) -> TgUser:
        # A TgUser kept by a test across reset() is re-registered on first use.
        self.users[u.id] = u
        self.chats.setdefault(u.id, ChatState(chat=u.private_chat()))
        return u

    @staticmethod
    def _chat_id(chat: ChatRef) -> int:
        if isinstance(chat, TgUser):
            return chat.id
        if isinstance(chat, dict):
            return int(chat["id"])
        return chat

    def _chat_state(self, chat: ChatRef) -> ChatState:
        cid = self._chat_id(chat)
        cs = self.chats.get(cid)
        if cs is None:
            if isinstance(chat, TgUser):
                self._register(chat)
                return self.chats[cid]
            raise KeyError(f"unknown chat {cid}; create it with emu.user() or emu.group()")
        return cs

    # -- updates -------------------------------------------------------------------------------

    def inject_update(self, update: JsonDict) -> JsonDict:
        """Queue a raw (possibly forged) Update; an update_id is assigned when missing."""
        uid = update.get("update_id")
        if not isinstance(uid, int):
            update = {"update_id": self._next_update_id, **update}
            uid = self._next_update_id
        self._next_update_id = max(self._next_update_id, uid + 1)
        allowed = self.webhook.allowed_updates if self.webhook else self._allowed_updates
        kind = next((k for k in update if k != "update_id"), "")
        if allowed:
            if kind not in allowed:
                return update
        elif kind in _OPT_IN_UPDATES:
            return update
        self._updates.append(update)
        self._wake_updates()
        self._changed()
        return update

    @property
    def pending_updates(self) -> int:
        return len(self._updates)

    def _confirm_updates(self, offset: int) -> None:
        q = self._updates
        if offset < 0:
            while len(q) > -offset:
                q.popleft()
            return
        while q and q[0]["update_id"] < offset:
            q.popleft()

    def _new_user_message(self, user: UserRef, chat: ChatRef | None, body: JsonDict) -> JsonDict:
        u = self._user(user)
        cs = self._chat_state(chat if chat is not None else u)
        mid = cs.next_message_id
        cs.next_message_id += 1
        msg: JsonDict = {
            "message_id": mid,
            "from": u.to_dict(),
            "chat": cs.chat,
            "date": int(time.time()),
            **body,
        }
        rec = MessageRecord(msg=msg, from_bot=False)
        cs.messages.append(rec)
        cs.by_id[mid] = rec
        cs.mark = len(cs.bot_messages)
        return msg

    async def send_text(
        self,
        user: UserRef,
        text: str,
        *,
        chat: ChatRef | None = None,
        entities: list[JsonDict] | None = None,
        reply_to: int | None = None,
    ) -> JsonDict:
        """The user types ``text``; slash commands get ``bot_command`` entities automatically."""
        body: JsonDict = {"text": text}
        ents = entities if entities is not None else command_entities(text)
        if ents:
            body["entities"] = ents
        if reply_to is not None:
            body["reply_to_message"] = self._reply_target(user, chat, reply_to)
        return self.inject_update({"message": self._new_user_message(user, chat, body)})

    def _reply_target(self, user: UserRef, chat: ChatRef | None, message_id: int) -> JsonDict:
        cs = self._chat_state(chat if chat is not None else self._user(user))
        target = dict(cs.by_id[message_id].msg)
        target.pop("reply_to_message", None)
        return target

    def store_file(
        self,
        data: bytes,
        kind: str,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
    ) -> StoredFile:
        """Keep uploaded bytes so getFile and the download URL can serve them."""
        n = next(self._file_counter)
        file_id, unique = make_file_ids(kind, n, id(self))
        detected, w, h = image_info(data) if kind == "photo" else (None, 0, 0)
        mime = mime_type or detected
        folder = {"photo": "photos", "document": "documents"}.get(kind, kind + "s")
        path = f"{folder}/file_{n}.{extension_for(mime, file_name)}"
        f = StoredFile(file_id, unique, data, path, kind, mime, file_name, w or None, h or None)
        self.files[file_id] = f
        self._files_by_path[path] = f
        return f

    def photo_sizes(self, data: bytes) -> list[JsonDict]:
        """Build a PhotoSize array, smallest first, like Telegram.

        Telegram stores several downscaled copies; the emulator lists a 90px and a 320px
        thumbnail entry (same bytes, scaled dimensions) when the image is larger, so bots
        that wrongly take ``photo[0]`` instead of ``photo[-1]`` see a smaller size.
        """
        main = self.store_file(data, "photo")
        w, h = main.width or 0, main.height or 0
        sizes: list[JsonDict] = []
        for side in (90, 320):
            if max(w, h) > side:
                scale = side / max(w, h)
                thumb = self.store_file(data, "photo")
                thumb.width, thumb.height = max(1, round(w * scale)), max(1, round(h * scale))
                sizes.append(self._photo_size(thumb))
        sizes.append(self._photo_size(main))
        for s in sizes:
            self._photo_sets[s["file_id"]] = sizes
        return sizes

    @staticmethod
    def _photo_size(f: StoredFile) -> JsonDict:
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "width": f.width or 0,
            "height": f.height or 0,
            "file_size": len(f.data),
        }

    @staticmethod
    def _document(f: StoredFile) -> JsonDict:
        doc: JsonDict = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        if f.file_name:
            doc["file_name"] = f.file_name
        if f.mime_type:
            doc["mime_type"] = f.mime_type
        if f.size_known:
            doc["file_size"] = len(f.data)
        return doc

    async def send_photo(
        self, user: UserRef, data: bytes, caption: str | None = None, *,
        chat: ChatRef | None = None,
    ) -> JsonDict:
        """The user sends a photo; the bytes become downloadable through getFile."""
        body: JsonDict = {"photo": self.photo_sizes(data)}
        if caption:
            body["caption"] = caption
            if ents := command_entities(caption):
                body["caption_entities"] = ents
        return self.inject_update({"message": self._new_user_message(user, chat, body)})

    async def send_document(
        self,
        user: UserRef,
        data: bytes,
        file_name: str = "file.bin",
        mime_type: str = "application/octet-stream",
        *,
        caption: str | None = None,
        chat: ChatRef | None = None,
        file_size: bool = True,
    ) -> JsonDict:
        """The user sends a file; ``file_size=False`` leaves its size out of the Document and
        of getFile, as a local Bot API server may."""
        f = self.store_file(data, "document", file_name=file_name, mime_type=mime_type)
        f.size_known = file_size
        body: JsonDict = {"document": self._document(f)}
        self._media_objects[f.file_id] = body["document"]
        if caption:
            body["caption"] = caption
        return self.inject_update({"message": self._new_user_message(user, chat, body)})

    async def send_location(
        self, user: UserRef, latitude: float, longitude: float, *, chat: ChatRef | None = None
    ) -> JsonDict:
        body = {"location": {"latitude": latitude, "longitude": longitude}}
        return self.inject_update({"message": self._new_user_message(user, chat, body)})

    async def press(
        self,
        user: UserRef,
        message_id: int,
        callback_data: str,
        *,
        chat: ChatRef | None = None,
        check: bool = True,
    ) -> JsonDict:
        """The user taps an inline button; returns the Update (its callback_query has the id).

        With ``check`` (default) the message must currently show a button with that data,
        because a real client cannot press anything else; pass ``check=False`` to forge.
        """
        u = self._user(user)
        cs = self._chat_state(chat if chat is not None else u)
        rec = cs.by_id.get(message_id)
        if check:
            if rec is None or rec.deleted:
                raise KeyError(f"message {message_id} not in chat {cs.chat['id']}")
            rows = rec.msg.get("reply_markup", {}).get("inline_keyboard", [])
            datas = [b.get("callback_data") for row in rows for b in row]
            if callback_data not in datas:
                raise ValueError(
                    f"message {message_id} has no button with callback_data {callback_data!r}; "
                    f"it has {datas}"
                )
        cq_id = str(next(self._cq_counter))
        self._callback_queries[cq_id] = False
        cq: JsonDict = {
            "id": cq_id,
            "from": u.to_dict(),
            "chat_instance": self.chat_instance(cs.chat["id"]),
            "data": callback_data,
        }
        if rec is not None:
            cq["message"] = rec.msg
        cs.mark = len(cs.bot_messages)
        return self.inject_update({"callback_query": cq})

    async def press_button(
        self, user: UserRef, message_id: int, text: str, *, chat: ChatRef | None = None
    ) -> JsonDict:
        """Press the inline button labelled ``text``."""
        cs = self._chat_state(chat if chat is not None else self._user(user))
        shown = self._shown(cs.by_id[message_id])
        data = shown.button_data(text)
        if data is None:
            raise ValueError(f"button {text!r} has no callback_data")
        return await self.press(user, message_id, data, chat=chat)

    @staticmethod
    def chat_instance(chat_id: int) -> str:
        """Stable per-chat opaque id, as Telegram's chat_instance is."""
        return str((chat_id * 2_654_435_761 + 1_234_567_891) % (2**63) - 2**62)

    async def edit_text(
        self, user: UserRef, message_id: int, text: str, *, chat: ChatRef | None = None
    ) -> JsonDict:
        """The user edits one of their own messages: an ``edited_message`` update."""
        u = self._user(user)
        cs = self._chat_state(chat if chat is not None else u)
        rec = cs.by_id[message_id]
        if rec.from_bot:
            raise ValueError("users can only edit their own messages")
        msg = dict(rec.msg)
        msg["text"] = text
        msg.pop("entities", None)
        if ents := command_entities(text):
            msg["entities"] = ents
        msg["edit_date"] = int(time.time())
        rec.msg, rec.edited = msg, True
        return self.inject_update({"edited_message": msg})

    # -- reading -------------------------------------------------------------------------------

    def _shown(self, rec: MessageRecord) -> ShownMessage:
        m = rec.msg
        photo = m.get("photo")
        photo_file = self.files.get(photo[-1]["file_id"]) if photo else None
        doc = m.get("document")
        doc_file = self.files.get(doc["file_id"]) if doc else None
        rows = (m.get("reply_markup") or {}).get("inline_keyboard") or []
        return ShownMessage(
            message_id=m["message_id"],
            from_bot=rec.from_bot,
            text=m.get("text"),
            caption=m.get("caption"),
            has_photo=bool(photo),
            photo_file_id=photo[-1]["file_id"] if photo else None,
            photo=photo_file.data if photo_file else None,
            document=doc,
            document_bytes=doc_file.data if doc_file else None,
            buttons=[[(b.get("text", ""), b.get("callback_data")) for b in row] for row in rows],
            edited=rec.edited,
            deleted=rec.deleted,
            date=m["date"],
            raw=m,
        )

    def chat(self, chat: ChatRef, *, include_deleted: bool = False) -> list[ShownMessage]:
        """The conversation as the user sees it now: edits applied, deletions hidden."""
        cs = self._chat_state(chat)
        return [self._shown(r) for r in cs.messages if include_deleted or not r.deleted]

    def bot_messages(self, chat: ChatRef, *, include_deleted: bool = False) -> list[ShownMessage]:
        cs = self._chat_state(chat)
        return [self._shown(r) for r in cs.bot_messages if include_deleted or not r.deleted]

    def last_bot_message(self, chat: ChatRef) -> ShownMessage | None:
        cs = self._chat_state(chat)
        for rec in reversed(cs.bot_messages):
            if not rec.deleted:
                return self._shown(rec)
        return None

    def message(self, chat: ChatRef, message_id: int) -> ShownMessage:
        return self._shown(self._chat_state(chat).by_id[message_id])

    def keyboard(self, chat: ChatRef) -> list[list[str]] | None:
        """The reply keyboard (ReplyKeyboardMarkup) currently shown, or None."""
        return self._chat_state(chat).reply_keyboard

    def chat_actions(self, chat: ChatRef) -> list[str]:
        return self._chat_state(chat).actions

    def transcript(self, chat: ChatRef | None = None, *, last: int = 30) -> str:
        chats: Iterable[ChatState] = (
            self.chats.values() if chat is None else [self._chat_state(chat)])
        lines: list[str] = []
        for cs in chats:
            if not cs.messages:
                continue
            lines.append(f"chat {cs.chat['id']} ({cs.chat['type']}):")
            lines.extend("  " + self._shown(r).describe() for r in cs.messages[-last:])
        failed = [c for c in self.calls[-200:] if c.status != 200][-5:]
        if failed:
            lines.append("recent failed bot calls:")
            lines.extend(f"  {c.method} -> {c.status} {c.error}" for c in failed)
        return "\n".join(lines) or "(no messages)"

    @property
    def commands(self) -> list[JsonDict]:
        """Commands set for the default scope and no language (what most bots set)."""
        return self.my_commands.get(('{"type": "default"}', ""), [])

    def calls_to(self, method: str) -> list[CallRecord]:
        return self.calls_by_method.get(method.lower(), [])

    # -- waiting -------------------------------------------------------------------------------

    def mark(self, chat: ChatRef) -> None:
        """Make wait_for_bot_message() count only messages sent after this point."""
        cs = self._chat_state(chat)
        cs.mark = len(cs.bot_messages)

    async def wait_until(
        self,
        predicate: Callable[[], object],
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test API
        *,
        chat: ChatRef | None = None,
        what: str = "condition",
    ) -> None:
        """Wait until ``predicate()`` is truthy, re-checking on every emulator state change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {what}.\n"
                    f"{self.transcript(chat)}"
                )
            ev = self._changed_event
            # The short cap re-checks predicates that depend on things outside the emulator.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ev.wait(), min(remaining, 0.05))

    async def wait_for_bot_message(
        self,
        chat: ChatRef,
        *,
        count: int = 1,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the test API
        since: int | None = None,
    ) -> list[ShownMessage]:
        """Wait for ``count`` new bot messages and return exactly those.

        "New" means after the mark, which moves when the test injects something into the
        chat and past the messages each call returns; or after message id ``since``.
        """
        cs = self._chat_state(chat)
        if since is not None:
            start = next(
                (i for i, r in enumerate(cs.bot_messages) if r.msg["message_id"] > since),
                len(cs.bot_messages),
            )
        else:
            start = cs.mark
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while len(cs.bot_messages) - start < count:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"timed out after {timeout}s waiting for {count} new bot message(s) in "
                    f"chat {cs.chat['id']}.\n{self.transcript(chat)}"
                )
            fut: asyncio.Future[None] = loop.create_future()
            cs.waiters.append(fut)
            timer = loop.call_later(remaining, _resolve, fut)
            try:
                await fut
            finally:
                timer.cancel()
                if fut in cs.waiters:
                    cs.waiters.remove(fut)
        cs.mark = max(cs.mark, start + count)
        return [self._shown(r) for r in cs.bot_messages[start : start + count]]

    async def wait_for_call(self, method: str, *, count: int = 1,
                            timeout: float = 5.0,  # noqa: ASYNC109
                            since: int = 0) -> list[CallRecord]:
        """Wait until the bot has made ``count`` calls of ``method`` after call index ``since``."""
        key = method.lower()
        await self.wait_until(
            lambda: len(self.calls_by_method.get(key, ())) >= since + count,
            timeout,
            what=f"{count} {method} call(s)",
        )
        return self.calls_by_method[key][since : since + count]

    # -- faults and limits ----------------------------------------------------------------------

    def inject_fault(
        self,
        method: str = "sendMessage",
        kind: str = "429",
        *,
        retry_after: int = 1,
        times: int | None = 1,
        chat_id: int | str | None = None,
        description: str | None = None,
        delay: float = 2.0,
    ) -> Fault:
        """Make the next ``times`` matching calls fail (``times=None``: until cleared).

        ``method="*"`` matches every method. Kinds: 429, 403, 400, 401, 404, 409, 500, 502,
        503, "slow" (sleep ``delay`` seconds, then succeed) and "reset" (drop the connection).
        """
        kind = str(kind)
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {sorted(FAULT_KINDS)}")
        f = Fault(method.lower(), kind, times, chat_id, retry_after, description, delay)
        self.faults.append(f)
        return f

    def clear_faults(self) -> None:
        self.faults.clear()

    def _take_fault(self, method: str, chat_id: object) -> Fault | None:
        if not self.faults:
            return None
        for f in self.faults:
            if f.method not in ("*", method):
                continue
            if f.chat_id is not None and str(f.chat_id) != str(chat_id):
                continue
            if f.times is not None:
                f.times -= 1
                if f.times <= 0:
                    self.faults.remove(f)
            return f
        return None

    def rate_limit(
        self,
        global_per_s: float | None = 30,
        per_chat_per_s: float | None = 1,
        per_group_per_min: float | None = 20,
    ) -> None:
        """Enforce Telegram-like flood limits on sends (429 + retry_after when exceeded)."""
        self._rate = RateLimit(global_per_s, per_chat_per_s, per_group_per_min)

    def no_rate_limit(self) -> None:
        self._rate = None


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)
