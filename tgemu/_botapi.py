"""Bot API method implementations (what the bot calls), field by field as the docs define.

Each ``api_<name>`` coroutine gets the calling bot's id and the decoded parameters and
returns the ``result`` value or raises ``ApiError``; method names are matched
case-insensitively, as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from itertools import islice
from typing import Any

from ._core import EmulatorCore, WebhookState, log
from ._formatting import parse_formatted, utf16_len
from ._models import ApiError, CallbackAnswer, ChatState, JsonDict, MessageRecord, bad_request

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
_BUTTON_ACTIONS = frozenset({
    "url", "callback_data", "web_app", "login_url", "switch_inline_query",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text",
    "callback_game", "pay",
})
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


@dataclass(slots=True)
class Upload:
    data: bytes
    filename: str | None
    content_type: str | None


class Params:
    """Request parameters from JSON, query string, urlencoded or multipart bodies.

    Form bodies carry every value as a string (PTB JSON-encodes non-strings), so the
    typed getters accept both native JSON values and their string forms.
    """

    __slots__ = ("files", "parsed", "values")

    def __init__(self, values: dict[str, Any], files: dict[str, Upload]) -> None:
        self.values = values
        self.files = files
        # Formatted fields the conformance check already parsed: (plain text, entities).
        self.parsed: dict[str, tuple[str, list[JsonDict]]] = {}

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def get_str(self, name: str, required: bool = False) -> str | None:
        v = self.values.get(name)
        if v is None or v == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        return v if isinstance(v, str) else json.dumps(v)

    def get_int(self, name: str, required: bool = False) -> int | None:
        v = self.values.get(name)
        if v is None or v == "":
            if required:
                raise bad_request(f"{name} is empty")
            return None
        try:
            return int(v)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_float(self, name: str) -> float | None:
        v = self.values.get(name)
        if v is None or v == "":
            return None
        try:
            return float(v)
        except (TypeError, ValueError):
            raise bad_request(f"invalid {name} specified") from None

    def get_bool(self, name: str) -> bool:
        v = self.values.get(name)
        if isinstance(v, str):
            return v.lower() in ("true", "1")
        return bool(v)

    def get_json(self, name: str) -> Any:
        v = self.values.get(name)
        if isinstance(v, str):
            try:
                return json.loads(v)
            except ValueError:
                if name == "reply_markup":
                    raise bad_request("can't parse reply keyboard markup JSON object") from None
                raise bad_request(f"can't parse {name} JSON object") from None
        return v

    def chat_ref(self) -> int | str:
        v = self.values.get("chat_id")
        if v is None or v == "":
            raise bad_request("chat_id is empty")
        if isinstance(v, int):
            return v
        s = str(v)
        try:
            return int(s)
        except ValueError:
            return s


class BotApiMethods(EmulatorCore):
    """Bot-side methods on top of the emulator state."""

    def bot_user(self, bot_id: int) -> JsonDict:
        return {
            "id": bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    # -- helpers ------------------------------------------------------------------------------

    def _resolve_chat(self, p: Params) -> ChatState:
        ref = p.chat_ref()
        cid = ref if isinstance(ref, int) else self._chat_usernames.get(ref.lstrip("@").lower())
        cs = self.chats.get(cid) if cid is not None else None
        if cs is None:
            raise bad_request("chat not found")
        user = self.users.get(cs.chat["id"])
        if user is not None and user.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        return cs

    def _check_rate(self, cs: ChatState) -> None:
        if self._rate is None:
            return
        retry = self._rate.check(cs.chat["id"], cs.chat["type"] != "private")
        if retry is not None:
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry_after=retry)

    def _reply_markup(self, p: Params) -> tuple[JsonDict | None, Any]:
        """Return (inline markup to store on the message, reply-keyboard effect or ...)."""
        rm = p.get_json("reply_markup")
        if rm is None:
            return None, ...
        if not isinstance(rm, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in rm:
            rows = rm["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request("can't parse inline keyboard button: field \"inline_keyboard\""
                                  " must be an Array of Arrays")
            for row in rows:
                for b in row:
                    if not isinstance(b, dict) or not isinstance(b.get("text"), str):
                        raise bad_request("can't parse inline keyboard button: Text must be a "
                                          "String")
                    if not _BUTTON_ACTIONS.intersection(b):
                        raise bad_request("text buttons are unallowed in the inline keyboard")
                    data = b.get("callback_data")
                    if data is not None and not 1 <= len(str(data).encode()) <= 64:
                        raise bad_request("BUTTON_DATA_INVALID")
            return {"inline_keyboard": rows}, ...
        if "keyboard" in rm:
            kb = [[b if isinstance(b, str) else b.get("text", "") for b in row]
                  for row in rm["keyboard"]]
            return None, kb
        if rm.get("remove_keyboard"):
            return None, None
        return None, ...

    def _formatted(self, p: Params, field: str, entities_field: str, limit: int,
                   too_long: str) -> tuple[str | None, list[JsonDict]]:
        raw = p.values.get(field)
        if raw is None:
            return None, []
        if field in p.parsed:
            plain, entities = p.parsed[field]
        else:
            text = raw if isinstance(raw, str) else str(raw)
            ents = p.get_json(entities_field)
            plain, entities = parse_formatted(text, p.get_str("parse_mode"), ents)
        # Telegram counts UTF-16 code units, as in every Bot API offset.
        if utf16_len(plain) > limit:
            raise bad_request(too_long)
        return plain, entities

    def _store_bot_message(self, bot_id: int, cs: ChatState, body: JsonDict, p: Params,
                           markup: tuple[JsonDict | None, Any]) -> JsonDict:
        rp = p.get_json("reply_parameters")
        reply_id = rp.get("message_id") if isinstance(rp, dict) else p.get_int(
            "reply_to_message_id")
        reply: JsonDict | None = None
        if reply_id is not None:
            target = cs.by_id.get(int(reply_id))
            if target is None or target.deleted:
                allow = (rp or {}).get("allow_sending_without_reply") if isinstance(
                    rp, dict) else p.get_bool("allow_sending_without_reply")
                if not allow:
                    raise bad_request("message to be replied not found")
            else:
                reply = {k: v for k, v in target.msg.items() if k != "reply_to_message"}
        mid = cs.next_message_id
        cs.next_message_id += 1
        msg: JsonDict = {
            "message_id": mid,
            "from": self.bot_user(bot_id),
            "chat": cs.chat,
            "date": int(time.time()),
        }
        if reply is not None:
            msg["reply_to_message"] = reply
        msg.update(body)
        inline, keyboard = markup
        if inline is not None:
            msg["reply_markup"] = inline
        if keyboard is not ...:
            cs.reply_keyboard = keyboard
        if p.get_bool("protect_content"):
            msg["has_protected_content"] = True
        rec = MessageRecord(msg=msg, from_bot=True)
        cs.messages.append(rec)
        cs.by_id[mid] = rec
        cs.bot_messages.append(rec)
        self._bot_message_added(cs)
        return msg

    def _input_file(self, p: Params, field: str, kind: str) -> Upload | str:
        """An uploaded file for ``field`` (direct part or attach://), or a file_id string."""
        up = p.files.get(field)
        if up is not None:
            return up
        ref = p.get_str(field)
        if ref is None:
            raise bad_request(f"there is no {kind} in the request")
        if ref.startswith("attach://"):
            up = p.files.get(ref[len("attach://") :])
            if up is None:
                raise bad_request(f"there is no {kind} in the request")
            return up
        return ref

    def _existing_file(self, ref: str, kind: str) -> Any:
        """The stored PhotoSize array or media object for a re-sent file_id."""
        if ref.startswith(("http://", "https://")):
            raise bad_request("wrong file identifier/HTTP URL specified")
        f = self.files.get(ref)
        if f is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if f.kind != kind:
            raise bad_request(f"can't use file of type {f.kind.title()} as {kind.title()}")
        if kind == "photo":
            return self._photo_sets[ref]
        return self._media_objects.get(ref) or self._document(f)

    # -- identity -----------------------------------------------------------------------------

    async def api_getme(self, bot_id: int, p: Params) -> Any:
        return {
            **self.bot_user(bot_id),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def api_logout(self, bot_id: int, p: Params) -> Any:
        return True

    async def api_close(self, bot_id: int, p: Params) -> Any:
        return True

    # -- updates -------------------------------------------------------------------------------

    async def api_getupdates(self, bot_id: int, p: Params) -> Any:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset = p.get_int("offset")
        limit = min(max(p.get_int("limit") or 100, 1), 100)
        timeout = max(p.get_float("timeout") or 0.0, 0.0)
        allowed = p.get_json("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = [str(a) for a in allowed] or None
        if offset is not None and offset != 0:
            self._confirm_updates(offset)
        # A newer getUpdates terminates an older one, as on Telegram.
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake_updates()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make "
                                    "sure that only one bot instance is running")
            if self.webhook is not None:
                return []
            if self._updates:
                return list(islice(self._updates, limit))
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            ev = self._updates_event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ev.wait(), remaining)

    # -- sending -------------------------------------------------------------------------------

    async def api_sendmessage(self, bot_id: int, p: Params) -> Any:
        cs = self._resolve_chat(p)
        raw = p.values.get("text")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise bad_request("message text is empty")
        text, entities = self._formatted(p, "text", "entities", TEXT_LIMIT, "message is too long")
        if not (text or "").strip():
            raise bad_request("message text is empty")
        markup = self._reply_markup(p)
        self._check_rate(cs)
        body: JsonDict = {"text": text}
        if entities:
            body["entities"] = entities
        lpo = p.get_json("link_preview_options")
        if isinstance(lpo, dict) and lpo:
            body["link_preview_options"] = lpo
        return self._store_bot_message(bot_id, cs, body, p, markup)

    @staticmethod
    def _add_caption(body: JsonDict, caption: str | None, entities: list[JsonDict],
                     p: Params) -> None:
        if caption:
            body["caption"] = caption
            if entities:
                body["caption_entities"] = entities
            if p.get_bool("show_caption_above_media"):
                body["show_caption_above_media"] = True

    async def api_sendlocation(self, bot_id: int, p: Params) -> Any:
        cs = self._resolve_chat(p)
        lat, lon = p.get_float("latitude"), p.get_float("longitude")
        if lat is None or lon is None:
            raise bad_request("latitude and longitude are required")
        markup = self._reply_markup(p)
        self._check_rate(cs)
        return self._store_bot_message(
            bot_id, cs, {"location": {"latitude": lat, "longitude": lon}}, p, markup)

    async def api_sendchataction(self, bot_id: int, p: Params) -> Any:
        cs = self._resolve_chat(p)
        action = p.get_str("action", required=True)
        if action not in _ACTIONS:
            raise bad_request("wrong parameter action in request")
        cs.actions.append(action)
        return True

    # -- editing -------------------------------------------------------------------------------

    def _editable(self, p: Params) -> tuple[ChatState, MessageRecord]:
        if p.get_str("inline_message_id"):
            raise bad_request("inline messages are not supported by the emulator")
        cs = self._resolve_chat(p)
        mid = p.get_int("message_id", required=True)
        assert mid is not None
        rec = cs.by_id.get(mid)
        if rec is None or rec.deleted:
            raise bad_request("message to edit not found")
        if not rec.from_bot:
            raise bad_request("message can't be edited")
        return cs, rec

    def _apply_edit(self, rec: MessageRecord, new: JsonDict) -> JsonDict:
        new.pop("edit_date", None)
        if new == {k: v for k, v in rec.msg.items() if k != "edit_date"}:
            raise bad_request(NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        rec.msg, rec.edited = new, True
        self._changed()
        return new

    async def api_editmessagetext(self, bot_id: int, p: Params) -> Any:
        _, rec = self._editable(p)
        raw = p.values.get("text")
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            raise bad_request("message text is empty")
        text, entities = self._formatted(p, "text", "entities", TEXT_LIMIT, "message is too long")
        if "text" not in rec.msg:
            raise bad_request("there is no text in the message to edit")
        inline, _ = self._reply_markup(p)
        new = {k: v for k, v in rec.msg.items()
               if k not in ("text", "entities", "reply_markup", "edit_date")}
        new["text"] = text
        if entities:
            new["entities"] = entities
        if inline is not None:
            new["reply_markup"] = inline
        return self._apply_edit(rec, new)

    async def api_editmessagecaption(self, bot_id: int, p: Params) -> Any:
        _, rec = self._editable(p)
        caption, cents = self._formatted(p, "caption", "caption_entities", CAPTION_LIMIT,
                                         "message caption is too long")
        if "text" in rec.msg or not any(k in rec.msg for k in ("photo", "document", "video",
                                                                "audio", "animation", "voice")):
            raise bad_request("there is no caption in the message to edit")
        inline, _ = self._reply_markup(p)
        new = {k: v for k, v in rec.msg.items()
               if k not in ("caption", "caption_entities", "reply_markup", "edit_date")}
        if caption:
            new["caption"] = caption
            if cents:
                new["caption_entities"] = cents
        if inline is not None:
            new["reply_markup"] = inline
        return self._apply_edit(rec, new)

    async def api_editmessagereplymarkup(self, bot_id: int, p: Params) -> Any:
        _, rec = self._editable(p)
        inline, _ = self._reply_markup(p)
        new = {k: v for k, v in rec.msg.items() if k not in ("reply_markup", "edit_date")}
        if inline is not None:
            new["reply_markup"] = inline
        return self._apply_edit(rec, new)

    async def api_deletemessage(self, bot_id: int, p: Params) -> Any:
        cs = self._resolve_chat(p)
        mid = p.get_int("message_id", required=True)
        rec = cs.by_id.get(mid or 0)
        if rec is None or rec.deleted:
            raise bad_request("message to delete not found")
        rec.deleted = True
        self._changed()
        return True

    async def api_deletemessages(self, bot_id: int, p: Params) -> Any:
        cs = self._resolve_chat(p)
        ids = p.get_json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty list of at most 100 ids")
        for mid in ids:
            rec = cs.by_id.get(int(mid))
            if rec is not None:
                rec.deleted = True
        self._changed()
        return True

    # -- callbacks -----------------------------------------------------------------------------

    async def api_answercallbackquery(self, bot_id: int, p: Params) -> Any:
        qid = p.get_str("callback_query_id", required=True)
        assert qid is not None
        if self._callback_queries.get(qid, True):
            raise bad_request("query is too old and response timeout expired or query ID is "
                              "invalid")
        text = p.get_str("text")
        if text is not None and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._callback_queries[qid] = True
        self.callback_answers.append(CallbackAnswer(
            qid, text, p.get_bool("show_alert"), p.get_str("url"), p.get_int("cache_time")))
        self._changed()
        return True

    # -- files ---------------------------------------------------------------------------------

    async def api_getfile(self, bot_id: int, p: Params) -> Any:
        fid = p.get_str("file_id", required=True)
        f = self.files.get(fid or "")
        if f is None:
            raise bad_request("invalid file_id")
        if len(f.data) > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        found: JsonDict = {"file_id": f.file_id, "file_unique_id": f.file_unique_id,
                           "file_path": f.file_path}
        if f.size_known:
            found["file_size"] = len(f.data)
        return found

    # -- commands and bot settings -----------------------------------------------------------

    @staticmethod
    def _scope_key(p: Params) -> tuple[str, str]:
        scope = p.get_json("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), p.get_str("language_code") or ""

    async def api_setmycommands(self, bot_id: int, p: Params) -> Any:
        cmds = p.get_json("commands")
        if not isinstance(cmds, list):
            raise bad_request("commands must be an array")
        if len(cmds) > 100:
            raise bad_request("too many commands")
        clean: list[JsonDict] = []
        for c in cmds:
            name = str(c.get("command", "")) if isinstance(c, dict) else ""
            desc = str(c.get("description", "")) if isinstance(c, dict) else ""
            name = name.lstrip("/")
            if not (1 <= len(name) <= 32) or not all(
                ch.islower() or ch.isdigit() or ch == "_" for ch in name
            ) or not name.isascii():
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(desc) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            clean.append({"command": name, "description": desc})
        self.my_commands[self._scope_key(p)] = clean
        self._changed()
        return True

    async def api_getmycommands(self, bot_id: int, p: Params) -> Any:
        return self.my_commands.get(self._scope_key(p), [])

    async def api_deletemycommands(self, bot_id: int, p: Params) -> Any:
        self.my_commands.pop(self._scope_key(p), None)
        return True

    def _setting(self, p: Params, name: str, limit: int) -> bool:
        value = p.get_str(name) or ""
        if len(value) > limit:
            raise bad_request(f"{name} is too long")
        self.bot_settings[f"{name}:{p.get_str('language_code') or ''}"] = value
        return True

    async def api_setmydescription(self, bot_id: int, p: Params) -> Any:
        return self._setting(p, "description", 512)

    async def api_getmydescription(self, bot_id: int, p: Params) -> Any:
        lang = p.get_str("language_code") or ""
        return {"description": self.bot_settings.get(f"description:{lang}", "")}

    async def api_setmyshortdescription(self, bot_id: int, p: Params) -> Any:
        return self._setting(p, "short_description", 120)

    async def api_getmyshortdescription(self, bot_id: int, p: Params) -> Any:
        lang = p.get_str("language_code") or ""
        return {"short_description": self.bot_settings.get(f"short_description:{lang}", "")}

    async def api_setmyname(self, bot_id: int, p: Params) -> Any:
        return self._setting(p, "name", 64)

    async def api_getmyname(self, bot_id: int, p: Params) -> Any:
        lang = p.get_str("language_code") or ""
        return {"name": self.bot_settings.get(f"name:{lang}") or self.bot_first_name}

    async def api_setchatmenubutton(self, bot_id: int, p: Params) -> Any:
        self.bot_settings[f"menu_button:{p.get_str('chat_id') or ''}"] = p.get_json("menu_button")
        return True

    async def api_getchatmenubutton(self, bot_id: int, p: Params) -> Any:
        return self.bot_settings.get(f"menu_button:{p.get_str('chat_id') or ''}") or {
            "type": "commands"}

    async def api_getchat(self, bot_id: int, p: Params) -> Any:
        cs = self._resolve_chat(p)
        return {**cs.chat, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": True, "limited_gifts": True,
                                        "unique_gifts": True, "premium_subscription": True}}

    # -- webhook -------------------------------------------------------------------------------

    async def api_setwebhook(self, bot_id: int, p: Params) -> Any:
        url = p.get_str("url") or ""
        if not url:
            return await self.api_deletewebhook(bot_id, p)
        if not url.startswith(("http://", "https://")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get_str("secret_token")
        if secret is not None and (
            not 1 <= len(secret) <= 256
            or not all(c.isascii() and (c.isalnum() or c in "_-") for c in secret)
        ):
            raise bad_request("secret token contains unallowed characters")
        if p.get_bool("drop_pending_updates"):
            self._updates.clear()
        allowed = p.get_json("allowed_updates")
        self.webhook = WebhookState(
            url=url,
            secret_token=secret,
            allowed_updates=[str(a) for a in allowed] if isinstance(allowed, list) and allowed
            else None,
            max_connections=p.get_int("max_connections") or 40,
            ip_address=p.get_str("ip_address"),
            has_custom_certificate="certificate" in p.files,
        )
        log.info("bot %s: webhook set", bot_id)
        self._wake_updates()
        return True

    async def api_deletewebhook(self, bot_id: int, p: Params) -> Any:
        if p.get_bool("drop_pending_updates"):
            self._updates.clear()
        self.webhook = None
        self._wake_updates()
        return True

    async def api_getwebhookinfo(self, bot_id: int, p: Params) -> Any:
        wh = self.webhook
        if wh is None:
            return {"url": "", "has_custom_certificate": False,
                    "pending_update_count": len(self._updates)}
        info: JsonDict = {
            "url": wh.url,
            "has_custom_certificate": wh.has_custom_certificate,
            "pending_update_count": len(self._updates),
            "max_connections": wh.max_connections,
        }
        if wh.ip_address:
            info["ip_address"] = wh.ip_address
        if wh.allowed_updates:
            info["allowed_updates"] = wh.allowed_updates
        if wh.last_error_date is not None:
            info["last_error_date"] = wh.last_error_date
            info["last_error_message"] = wh.last_error_message
        return info
