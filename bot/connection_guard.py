"""Slow clients and connection floods at the webhook server's door.

aiohttp's server has no deadline for the first request's head and no cap on connections, so
1,000 half-sent requests were held for as long as their senders liked, and 1,100 of them
used up the process's 1,024 file descriptors: every real delivery from Telegram then failed.

`ConnectionGuard` wraps aiohttp's protocol factory (it is what `loop.create_server` calls for
each accepted connection) and adds two rules:

* A request head (request line and headers) must arrive within `head_timeout_s` of the
  connection opening; a connection still sending its head then is aborted. Later requests on
  a kept-alive connection are bounded by aiohttp's keep-alive timeout, and a request body by
  the update handler's own timeout (bot.webserver).
* At most `max_connections` are open at once, well below the descriptor limit. A connection
  arriving at the cap evicts the oldest one that has not finished its head (a slow client
  is the only kind that can pile up); only when every open connection is past its head is
  the new one refused. Telegram's own requests finish their head in milliseconds, so a flood
  of slow connections cannot keep them out.

The head's end is found by looking for the blank line that ends it, without parsing; the
bytes are passed on untouched.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.log_throttle import LogThrottle, suppressed_note

log = logging.getLogger(__name__)

HEAD_END = b"\r\n\r\n"
# Descriptors kept free for everything else the process opens: database and Redis
# connections, the Bot API client's pool, demo workers' pipes, log files.
MIN_RESERVED_FDS = 64


def connection_cap(most: int, *, nofile: int | None = None) -> int:
    """`most`, lowered to leave room under the process's open-file limit (RLIMIT_NOFILE)."""
    if nofile is None:
        soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        nofile = soft if soft != resource.RLIM_INFINITY else most * 2
    reserved = max(MIN_RESERVED_FDS, nofile // 8)
    return max(8, min(most, nofile - reserved))


@dataclass
class GuardCounters:
    """What /metrics reports about the door."""

    open: int = 0
    slow_heads: int = 0  # aborted for not sending their head in time
    evicted: int = 0  # slow heads aborted to make room for a new connection
    refused: int = 0  # turned away at the cap


class ConnectionGuard:
    """A protocol factory for `loop.create_server` around aiohttp's own (web.Server)."""

    def __init__(self, factory: Callable[[], asyncio.Protocol], *, max_connections: int,
                 head_timeout_s: float) -> None:
        self._factory = factory
        self.max_connections = max_connections
        self.head_timeout_s = head_timeout_s
        self.counters = GuardCounters()
        # Connections still sending their head, oldest first: the ones eviction picks.
        self._in_head: OrderedDict[_Guarded, None] = OrderedDict()
        self._log = LogThrottle(per_window=3, window_s=60.0)

    def __call__(self) -> asyncio.Protocol:
        return _Guarded(self, self._factory())

    def _admit(self, conn: _Guarded) -> bool:
        if self.counters.open >= self.max_connections:
            if not self._in_head:
                self.counters.refused += 1
                self._note("refused a webhook connection: %d open, the cap", self.max_connections)
                return False
            oldest, _ = self._in_head.popitem(last=False)
            self.counters.evicted += 1
            self._note("dropped a slow webhook client to admit a new one (%d open)",
                       self.max_connections)
            oldest.abort()
        self.counters.open += 1
        self._in_head[conn] = None
        return True

    def _head_done(self, conn: _Guarded) -> None:
        self._in_head.pop(conn, None)

    def _closed(self, conn: _Guarded) -> None:
        self._in_head.pop(conn, None)
        self.counters.open -= 1

    def _note(self, message: str, *args: Any) -> None:
        carried = self._log.admit(message)
        if carried is not None:
            log.warning(message + suppressed_note(carried), *args)


class _Guarded(asyncio.Protocol):
    """One connection: aiohttp's protocol inside, the head deadline around it."""

    def __init__(self, guard: ConnectionGuard, inner: asyncio.Protocol) -> None:
        self._guard = guard
        self._inner = inner
        self._transport: asyncio.Transport | None = None
        self._admitted = False
        self._in_head = True
        self._tail = b""
        self._deadline: asyncio.TimerHandle | None = None

    def abort(self) -> None:
        if self._transport is not None:
            self._transport.abort()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        if not self._guard._admit(self):
            transport.abort()
            return
        self._admitted = True
        loop = asyncio.get_running_loop()
        self._deadline = loop.call_later(self._guard.head_timeout_s, self._head_too_slow)
        self._inner.connection_made(transport)

    def _head_too_slow(self) -> None:
        self._deadline = None
        if self._in_head:
            self._guard.counters.slow_heads += 1
            self._guard._note("closed a webhook connection whose request head took over %.0f s",
                              self._guard.head_timeout_s)
            self.abort()

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            if HEAD_END in self._tail + data:
                self._in_head = False
                self._guard._head_done(self)
                if self._deadline is not None:
                    self._deadline.cancel()
                    self._deadline = None
            else:
                self._tail = (self._tail + data)[-(len(HEAD_END) - 1):]
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._admitted:
            return  # refused at the door: aiohttp never saw it
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        self._guard._closed(self)
        self._inner.connection_lost(exc)
