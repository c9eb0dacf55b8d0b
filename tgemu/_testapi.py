"""``/_emulator/...`` JSON endpoints: the test-side API for other processes.

Benchmarks and subprocess tests run the bot (and sometimes the driver) in another process,
so everything the Python API can do is reachable over HTTP too. Binary payloads travel
as base64 in JSON to keep every endpoint plain JSON.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from aiohttp import web

from ._models import JsonDict

if TYPE_CHECKING:
    from ._server import BotApiEmulator

PREFIX = "/_emulator"


def _ok(payload: Any, status: int = 200) -> web.Response:
    try:
        body = json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:  # lone surrogates travel as \ud83d escapes
        body = json.dumps(payload).encode()
    return web.Response(body=body, status=status, content_type="application/json")


async def _body(request: web.Request) -> JsonDict:
    if not request.body_exists:
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise ValueError("request body must be a JSON object")
    return data


def add_test_routes(app: web.Application, emu: BotApiEmulator) -> None:
    routes = web.RouteTableDef()

    @web.middleware
    async def errors(request: web.Request, handler: Any) -> web.StreamResponse:
        if not request.path.startswith(PREFIX):
            response: web.StreamResponse = await handler(request)
            return response
        try:
            response = await handler(request)
            return response
        except TimeoutError as exc:
            return _ok({"ok": False, "error": str(exc)}, 408)
        except (KeyError, ValueError, TypeError) as exc:
            return _ok({"ok": False, "error": f"{type(exc).__name__}: {exc}"}, 400)

    app.middlewares.append(errors)

    def chat_arg(body: JsonDict) -> int | None:
        c = body.get("chat_id")
        return int(c) if c is not None else None

    async def reply_after(b: JsonDict, injected: JsonDict) -> web.Response:
        """With ``"wait": {"count": N, "timeout": S}``, also wait for the bot's next N
        messages in that chat and return them: one round trip per learner action, so a
        load driver costs the emulator half as much."""
        wait = b.get("wait")
        if not wait:
            return _ok(injected)
        chat = chat_arg(b)
        msgs = await emu.wait_for_bot_message(
            chat if chat is not None else int(b["user_id"]), count=int(wait.get("count", 1)),
            timeout=float(wait.get("timeout", 5)))
        return _ok({"update": injected, "messages": [m.to_dict() for m in msgs]})

    @routes.get(PREFIX + "/health")
    async def health(request: web.Request) -> web.Response:
        return _ok({"ok": True, "base_url": emu.base_url, "file_url": emu.file_url,
                    "token": emu.token})

    @routes.post(PREFIX + "/reset")
    async def reset(request: web.Request) -> web.Response:
        emu.reset()
        return _ok({"ok": True})

    @routes.post(PREFIX + "/users")
    async def users(request: web.Request) -> web.Response:
        b = await _body(request)
        u = emu.user(
            b.get("user_id"),
            b.get("first_name", "Test"),
            last_name=b.get("last_name"),
            username=b.get("username"),
            language_code=b.get("language_code", "en"),
            is_premium=b.get("is_premium"),
        )
        return _ok(u.to_dict())

    @routes.post(PREFIX + "/groups")
    async def groups(request: web.Request) -> web.Response:
        b = await _body(request)
        chat = emu.group(b.get("chat_id"), b.get("title", "Test group"),
                         type=b.get("type", "supergroup"), username=b.get("username"))
        return _ok(chat)

    @routes.post(PREFIX + "/block")
    async def block(request: web.Request) -> web.Response:
        b = await _body(request)
        emu.block(int(b["user_id"]), bool(b.get("blocked", True)))
        return _ok({"ok": True})

    @routes.post(PREFIX + "/send_text")
    async def send_text(request: web.Request) -> web.Response:
        b = await _body(request)
        return await reply_after(b, await emu.send_text(
            int(b["user_id"]), b["text"], chat=chat_arg(b), reply_to=b.get("reply_to")))

    @routes.post(PREFIX + "/send_photo")
    async def send_photo(request: web.Request) -> web.Response:
        b = await _body(request)
        data = base64.b64decode(b["photo_base64"])
        return _ok(await emu.send_photo(int(b["user_id"]), data, b.get("caption"),
                                        chat=chat_arg(b)))

    @routes.post(PREFIX + "/send_document")
    async def send_document(request: web.Request) -> web.Response:
        b = await _body(request)
        data = base64.b64decode(b["data_base64"])
        return _ok(await emu.send_document(
            int(b["user_id"]), data, b.get("file_name", "file.bin"),
            b.get("mime_type", "application/octet-stream"), caption=b.get("caption"),
            chat=chat_arg(b), file_size=bool(b.get("file_size", True))))

    @routes.post(PREFIX + "/send_location")
    async def send_location(request: web.Request) -> web.Response:
        b = await _body(request)
        return _ok(await emu.send_location(int(b["user_id"]), float(b["latitude"]),
                                           float(b["longitude"]), chat=chat_arg(b)))

    @routes.post(PREFIX + "/press")
    async def press(request: web.Request) -> web.Response:
        b = await _body(request)
        return await reply_after(b, await emu.press(
            int(b["user_id"]), int(b["message_id"]), b["callback_data"], chat=chat_arg(b),
            check=bool(b.get("check", True))))

    @routes.post(PREFIX + "/edit_text")
    async def edit_text(request: web.Request) -> web.Response:
        b = await _body(request)
        return _ok(await emu.edit_text(int(b["user_id"]), int(b["message_id"]), b["text"],
                                       chat=chat_arg(b)))

    @routes.post(PREFIX + "/updates")
    async def inject(request: web.Request) -> web.Response:
        return _ok(emu.inject_update(await _body(request)))

    @routes.get(PREFIX + "/chats/{chat_id}")
    async def chat(request: web.Request) -> web.Response:
        include = request.query.get("include_deleted", "") in ("1", "true")
        msgs = emu.chat(int(request.match_info["chat_id"]), include_deleted=include)
        return _ok({"messages": [m.to_dict() for m in msgs]})

    @routes.get(PREFIX + "/chats/{chat_id}/last_bot_message")
    async def last_bot(request: web.Request) -> web.Response:
        m = emu.last_bot_message(int(request.match_info["chat_id"]))
        return _ok({"message": m.to_dict() if m else None})

    @routes.get(PREFIX + "/chats/{chat_id}/transcript")
    async def transcript(request: web.Request) -> web.Response:
        return _ok({"transcript": emu.transcript(int(request.match_info["chat_id"]))})

    @routes.post(PREFIX + "/wait_for_bot_message")
    async def wait_msg(request: web.Request) -> web.Response:
        b = await _body(request)
        msgs = await emu.wait_for_bot_message(
            int(b["chat_id"]), count=int(b.get("count", 1)),
            timeout=float(b.get("timeout", 5)), since=b.get("since"))
        return _ok({"messages": [m.to_dict() for m in msgs]})

    @routes.get(PREFIX + "/calls")
    async def calls(request: web.Request) -> web.Response:
        q = request.query
        method = q.get("method")
        source = emu.calls_to(method) if method else emu.calls
        since = int(q.get("since", 0))
        limit = int(q.get("limit", 1000))
        chunk = source[since : since + limit]
        return _ok({"calls": [asdict(c) for c in chunk], "next": since + len(chunk),
                    "total": len(source)})

    @routes.get(PREFIX + "/violations")
    async def violations(request: web.Request) -> web.Response:
        """Calls that broke the Bot API specification (see _conformance.py)."""
        return _ok({"violations": [asdict(v) | {"text": v.describe()}
                                   for v in emu.violations]})

    @routes.get(PREFIX + "/callback_answers")
    async def answers(request: web.Request) -> web.Response:
        return _ok({"answers": [asdict(a) for a in emu.callback_answers]})

    @routes.get(PREFIX + "/commands")
    async def commands(request: web.Request) -> web.Response:
        every = [{"scope": json.loads(scope), "language_code": lang, "commands": cmds}
                 for (scope, lang), cmds in emu.my_commands.items()]
        return _ok({"commands": emu.commands, "all": every})

    @routes.get(PREFIX + "/faults")
    async def faults(request: web.Request) -> web.Response:
        return _ok({"faults": [f.to_dict() for f in emu.faults]})

    @routes.post(PREFIX + "/faults")
    async def add_fault(request: web.Request) -> web.Response:
        b = await _body(request)
        f = emu.inject_fault(
            b.get("method", "sendMessage"), str(b.get("kind", "429")),
            retry_after=int(b.get("retry_after", 1)),
            times=b.get("times", 1), chat_id=b.get("chat_id"),
            description=b.get("description"), delay=float(b.get("delay", 2.0)))
        return _ok(f.to_dict())

    @routes.delete(PREFIX + "/faults")
    async def clear_faults(request: web.Request) -> web.Response:
        emu.clear_faults()
        return _ok({"ok": True})

    @routes.post(PREFIX + "/rate_limit")
    async def rate_limit(request: web.Request) -> web.Response:
        b = await _body(request)
        if b.get("enabled", True) is False:
            emu.no_rate_limit()
        else:
            emu.rate_limit(b.get("global_per_s", 30), b.get("per_chat_per_s", 1),
                           b.get("per_group_per_min", 20))
        return _ok({"ok": True})

    @routes.get(PREFIX + "/stats")
    async def stats(request: web.Request) -> web.Response:
        return _ok({
            "calls": len(emu.calls),
            "calls_by_method": {m: len(v) for m, v in emu.calls_by_method.items()},
            "status_counts": {str(k): v for k, v in emu.status_counts.items()},
            "pending_updates": emu.pending_updates,
            "chats": len(emu.chats),
            "bot_messages": sum(len(c.bot_messages) for c in emu.chats.values()),
            "webhook": asdict(emu.webhook) if emu.webhook else None,
        })

    @routes.get(PREFIX + "/files/{file_id}")
    async def file(request: web.Request) -> web.Response:
        f = emu.files[request.match_info["file_id"]]
        return web.Response(body=f.data, content_type=f.mime_type or "application/octet-stream")

    app.add_routes(routes)
