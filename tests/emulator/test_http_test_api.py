"""The /_emulator HTTP test API, used by benchmarks and bot subprocess tests."""

from __future__ import annotations

import asyncio
import base64
import logging

import httpx
import pytest
from telegram import Bot
from telegram.ext import Application

from tgemu import BotApiEmulator

from .conftest import make_png


async def test_drive_bot_over_http(emu: BotApiEmulator, bot_app: Application) -> None:  # type: ignore[type-arg]
    """Another process can create users, inject messages, wait, press buttons and read chats."""
    async with httpx.AsyncClient(base_url=f"{emu.url}/_emulator") as c:
        assert (await c.get("/health")).json()["base_url"] == emu.base_url
        user = (await c.post("/users", json={"user_id": 77, "first_name": "Bo"})).json()
        assert user == {"id": 77, "is_bot": False, "first_name": "Bo", "language_code": "en"}
        up = (await c.post("/send_text", json={"user_id": 77, "text": "/start"})).json()
        assert up["message"]["entities"][0]["type"] == "bot_command"
        r = await c.post("/wait_for_bot_message", json={"chat_id": 77, "timeout": 5})
        [msg] = r.json()["messages"]
        assert msg["text"] == "Hello! Ready?" and msg["buttons"] == [[["Yes", "yes"],
                                                                    ["No", "no"]]]
        await c.post("/press", json={"user_id": 77, "message_id": msg["message_id"],
                                     "callback_data": "no"})
        await emu.wait_for_call("answerCallbackQuery")
        answers = (await c.get("/callback_answers")).json()["answers"]
        assert answers[-1]["text"] == "picked no"
        png = make_png()
        await c.post("/send_photo", json={"user_id": 77,
                                          "photo_base64": base64.b64encode(png).decode()})
        r = await c.post("/wait_for_bot_message", json={"chat_id": 77})
        [photo] = r.json()["messages"]
        assert photo["has_photo"]
        raw = await c.get(f"/files/{photo['photo_file_id']}")
        assert raw.content == png
        chat = (await c.get("/chats/77")).json()["messages"]
        assert [m["from_bot"] for m in chat] == [False, True, False, True]
        calls = (await c.get("/calls", params={"method": "sendMessage"})).json()
        assert calls["total"] == 1 and calls["calls"][0]["params"]["chat_id"] == 77
        stats = (await c.get("/stats")).json()
        assert stats["bot_messages"] == 2 and stats["status_counts"]["200"] >= 4


async def test_faults_rate_limit_and_reset_over_http(emu: BotApiEmulator, bot: Bot) -> None:
    """Faults, rate limits and reset are reachable over HTTP; bad input gives a 400 JSON."""
    async with httpx.AsyncClient(base_url=f"{emu.url}/_emulator") as c:
        await c.post("/users", json={"user_id": 5})
        f = (await c.post("/faults", json={"method": "sendMessage", "kind": "502"})).json()
        assert f["kind"] == "502" and len((await c.get("/faults")).json()["faults"]) == 1
        with pytest.raises(Exception, match="Bad Gateway"):
            await bot.send_message(5, "x")
        await c.post("/rate_limit", json={"per_chat_per_s": 1})
        await bot.send_message(5, "x")
        assert emu._rate is not None
        await c.post("/rate_limit", json={"enabled": False})
        assert emu._rate is None
        bad = await c.post("/faults", json={"kind": "teapot"})
        assert bad.status_code == 400 and "unknown fault kind" in bad.json()["error"]
        timeout = await c.post("/wait_for_bot_message", json={"chat_id": 5, "count": 3,
                                                          "timeout": 0.1})
        assert timeout.status_code == 408 and "transcript" not in timeout.json()
        assert "chat 5" in timeout.json()["error"]
        await c.post("/reset")
        assert emu.calls == [] and emu.chats == {}


async def test_wait_timeout_shows_transcript(emu: BotApiEmulator) -> None:
    """A wait that times out names what it waited for and prints the chat transcript."""
    user = emu.user(9)
    await emu.send_text(user, "anyone there?")
    with pytest.raises(TimeoutError, match="anyone there") as info:
        await emu.wait_for_bot_message(user, timeout=0.1)
    assert "1 new bot message(s) in chat 9" in str(info.value)


async def test_token_never_logged(
    emu: BotApiEmulator, bot_app: Application, caplog: pytest.LogCaptureFixture  # type: ignore[type-arg]
) -> None:
    """Neither the emulator's logs nor its call log contain the bot token, only the bot id."""
    caplog.set_level(logging.DEBUG)
    user = emu.user(11)
    emu.inject_fault("sendMessage", "500")
    await emu.send_text(user, "hello")
    await emu.wait_for_call("sendMessage")
    await emu.send_text(user, "again")
    await emu.wait_for_bot_message(user)
    async with httpx.AsyncClient() as c:
        await c.get(f"{emu.base_url}{emu.token}/getMe")
        await c.get(f"{emu.file_url}{emu.token}/missing")
    await asyncio.sleep(0.05)
    ours = [r for r in caplog.records if r.name.startswith(("tgemu", "aiohttp"))]
    assert any(str(emu.bot_id) in r.getMessage() for r in ours)
    secret = emu.token.split(":", 1)[1]
    assert not any(secret in r.getMessage() for r in ours)
    assert not any(secret in repr(c) for c in emu.calls)



async def test_inject_and_wait_for_the_reply_in_one_request(
    emu: BotApiEmulator, bot_app: Application,  # type: ignore[type-arg]
) -> None:
    """send_text with "wait" answers with the bot's reply in that chat, unaffected by a
    waiter in another chat; the same call without "wait" answers at once as before."""
    async with httpx.AsyncClient(base_url=f"{emu.url}/_emulator") as c:
        for user in (77, 78):
            await c.post("/users", json={"user_id": user, "first_name": "Bo"})
        other = asyncio.create_task(emu.wait_for_bot_message(78, timeout=5))
        got = (await c.post("/send_text", json={
            "user_id": 77, "text": "/start", "wait": {"count": 1, "timeout": 5}})).json()
        [msg] = got["messages"]
        assert msg["text"] == "Hello! Ready?"
        assert got["update"]["message"]["text"] == "/start"
        assert not other.done()
        up = (await c.post("/send_text", json={"user_id": 78, "text": "hi"})).json()
        assert up["message"]["text"] == "hi"
        [echo] = await other
        assert echo.text == "echo: hi"
