"""The HTTP face of the emulator: Bot API routes, file downloads, webhook delivery.

The bot must talk real HTTP (PTB's httpx stack, multipart encoding, timeouts) so that
tests exercise the same code paths as production; only the server on the other end is fake.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import re
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from itertools import islice
from types import TracebackType
from typing import Any, Self

from aiohttp import BodyPartReader, ClientError, ClientSession, ClientTimeout, web

from ._botapi import Params, Upload
from ._conformance import Checker
from ._core import WebhookState, log
from ._media_methods import MediaMethods
from ._models import ApiError, CallRecord, FileDownload, JsonDict
from ._testapi import add_test_routes

TOKEN_RE = re.compile(r"(\d+):[A-Za-z0-9_-]{30,}")
_UNAUTHORIZED = ApiError(401, "Unauthorized")
_CHUNK = 64 * 1024
_NOT_FOUND = ApiError(404, "Not Found")

Handler = Callable[[int, Params], Awaitable[Any]]


def make_token(bot_id: int = 123456789) -> str:
    """A syntactically valid bot token for tests (never a real one)."""
    return f"{bot_id}:AAE{'x' * 32}"


def _json_response(payload: JsonDict, status: int = 200) -> web.Response:
    try:
        body = json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        # A lone surrogate a (forged) user sent: JSON carries it as a \ud83d escape.
        body = json.dumps(payload).encode()
    return web.Response(
        body=body,
        status=status,
        content_type="application/json",
    )


class BotApiEmulator(MediaMethods):
    """A fake Telegram Bot API server for tests, benchmarks and the playground.

    Usage::

        async with BotApiEmulator() as emu:
            app = ApplicationBuilder().token(emu.token).base_url(emu.base_url)
                  .base_file_url(emu.file_url).build()
    """

    def __init__(
        self,
        *,
        bot_first_name: str = "TutorBot",
        bot_username: str = "tutorbot_test_bot",
        webhook_retry_delay: float = 0.1,
        token: str | None = None,
        conformance: bool = True,
    ) -> None:
        super().__init__(bot_first_name=bot_first_name, bot_username=bot_username,
                         webhook_retry_delay=webhook_retry_delay)
        self.token = token or make_token()
        # Every call is checked against the Bot API specification (see _conformance.py);
        # what breaks it lands in self.violations, and what Telegram refuses is refused.
        self._checker = Checker() if conformance else None
        self.host = "127.0.0.1"
        self.port = 0
        self.status_counts: Counter[int] = Counter()
        self._methods: dict[str, Handler] = {
            name[4:]: getattr(self, name) for name in dir(type(self)) if name.startswith("api_")
        }
        self._runner: web.AppRunner | None = None
        self._session: ClientSession | None = None
        self._webhook_task: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        """PTB ``base_url``: the token is appended by PTB."""
        return f"{self.url}/bot"

    @property
    def file_url(self) -> str:
        """PTB ``base_file_url``."""
        return f"{self.url}/file/bot"

    def make_app(self) -> web.Application:
        # Telegram accepts uploads up to 50 MB for bots.
        app = web.Application(client_max_size=52 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_bot)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        add_test_routes(app, self)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        # access_log=None: the access log would print request paths, which contain the token.
        self._runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.host = host
        addr = self._runner.addresses[0]
        self.port = int(addr[1])
        self._session = ClientSession()
        self._webhook_task = asyncio.create_task(self._webhook_loop(), name="emulator-webhook")
        log.info("Bot API emulator listening on %s", self.url)

    async def stop(self) -> None:
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def reset(self) -> None:
        super().reset()
        self.status_counts.clear()

    # -- bot side --------------------------------------------------------------------------------

    async def _read_params(self, request: web.Request) -> Params:
        values: dict[str, Any] = {k: _decode_form_value(k, v) for k, v in request.query.items()}
        files: dict[str, Upload] = {}
        if request.method == "POST" and request.body_exists:
            ctype = request.content_type
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON") from None
                if isinstance(body, dict):
                    values.update(body)
            elif ctype == "multipart/form-data":
                reader = await request.multipart()
                while (part := await reader.next()) is not None:
                    if not isinstance(part, BodyPartReader) or part.name is None:
                        continue
                    if part.filename is not None:
                        data = bytes(await part.read())
                        files[part.name] = Upload(data, part.filename,
                                                  part.headers.get("Content-Type"))
                    else:
                        values[part.name] = _decode_form_value(part.name, await part.text())
            else:
                for k, v in (await request.post()).items():
                    if isinstance(v, str):
                        values[k] = _decode_form_value(k, v)
        return Params(values, files)

    async def _handle_bot(self, request: web.Request) -> web.StreamResponse:
        m = TOKEN_RE.fullmatch(request.match_info["token"])
        if m is None:
            self.status_counts[401] += 1
            return _json_response(_UNAUTHORIZED.payload(), 401)
        bot_id = int(m.group(1))
        self.bot_id = bot_id
        method = request.match_info["method"]
        key = method.lower()
        record = CallRecord(method=method, params={}, time=time.time(), bot_id=bot_id)
        try:
            params = await self._read_params(request)
            logged = dict(params.values)
            for name, up in params.files.items():
                logged[name] = f"<file {up.filename!r} {len(up.data)} bytes>"
            record.params = logged
            self.calls.append(record)
            self.calls_by_method.setdefault(key, []).append(record)
            if self._checker is not None:
                self._check_conformance(method, params)
            handler = self._methods.get(key)
            fault = self._take_fault(key, params.values.get("chat_id")) if self.faults else None
            if fault is not None:
                if fault.kind == "reset":
                    record.status, record.error = 0, "connection reset (injected)"
                    log.info("bot %s: %s -> injected connection reset", bot_id, method)
                    self.status_counts[0] += 1
                    if request.transport is not None:
                        request.transport.abort()
                    # Nothing reaches the client: the transport is already gone.
                    return web.Response(status=499)
                if fault.kind == "slow":
                    await asyncio.sleep(fault.delay)
                else:
                    raise _fault_error(fault.kind, fault.retry_after, fault.description)
            if handler is None:
                raise _NOT_FOUND
            result = await handler(bot_id, params)
        except ApiError as err:
            record.status, record.error = err.code, err.description
            self.status_counts[err.code] += 1
            log.debug("bot %s: %s -> %s %s", bot_id, method, err.code, err.description)
            self._changed()
            return _json_response(err.payload(), err.code)
        except Exception as exc:  # a bug in the emulator must not look like a Telegram error
            record.status, record.error = 500, repr(exc)
            self.status_counts[500] += 1
            log.exception("bot %s: %s crashed the emulator", bot_id, method)
            return _json_response(
                {"ok": False, "error_code": 500, "description": f"Internal Server Error: {exc!r}"},
                500,
            )
        self.status_counts[200] += 1
        log.debug("bot %s: %s -> ok", bot_id, method)
        payload: JsonDict = {"ok": True, "result": result}
        if key == "setwebhook":
            payload["description"] = "Webhook was set" if self.webhook else "Webhook was deleted"
        elif key == "deletewebhook":
            payload["description"] = "Webhook was deleted"
        self._changed()
        return _json_response(payload)

    def _check_conformance(self, method: str, params: Params) -> None:
        """Record how the call breaks the specification; refuse it as Telegram would."""
        assert self._checker is not None
        checked = self._checker.check(method, params.values, params.files)
        params.parsed = checked.parsed
        if not checked.violations:
            return
        for violation in checked.violations:
            log.warning("non-conforming Bot API call: %s", violation.describe())
        self.violations.extend(checked.violations)
        refusal = checked.refusal
        if refusal is not None:
            raise refusal

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        if TOKEN_RE.fullmatch(request.match_info["token"]) is None:
            return _json_response(_UNAUTHORIZED.payload(), 401)
        f = self._files_by_path.get(request.match_info["path"])
        if f is None:
            return _json_response(_NOT_FOUND.payload(), 404)
        # Streamed in chunks and counted, so a test can tell a bot that stops reading at its
        # limit from one that fetches the whole file first.
        download = FileDownload(f.file_path, len(f.data))
        self.file_downloads.append(download)
        response = web.StreamResponse(headers={"Content-Length": str(len(f.data))})
        response.content_type = f.mime_type or "application/octet-stream"
        await response.prepare(request)
        view = memoryview(f.data)
        try:
            for start in range(0, len(view), _CHUNK):
                await response.write(view[start : start + _CHUNK])
                download.sent = min(len(view), start + _CHUNK)
            await response.write_eof()
        except (ConnectionError, OSError):
            return response  # the client hung up: the download stays incomplete
        download.complete = True
        return response

    # -- webhook delivery ------------------------------------------------------------------------

    async def _webhook_loop(self) -> None:
        """Deliver pending updates over up to `max_connections` connections at once, as
        Telegram does, keeping each chat's updates in order: a chat's next update waits until
        its previous one is accepted. A webhook spread over several instances (or one that
        answers slowly) is then exercised as under real traffic, not one request at a time."""
        busy: set[object] = set()  # chats with an update on the wire
        delivering: set[asyncio.Task[None]] = set()
        try:
            while True:
                woken = self._updates_event
                wh = self.webhook
                if wh is not None and self._session is not None:
                    # The first thousand pending are enough to fill every connection.
                    for update in list(islice(self._updates, 1000)):
                        if len(delivering) >= wh.max_connections:
                            break
                        key = _chat_key(update)
                        if key in busy:
                            continue
                        busy.add(key)
                        task = asyncio.create_task(self._deliver(wh, update))
                        delivering.add(task)
                        task.add_done_callback(functools.partial(self._delivered, delivering,
                                                                 busy, key))
                await woken.wait()
        finally:
            for task in delivering:
                task.cancel()

    async def _deliver(self, wh: WebhookState, update: JsonDict) -> None:
        """POST one update until it is accepted, the webhook changes, or it is dropped."""
        delay = self.webhook_retry_delay
        while self.webhook is wh and any(u is update for u in self._updates):
            error = await self._post(wh, update)
            if self.webhook is not wh:
                return  # the new webhook (or getUpdates) gets it
            if error is None:
                with contextlib.suppress(ValueError):
                    self._updates.remove(update)
                wh.delivered += 1
                self._changed()
                return
            wh.last_error_date = int(time.time())
            wh.last_error_message = error
            log.debug("webhook delivery failed: %s; retrying in %.2fs", error, delay)
            self._changed()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)

    def _delivered(self, delivering: set[asyncio.Task[None]], busy: set[object], key: object,
                   task: asyncio.Task[None]) -> None:
        # Here, once the task is done, and not in its own finally: woken earlier, the loop
        # could still count the task as a busy connection and then sleep with one free.
        delivering.discard(task)
        busy.discard(key)
        self._wake_updates()

    async def _post(self, wh: WebhookState, update: JsonDict) -> str | None:
        """One delivery attempt: None when accepted, else why not (as getWebhookInfo says)."""
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        if wh.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = wh.secret_token
        try:
            async with self._session.post(
                wh.url, data=json.dumps(update).encode(), headers=headers,
                timeout=ClientTimeout(total=10),
            ) as resp:
                if not 200 <= resp.status < 300:
                    return f"Wrong response from the webhook: {resp.status} {resp.reason}"
        except (ClientError, TimeoutError, OSError) as exc:
            return f"Connection failed: {type(exc).__name__}"
        except Exception as exc:  # keep delivering whatever a receiver does
            return f"Delivery failed: {exc!r}"
        return None


def _chat_key(update: JsonDict) -> object:
    """The chat (or, for a press, the user) whose updates must arrive in order."""
    for kind, body in update.items():
        if kind == "update_id" or not isinstance(body, dict):
            continue
        chat = body.get("chat") or (body.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return ("chat", chat["id"])
        sender = body.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return ("user", sender["id"])
    return None


# Form values are strings; these parameters are free text or ids that must stay strings even
# when they look like numbers or JSON (callback_query_id is numeric, text may be "42").
_STRING_PARAMS = frozenset({
    "text", "caption", "callback_query_id", "file_id", "parse_mode", "url", "secret_token",
    "action", "description", "short_description", "name", "language_code",
    "inline_message_id", "title", "query", "emoji", "ip_address", "business_connection_id",
    "message_effect_id", "photo", "document", "video", "audio", "voice", "animation",
    "sticker", "thumbnail", "custom_emoji_id", "address", "question", "payload",
})


def _decode_form_value(name: str, value: str) -> Any:
    """Undo PTB's JSON encoding of non-string form values so handlers and logs see JSON types."""
    if name in _STRING_PARAMS or not value or value[0] not in '-0123456789[{tfn"':
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def _fault_error(kind: str, retry_after: int, description: str | None) -> ApiError:
    if kind == "429":
        return ApiError(429, description or f"Too Many Requests: retry after {retry_after}",
                        retry_after=retry_after)
    defaults = {
        "400": "Bad Request: injected fault",
        "401": "Unauthorized",
        "403": "Forbidden: bot was blocked by the user",
        "404": "Not Found",
        "409": "Conflict: terminated by other getUpdates request; make sure that only one bot "
               "instance is running",
        "500": "Internal Server Error",
        "502": "Bad Gateway",
        "503": "Service Unavailable",
    }
    text = description or defaults[kind]
    if kind == "400" and not text.startswith("Bad Request"):
        text = f"Bad Request: {text}"
    return ApiError(int(kind), text)
