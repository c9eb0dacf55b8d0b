"""PTB on bot.telegram.aiohttp_request behaves as on PTB's default httpx layer."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Forbidden, NetworkError, RetryAfter, TimedOut

from bot.jobs.pushes import _surely_unsent
from bot.telegram.aiohttp_request import AiohttpRequest
from tests.emulator.conftest import KEYBOARD, make_png
from tgemu import BotApiEmulator


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    b = Bot(emu.token, base_url=emu.base_url, base_file_url=emu.file_url,
            request=AiohttpRequest(connection_pool_size=4, read_timeout=0.5))
    await b.initialize()
    try:
        yield b
    finally:
        await b.shutdown()


async def test_messages_buttons_and_html_arrive_as_sent(emu: BotApiEmulator, bot: Bot) -> None:
    """A message with HTML and an inline keyboard reaches the chat intact."""
    emu.user(7, first_name="Ada")
    sent = await bot.send_message(7, "<b>Hi</b> &amp; bye", parse_mode="HTML",
                                  reply_markup=KEYBOARD)
    (shown,) = emu.bot_messages(7)
    assert shown.text == "Hi & bye" and shown.buttons == [[("Yes", "yes"), ("No", "no")]]
    assert sent.message_id == shown.message_id


async def test_uploads_and_downloads_files(emu: BotApiEmulator, bot: Bot) -> None:
    """Multipart uploads work, and a file comes back byte for byte."""
    emu.user(7)
    png = make_png(3, 2)
    message = await bot.send_photo(7, png, caption="chart")
    assert message.photo and message.caption == "chart"
    doc = await bot.send_document(7, b"a,b\n1,2\n", filename="deck.csv")
    assert doc.document is not None
    data = await (await bot.get_file(doc.document.file_id)).download_as_bytearray()
    assert bytes(data) == b"a,b\n1,2\n"


async def test_telegram_errors_map_to_ptb_errors(emu: BotApiEmulator, bot: Bot) -> None:
    """429 and 403 surface as RetryAfter and Forbidden, as with httpx."""
    emu.user(7)
    emu.inject_fault("sendMessage", "429", retry_after=3)
    with pytest.raises(RetryAfter):
        await bot.send_message(7, "x")
    emu.inject_fault("sendMessage", "403")
    with pytest.raises(Forbidden):
        await bot.send_message(7, "x")


async def test_slow_answer_times_out_and_may_have_been_sent(
    emu: BotApiEmulator, bot: Bot,
) -> None:
    """A read timeout is TimedOut and counts as maybe delivered (pushes never resend it)."""
    emu.user(7)
    emu.inject_fault("sendMessage", "slow", delay=2.0)
    with pytest.raises(TimedOut) as caught:
        await bot.send_message(7, "x")
    assert not _surely_unsent(caught.value)
    assert emu.token.split(":", 1)[1] not in _chain_text(caught.value)


async def test_refused_connection_is_surely_unsent_and_hides_the_token(
    emu: BotApiEmulator,
) -> None:
    """Nothing listening: a NetworkError whose cause says the request never left, with no
    token in any message."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = Bot(emu.token, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
    request = bot.request
    await request.initialize()
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(7, "x")
    finally:
        await request.shutdown()
    assert isinstance(caught.value.__cause__, aiohttp.ClientConnectorError)
    assert _surely_unsent(caught.value)
    secret = emu.token.split(":", 1)[1]
    assert secret not in str(caught.value) and secret not in str(caught.value.__cause__)


async def test_dropped_connection_is_a_network_error_without_the_url(
    emu: BotApiEmulator, bot: Bot,
) -> None:
    """A connection reset mid-request is a NetworkError naming only the error type."""
    emu.user(7)
    emu.inject_fault("sendMessage", "reset")
    with pytest.raises(NetworkError) as caught:
        await bot.send_message(7, "x")
    assert emu.token.split(":", 1)[1] not in _chain_text(caught.value)
    assert not _surely_unsent(caught.value)


def _chain_text(exc: BaseException | None) -> str:
    """Every message and repr along the cause chain: where an error tracker would look."""
    parts = []
    while exc is not None:
        parts += [str(exc), repr(exc)]
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)


async def test_requests_go_through_the_proxy_named_in_the_environment(
    emu: BotApiEmulator, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """HTTP_PROXY is honoured, as with PTB's default httpx: a host that does not resolve is
    reached through the proxy (the emulator plays it), and NO_PROXY turns it off again."""
    emu.user(7)
    monkeypatch.setenv("HTTP_PROXY", emu.base_url.rsplit("/bot", 1)[0])
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    bot = Bot(emu.token, base_url="http://api.telegram.invalid/bot", request=AiohttpRequest())
    await bot.request.initialize()
    try:
        await bot.send_message(7, "via the proxy")
    finally:
        await bot.request.shutdown()
    assert [m.text for m in emu.bot_messages(7)] == ["via the proxy"]

    monkeypatch.setenv("NO_PROXY", "api.telegram.invalid")
    bot = Bot(emu.token, base_url="http://api.telegram.invalid/bot", request=AiohttpRequest())
    await bot.request.initialize()
    try:
        with pytest.raises(NetworkError):
            await bot.send_message(7, "direct")
    finally:
        await bot.request.shutdown()


async def test_calls_without_files_are_json_and_uploads_multipart() -> None:
    """What Telegram receives: a JSON body whose keyboard is an object (not a JSON string in a
    form field), non-ASCII text intact; multipart only when a file goes along."""
    seen: list[tuple[str, bytes]] = []

    async def record(request: web.Request) -> web.Response:
        seen.append((request.content_type, await request.read()))
        message = {"message_id": 1, "date": 0, "chat": {"id": 7, "type": "private"},
                   "text": "ok"}
        return web.json_response({"ok": True, "result": message})

    app = web.Application()
    app.router.add_post("/bot{token}/{method}", record)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    bot = Bot("123:abc", base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest())
    await bot.request.initialize()
    try:
        await bot.send_message(7, "Grüße ✓ <b>bold</b>", parse_mode="HTML",
                               reply_markup=KEYBOARD)
        await bot.send_document(7, b"a,b\n", filename="deck.csv")
    finally:
        await bot.request.shutdown()
        await runner.cleanup()
    (json_type, json_body), (upload_type, upload_body) = seen
    assert json_type == "application/json"
    sent = json.loads(json_body)
    assert sent["chat_id"] == 7 and sent["text"] == "Grüße ✓ <b>bold</b>"
    assert sent["reply_markup"] == {"inline_keyboard": [
        [{"text": "Yes", "callback_data": "yes"}, {"text": "No", "callback_data": "no"}]]}
    assert upload_type == "multipart/form-data" and b'filename="deck.csv"' in upload_body
