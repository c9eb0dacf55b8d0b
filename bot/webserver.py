"""The webhook HTTP server: Telegram updates in, plus /healthz and /metrics for operators.

PTB's `run_webhook` owns the event loop and offers no health or metrics routes, so this follows
PTB's "custom webhook bot" example instead: the caller runs `initialize`/`start`, this server
feeds `Update.de_json(...)` into `app.update_queue`, and the caller stops everything in order.

The update route never waits on the bot: it checks the secret, parses the body and puts the
update on PTB's unbounded queue, then answers 200. Telegram counts a 200 as delivered, so an
update is acknowledged before it is handled, exactly as with PTB's own webhook server.

Hostile clients: a request head must arrive within HEAD_TIMEOUT_S and a body within
BODY_TIMEOUT_S, idle connections close after KEEPALIVE_S, and open connections are capped
below the open-file limit (bot.connection_guard). Lines an outsider can trigger (forged
requests, bad bodies, slow clients, asyncio's accept errors) are rate-limited in the log.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import socket
from dataclasses import dataclass
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Update

from bot.app import initialize, shutdown
from bot.config import Settings
from bot.connection_guard import ConnectionGuard, connection_cap
from bot.log_throttle import LogThrottle, ThrottleFilter, suppressed_note
from bot.store.db import ping
from bot.telegram import lone_surrogates
from bot.telegram.context import TutorApp

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a megabyte leaves room for long texts and entities
# while refusing bodies meant to tie up memory.
MAX_BODY_BYTES = 1024 * 1024
HEALTH_DB_TIMEOUT_S = 2.0
# Telegram sends a whole update in milliseconds; these only bound what a hostile or broken
# client may hold. KEEPALIVE_S also bounds the head of every later request on a connection.
HEAD_TIMEOUT_S = 10.0
BODY_TIMEOUT_S = 10.0
KEEPALIVE_S = 30.0
# How long a refused request's unread body is still read (and dropped) before closing, so the
# client sees the answer rather than a reset; aiohttp's default of 10 s is a gift to a slow
# client.
LINGER_S = 2.0
# Telegram opens at most 100 connections per bot (setWebhook max_connections); the cap is
# lowered further to stay under the process's open-file limit (deploy/ sets LimitNOFILE).
MAX_CONNECTIONS = 1000


@runtime_checkable
class QueueStats(Protocol):
    """A demo runner that can say how many jobs wait or run (the Redis runner can)."""

    async def queue_length(self) -> int: ...


@dataclass
class Counters:
    """What /metrics exports; plain ints because the loop is single-threaded."""

    updates_received: int = 0
    forged_requests: int = 0
    bad_requests: int = 0
    too_large: int = 0
    slow_bodies: int = 0


def webhook_path(url: str) -> str:
    """The path Telegram posts to, from WEBHOOK_URL (e.g. https://bot.example/telegram)."""
    path = urlsplit(url).path
    return path if path and path != "/" else "/"


class WebhookServer:
    """Receives Telegram's POSTs on `path` and serves /healthz and /metrics on the same port."""

    def __init__(self, app: TutorApp, *, path: str, secret: str,
                 max_body_bytes: int = MAX_BODY_BYTES, head_timeout_s: float | None = None,
                 body_timeout_s: float | None = None,
                 max_connections: int | None = None) -> None:
        if not secret:
            raise ValueError("a webhook needs WEBHOOK_SECRET: without it anyone can post updates")
        self._app = app
        self._path = path
        self._secret = secret.encode()
        self._max_body = max_body_bytes
        self._head_timeout_s = head_timeout_s or HEAD_TIMEOUT_S
        self._body_timeout_s = body_timeout_s or BODY_TIMEOUT_S
        self._max_connections = connection_cap(max_connections or MAX_CONNECTIONS)
        self.counters = Counters()
        self.guard: ConnectionGuard | None = None
        self._log = LogThrottle(per_window=5, window_s=60.0)
        self._runner: web.AppRunner | None = None
        self.port = 0

    def make_app(self) -> web.Application:
        # client_max_size makes aiohttp answer 413 itself for a body that is too large.
        web_app = web.Application(client_max_size=self._max_body)
        web_app.router.add_post(self._path, self._handle_update)
        web_app.router.add_get("/healthz", self._handle_health)
        web_app.router.add_get("/metrics", self._handle_metrics)
        return web_app

    async def start(self, host: str, port: int) -> None:
        # A full descriptor table makes asyncio log a failed accept() (with a traceback)
        # again and again; what gets through says how many were folded.
        asyncio_log = logging.getLogger("asyncio")
        if not any(isinstance(f, ThrottleFilter) for f in asyncio_log.filters):
            asyncio_log.addFilter(ThrottleFilter(per_window=5, window_s=60.0))
        # access_log=None: the access log adds nothing a proxy does not already record.
        self._runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False,
                                     keepalive_timeout=KEEPALIVE_S, lingering_time=LINGER_S)
        await self._runner.setup()
        assert self._runner.server is not None
        self.guard = ConnectionGuard(self._runner.server, max_connections=self._max_connections,
                                     head_timeout_s=self._head_timeout_s)
        # SO_REUSEPORT: several instances on one host may listen on the same WEBHOOK_LISTEN,
        # and the kernel spreads Telegram's connections over them. That uses more than the one
        # core a Python process gets, and a new instance can start before the old one stops,
        # so a restart refuses no delivery. Not on platforms without it (Windows).
        await _GuardedSite(self._runner, host, port, self.guard,
                           reuse_port=hasattr(socket, "SO_REUSEPORT")).start()
        self.port = int(self._runner.addresses[0][1])
        log.info("webhook server listening on %s:%d%s (at most %d connections)", host,
                 self.port, self._path, self._max_connections)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- routes ------------------------------------------------------------------------------

    async def _handle_update(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        # compare_digest: the time taken must not reveal how much of a guess was right.
        if not hmac.compare_digest(given, self._secret):
            self.counters.forged_requests += 1
            # Neither the expected secret nor the presented token is logged.
            self._warn("refused a webhook request from %s: %s secret token", request.remote,
                       "wrong" if given else "missing")
            return web.Response(status=403)
        if request.content_length is not None and request.content_length > self._max_body:
            self.counters.too_large += 1
            return web.Response(status=413)
        try:
            async with asyncio.timeout(self._body_timeout_s):
                body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            self.counters.too_large += 1
            return web.Response(status=413)
        except TimeoutError:
            self.counters.slow_bodies += 1
            self._warn("closed a webhook request whose body took over %.0f s",
                       self._body_timeout_s)
            response = web.Response(status=408)
            response.force_close()
            return response
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: JSON nested thousands deep
            self.counters.bad_requests += 1
            return web.Response(status=400)
        if not isinstance(data, dict):
            self.counters.bad_requests += 1
            return web.Response(status=400)
        data = lone_surrogates.scrub(data)
        try:
            update = Update.de_json(data, self._app.bot)
        except Exception as exc:  # a malformed update must not become a 500 Telegram retries
            self.counters.bad_requests += 1
            self._warn("refused a webhook body that is not an Update (%s)", type(exc).__name__)
            return web.Response(status=400)
        self.counters.updates_received += 1
        self._app.update_queue.put_nowait(update)
        return web.Response(status=200)

    def _warn(self, message: str, *args: object) -> None:
        """A warning an outsider can trigger: rate-limited per kind of message."""
        carried = self._log.admit(message)
        if carried is not None:
            log.warning(message + suppressed_note(carried), *args)

    async def _demo_queue_length(self) -> int | None:
        runner = self._app.bot_data.demos
        if not isinstance(runner, QueueStats):
            return None
        try:
            return await asyncio.wait_for(runner.queue_length(), HEALTH_DB_TIMEOUT_S)
        except Exception as exc:  # probes repeat every few seconds during an outage
            self._warn("demo queue length unavailable (%s)", type(exc).__name__)
            return None

    async def _db_reachable(self) -> bool:
        db = self._app.bot_data.db
        if db is None:
            return False
        try:
            await asyncio.wait_for(db.run(ping), HEALTH_DB_TIMEOUT_S)
        except Exception as exc:  # probes repeat every few seconds during an outage
            self._warn("health check: database unreachable (%s)", type(exc).__name__)
            return False
        return True

    async def _handle_health(self, request: web.Request) -> web.Response:
        db_ok, queue = await asyncio.gather(self._db_reachable(), self._demo_queue_length())
        ok = db_ok and self._app.running
        body = {"ok": ok, "db": db_ok, "demo_queue": queue,
                "updates_received": self.counters.updates_received}
        # 503 takes this instance out of a load balancer's rotation until the database is back.
        return web.json_response(body, status=200 if ok else 503)

    async def _handle_metrics(self, request: web.Request) -> web.Response:
        queue = await self._demo_queue_length()
        c = self.counters
        lines = [
            "# HELP tutorbot_updates_received_total Telegram updates accepted on the webhook.",
            "# TYPE tutorbot_updates_received_total counter",
            f"tutorbot_updates_received_total {c.updates_received}",
            "# HELP tutorbot_forged_requests_total Webhook requests refused for their secret.",
            "# TYPE tutorbot_forged_requests_total counter",
            f"tutorbot_forged_requests_total {c.forged_requests}",
            "# HELP tutorbot_bad_requests_total Webhook bodies refused as malformed.",
            "# TYPE tutorbot_bad_requests_total counter",
            f"tutorbot_bad_requests_total {c.bad_requests}",
            "# HELP tutorbot_too_large_requests_total Webhook bodies refused as too large.",
            "# TYPE tutorbot_too_large_requests_total counter",
            f"tutorbot_too_large_requests_total {c.too_large}",
            "# HELP tutorbot_update_queue_size Updates accepted but not yet handled here.",
            "# TYPE tutorbot_update_queue_size gauge",
            f"tutorbot_update_queue_size {self._app.update_queue.qsize()}",
            "# HELP tutorbot_webhook_slow_clients_total Connections closed for a slow request "
            "head or body.",
            "# TYPE tutorbot_webhook_slow_clients_total counter",
            f"tutorbot_webhook_slow_clients_total {self._slow_clients()}",
            "# HELP tutorbot_webhook_connections_refused_total Connections turned away or "
            "evicted at the connection cap.",
            "# TYPE tutorbot_webhook_connections_refused_total counter",
            f"tutorbot_webhook_connections_refused_total {self._refused_connections()}",
            "# HELP tutorbot_webhook_open_connections Connections open to the webhook server.",
            "# TYPE tutorbot_webhook_open_connections gauge",
            f"tutorbot_webhook_open_connections {self.guard.counters.open if self.guard else 0}",
        ]
        if queue is not None:
            lines += [
                "# HELP tutorbot_demo_queue_length Demo jobs queued or running on Redis.",
                "# TYPE tutorbot_demo_queue_length gauge",
                f"tutorbot_demo_queue_length {queue}",
            ]
        return web.Response(text="\n".join(lines) + "\n",
                            content_type="text/plain", charset="utf-8",
                            headers={"X-Content-Type-Options": "nosniff"})


    def _slow_clients(self) -> int:
        heads = self.guard.counters.slow_heads if self.guard else 0
        return heads + self.counters.slow_bodies

    def _refused_connections(self) -> int:
        return (self.guard.counters.refused + self.guard.counters.evicted) if self.guard else 0


class _GuardedSite(web.BaseSite):
    """aiohttp's TCPSite, with every accepted connection passed through a ConnectionGuard."""

    def __init__(self, runner: web.AppRunner, host: str, port: int, guard: ConnectionGuard,
                 *, reuse_port: bool) -> None:
        super().__init__(runner)
        self._host, self._port, self._guard, self._reuse_port = host, port, guard, reuse_port

    @property
    def name(self) -> str:
        return f"http://{self._host}:{self._port}"

    async def start(self) -> None:
        await super().start()
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(self._guard, self._host, self._port,
                                                backlog=self._backlog,
                                                reuse_port=self._reuse_port)


async def start_webhook(app: TutorApp, settings: Settings) -> WebhookServer:
    """Initialise and start the app, listen, then register the webhook with Telegram.

    The listener is up before setWebhook, so the first delivery finds it. Pending updates are
    kept (no drop_pending_updates): what learners sent while the bot was down arrives now.
    """
    if not settings.webhook_url:
        raise ValueError("WEBHOOK_URL is not set")
    if settings.webhook_secret is None:
        raise ValueError("WEBHOOK_SECRET must be set in webhook mode")
    secret = settings.webhook_secret.get_secret_value()
    server = WebhookServer(app, path=webhook_path(settings.webhook_url), secret=secret)
    await initialize(app)
    try:
        await app.start()
        await server.start(settings.listen_host, settings.listen_port)
        await app.bot.set_webhook(settings.webhook_url, secret_token=secret,
                                  allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    except BaseException:
        await stop_webhook(app, server)
        raise
    return server


async def stop_webhook(app: TutorApp, server: WebhookServer) -> None:
    """Stop taking updates, let PTB finish the queued ones, then release resources.

    The webhook stays registered so Telegram queues updates until an instance is back.
    """
    await server.stop()
    if app.running:
        # app.stop() waits for every task made with create_task, demo followers included;
        # closing the runner first ends those at once (the learner sees "cancelled") instead
        # of holding a deploy for up to a demo's time limit. post_shutdown closes it again,
        # which both runners allow.
        if app.bot_data.demos is not None:
            await app.bot_data.demos.close()
        await app.stop()
    await shutdown(app)
