"""Less central Bot API methods: other media kinds, media groups, copies and forwards.

Split from ``_botapi`` only to keep modules readable; the same rules apply (validate
first, then store, so a rejected call leaves no trace in the chat).
"""

from __future__ import annotations

import mimetypes
import time
from typing import Any

from ._botapi import CAPTION_LIMIT, BotApiMethods, Params, Upload
from ._models import JsonDict, bad_request

_MEDIA_KINDS = ("video", "audio", "voice", "animation", "sticker", "video_note")
_GROUP_TYPES = ("photo", "video", "document", "audio")


class MediaMethods(BotApiMethods):
    def _media_object(self, kind: str, up: Upload, p: Params | None) -> JsonDict:
        mime = up.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(up.filename or "")[0] or mime
        f = self.store_file(up.data, kind, file_name=up.filename, mime_type=mime)
        obj: JsonDict = {"file_id": f.file_id, "file_unique_id": f.file_unique_id}
        duration = (p.get_int("duration") if p else None) or 0
        if kind in ("video", "animation"):
            obj.update(width=(p.get_int("width") if p else None) or 0,
                       height=(p.get_int("height") if p else None) or 0, duration=duration)
        elif kind in ("audio", "voice"):
            obj["duration"] = duration
        elif kind == "video_note":
            obj.update(length=(p.get_int("length") if p else None) or 0, duration=duration)
        elif kind == "sticker":
            obj.update(type="regular", width=512, height=512, is_animated=False,
                       is_video=False)
        if kind in ("video", "audio", "animation", "document") and f.file_name:
            obj["file_name"] = f.file_name
        if kind != "sticker" and mime:
            obj["mime_type"] = mime
        obj["file_size"] = len(up.data)
        self._media_objects[f.file_id] = obj
        return obj

    def _media_from(self, kind: str, src: Upload | str, p: Params | None) -> Any:
        if isinstance(src, Upload):
            if not src.data:
                raise bad_request("file must be non-empty")
            if kind == "photo":
                sizes = self.photo_sizes(src.data)
                if not sizes[-1]["width"]:
                    raise bad_request("IMAGE_PROCESS_FAILED")
                return sizes
            if kind == "document":
                return self._media_object("document", src, None)
            return self._media_object(kind, src, p)
        return self._existing_file(src, kind)

    async def _send_media(self, bot_id: int, p: Params, kind: str) -> Any:
        cs = self._resolve_chat(p)
        src = self._input_file(p, kind, kind)
        caption, cents = self._formatted(p, "caption", "caption_entities", CAPTION_LIMIT,
                                         "message caption is too long")
        markup = self._reply_markup(p)
        media = self._media_from(kind, src, p)
        self._check_rate(cs)
        body: JsonDict = {kind: media}
        if kind != "sticker":
            self._add_caption(body, caption, cents, p)
        return self._store_bot_message(bot_id, cs, body, p, markup)

    async def api_sendphoto(self, bot_id: int, p: Params) -> Any:
        return await self._send_media(bot_id, p, "photo")

    async def api_senddocument(self, bot_id: int, p: Params) -> Any:
        return await self._send_media(bot_id, p, "document")

    async def api_sendvideo(self, bot_id: int, p: Params) -> Any:
        return await self._send_media(bot_id, p, "video")

    async def api_sendaudio(self, bot_id: int, p: Params) -> Any:
        return await self._send_media(bot_id, p, "audio")

    async def api_sendvoice(self, bot_id: int, p: Params) -> Any:
        return await self._send_media(bot_id, p, "voice")

    async def api_sendanimation(self, bot_id: int, p: Params) -> Any:
        return await self._send_media(bot_id, p, "animation")

    async def api_sendsticker(self, bot_id: int, p: Params) -> Any:
        return await self._send_media(bot_id, p, "sticker")

    async def api_sendvideonote(self, bot_id: int, p: Params) -> Any:
        return await self._send_media(bot_id, p, "video_note")

    def _input_media(self, p: Params, item: Any) -> tuple[str, Any, JsonDict]:
        """Resolve one InputMedia into (type, media value, caption fields)."""
        if not isinstance(item, dict) or item.get("type") not in _GROUP_TYPES + _MEDIA_KINDS:
            raise bad_request("can't parse InputMedia: unsupported type")
        kind = str(item["type"])
        ref = item.get("media")
        src: Upload | str
        if isinstance(ref, str) and ref.startswith("attach://"):
            up = p.files.get(ref[len("attach://") :])
            if up is None:
                raise bad_request(f"there is no {kind} in the request")
            src = up
        elif isinstance(ref, str) and ref:
            src = ref
        else:
            raise bad_request(f"there is no {kind} in the request")
        sub = Params({"caption": item.get("caption"), "parse_mode": item.get("parse_mode"),
                      "caption_entities": item.get("caption_entities")}, {})
        caption, cents = self._formatted(sub, "caption", "caption_entities", CAPTION_LIMIT,
                                         "message caption is too long")
        extra: JsonDict = {}
        if caption:
            extra["caption"] = caption
            if cents:
                extra["caption_entities"] = cents
        return kind, self._media_from(kind, src, None), extra

    async def api_sendmediagroup(self, bot_id: int, p: Params) -> Any:
        cs = self._resolve_chat(p)
        items = p.get_json("media")
        if not isinstance(items, list) or not 2 <= len(items) <= 10:
            raise bad_request("wrong number of media in the album: must be 2-10")
        resolved = [self._input_media(p, it) for it in items]
        kinds = {k for k, _, _ in resolved}
        if ("document" in kinds or "audio" in kinds) and len(kinds) > 1:
            raise bad_request("documents and audio can't be mixed with other media types")
        self._check_rate(cs)
        group_id = str(int(time.time() * 1000))
        no_markup: tuple[JsonDict | None, Any] = (None, ...)
        return [
            self._store_bot_message(
                bot_id, cs, {"media_group_id": group_id, kind: media, **extra}, p, no_markup)
            for kind, media, extra in resolved
        ]

    async def api_editmessagemedia(self, bot_id: int, p: Params) -> Any:
        _, rec = self._editable(p)
        if "text" in rec.msg:
            raise bad_request("there is no media in the message to edit")
        kind, media, extra = self._input_media(p, p.get_json("media"))
        inline, _ = self._reply_markup(p)
        new = {k: v for k, v in rec.msg.items()
               if k not in (*_GROUP_TYPES, *_MEDIA_KINDS, "caption", "caption_entities",
                            "reply_markup", "edit_date")}
        new[kind] = media
        new.update(extra)
        if inline is not None:
            new["reply_markup"] = inline
        return self._apply_edit(rec, new)

    def _source_message(self, p: Params) -> JsonDict:
        ref = p.values.get("from_chat_id")
        try:
            cid = int(ref) if ref is not None else None
        except (TypeError, ValueError):
            cid = self._chat_usernames.get(str(ref).lstrip("@").lower())
        src_chat = self.chats.get(cid) if cid is not None else None
        if src_chat is None:
            raise bad_request("chat not found")
        rec = src_chat.by_id.get(p.get_int("message_id", required=True) or 0)
        if rec is None or rec.deleted:
            raise bad_request("message to copy not found")
        return rec.msg

    async def api_copymessage(self, bot_id: int, p: Params) -> Any:
        cs = self._resolve_chat(p)
        src = self._source_message(p)
        body = {k: v for k, v in src.items()
                if k not in ("message_id", "from", "chat", "date", "edit_date", "reply_markup",
                             "reply_to_message", "forward_origin")}
        if "caption" in p.values:
            caption, cents = self._formatted(p, "caption", "caption_entities", CAPTION_LIMIT,
                                             "message caption is too long")
            body.pop("caption_entities", None)
            body.pop("caption", None)
            self._add_caption(body, caption, cents, p)
        markup = self._reply_markup(p)
        self._check_rate(cs)
        msg = self._store_bot_message(bot_id, cs, body, p, markup)
        return {"message_id": msg["message_id"]}

    async def api_forwardmessage(self, bot_id: int, p: Params) -> Any:
        cs = self._resolve_chat(p)
        src = self._source_message(p)
        body = {k: v for k, v in src.items()
                if k not in ("message_id", "from", "chat", "date", "edit_date",
                             "reply_to_message", "forward_origin")}
        sender = src.get("from")
        if src["chat"]["type"] == "channel":
            origin: JsonDict = {"type": "channel", "chat": src["chat"],
                                "message_id": src["message_id"], "date": src["date"]}
        elif sender is not None:
            origin = {"type": "user", "sender_user": sender, "date": src["date"]}
        else:
            origin = {"type": "hidden_user", "sender_user_name": "Unknown", "date": src["date"]}
        body["forward_origin"] = src.get("forward_origin", origin)
        self._check_rate(cs)
        return self._store_bot_message(bot_id, cs, body, p, (None, ...))
