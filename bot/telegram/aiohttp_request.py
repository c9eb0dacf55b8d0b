"""PTB's HTTP layer on aiohttp: every Bot API call, at a quarter of httpx's CPU cost.

PTB lets an application replace its default `HTTPXRequest` with any `BaseRequest`. Measured
against the Bot API emulator on this project's 2-core machine, one `send_message` costs about
2 ms of CPU through httpx/httpcore (whose pool also scans every connection with a syscall on
each request) and about 0.5 ms through aiohttp. That difference is most of the bot's own cost
per update and per push, so the bound moves from our HTTP client back to Telegram.

Everything above `do_request` stays PTB's: parameters, `AIORateLimiter`, retries, errors.
Errors are mapped as `HTTPXRequest` maps them, keeping the cause, so callers can still tell a
request that surely never left (a refused connection, no free connection in time) from one
that may have reached Telegram. Messages never include the URL, which holds the bot token.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from bot.telegram import lone_surrogates

_DEFAULT = BaseRequest.DEFAULT_NONE
_JSON = {"Content-Type": "application/json"}
# Methods that take no `parse_mode`, which PTB still sends them once `Defaults` sets one (its
# `_send_message` fills the field for every method that returns a Message). Telegram ignores
# an unknown parameter, but a bot should send only what the method declares.
_NO_PARSE_MODE = frozenset({
    "editMessageReplyMarkup", "editMessageLiveLocation", "stopMessageLiveLocation",
    "sendSticker", "sendDice", "sendLocation", "sendVenue", "sendContact", "sendGame",
    "sendInvoice", "sendPoll", "stopPoll", "setGameScore",
})


class AiohttpRequest(BaseRequest):
    """A `BaseRequest` on one `aiohttp.ClientSession`, created in `initialize` (in the loop).

    Timeouts mean what they mean for `HTTPXRequest`: `pool_timeout` plus `connect_timeout`
    bound getting a connection, `read_timeout` bounds each read. aiohttp has no write timeout;
    uploads are bounded by `media_write_timeout` as a total instead.
    """

    def __init__(
        self, *, connection_pool_size: int = 16, read_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0, pool_timeout: float | None = 1.0,
        media_write_timeout: float | None = 20.0,
    ) -> None:
        self._pool_size = connection_pool_size
        self._read_timeout = read_timeout
        self._connect_timeout = connect_timeout
        self._pool_timeout = pool_timeout
        self._media_write_timeout = media_write_timeout
        self._session: aiohttp.ClientSession | None = None
        self._proxies: dict[tuple[str, str], str | None] = {}

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size),
                headers={"User-Agent": self.USER_AGENT},
                # Not trust_env: aiohttp would then read the proxy variables and look for a
                # .netrc file on every request, a tenth of a push's CPU. `_proxy_for` reads
                # the same variables once per host instead.
                trust_env=False,
            )
            self._proxies = {}

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | object | None = _DEFAULT,
        write_timeout: float | object | None = _DEFAULT,
        connect_timeout: float | object | None = _DEFAULT,
        pool_timeout: float | object | None = _DEFAULT,
    ) -> tuple[int, bytes]:
        """See `BaseRequest.do_request`."""
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data and request_data.contains_files \
            else None
        read = _pick(read_timeout, self._read_timeout)
        connect = _pick(connect_timeout, self._connect_timeout)
        pool = _pick(pool_timeout, self._pool_timeout)
        write = _pick(write_timeout, self._media_write_timeout if files else None)
        timeout = aiohttp.ClientTimeout(
            total=write, sock_read=read, sock_connect=connect,
            connect=None if pool is None or connect is None else pool + connect,
        )
        body: aiohttp.FormData | bytes | None = None
        headers = None
        if request_data is not None and files:
            body = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mime) in files.items():
                body.add_field(name, content, filename=filename, content_type=mime)
        elif request_data is not None:
            parameters = request_data.parameters
            if "parse_mode" in parameters and url.rpartition("/")[2] in _NO_PARSE_MODE:
                parameters = {k: v for k, v in parameters.items() if k != "parse_mode"}
            # A JSON body, which the Bot API takes for every call without a file: one C-level
            # json.dumps instead of url-encoding each value, which showed in the bot's CPU profile.
            body, headers = json.dumps(parameters).encode(), _JSON
        try:
            async with self._session.request(method, url, data=body, headers=headers,
                                             timeout=timeout,
                                             proxy=self._proxy_for(url)) as resp:
                return resp.status, await resp.read()
        # aiohttp's own messages may quote the URL, and with it the token: causes are replaced
        # by bare ones that keep only what `pushes._surely_unsent` needs to know.
        except aiohttp.ConnectionTimeoutError:
            raise TimedOut(
                "Pool or connect timeout: no connection in time. Request was *not* sent to "
                "Telegram."
            ) from aiohttp.ConnectionTimeoutError()
        except TimeoutError:
            raise TimedOut from RequestMaybeSent()
        except aiohttp.ClientConnectorError as err:
            # Its text names host and port only, never the path with the token.
            raise NetworkError(f"aiohttp.{type(err).__name__}: {err}") from err
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}") from RequestMaybeSent()

    @staticmethod
    def parse_json_payload(payload: bytes) -> dict[str, Any]:
        """PTB's parsing, with lone surrogates replaced (see bot/telegram/lone_surrogates.py)."""
        data = BaseRequest.parse_json_payload(payload)
        if lone_surrogates.might_hold_one(payload):
            data = lone_surrogates.scrub(data)
        return data

    async def retrieve_at_most(self, url: str, limit: int, *, total_s: float = 60.0
                               ) -> bytes | None:
        """The body at ``url``, or None once it is known to exceed ``limit`` bytes.

        PTB's `retrieve` reads a whole file before anyone can look at its size; a local Bot
        API server may send documents without ``file_size``, so the size is only learnt here,
        and reading stops (the connection is dropped) at the first byte past the limit.
        """
        if self._session is None or self._session.closed:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        try:
            async with self._session.get(url, timeout=aiohttp.ClientTimeout(total=total_s),
                                         proxy=self._proxy_for(url)) as resp:
                if resp.status != 200:
                    raise NetworkError(f"file download answered HTTP {resp.status}")
                if resp.content_length is not None and resp.content_length > limit:
                    return None
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    size += len(chunk)
                    if size > limit:
                        resp.close()  # not released to the pool: the rest is never read
                        return None
                    chunks.append(chunk)
                return b"".join(chunks)
        except TimeoutError:
            raise TimedOut from RequestMaybeSent()
        except aiohttp.ClientError as err:
            raise NetworkError(f"aiohttp.{type(err).__name__}") from RequestMaybeSent()

    def _proxy_for(self, url: str) -> str | None:
        """HTTPS_PROXY / HTTP_PROXY / NO_PROXY, as PTB's default httpx honours them."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        if key not in self._proxies:
            proxies = urllib.request.getproxies_environment()
            bypass = urllib.request.proxy_bypass(parts.netloc, proxies)
            self._proxies[key] = None if bypass else proxies.get(parts.scheme)
        return self._proxies[key]


class RequestMaybeSent(Exception):
    """The request may have reached Telegram before it failed (a read timeout, a dropped
    connection): a retry could deliver it twice."""


def _pick(given: float | object | None, default: float | None) -> float | None:
    if given is _DEFAULT or not (given is None or isinstance(given, int | float)):
        return default
    return given
