"""Webhook mode: setWebhook/getWebhookInfo, delivery with the secret header, retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import Conflict

from tgemu import BotApiEmulator


class Receiver:
    """A small aiohttp server standing in for the bot's webhook endpoint."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, object], str | None]] = []
        self.fail_next = 0
        # Texts whose delivery is held until the test releases it (a slow handler).
        self.hold: dict[str, asyncio.Event] = {}
        self.in_flight = self.most_in_flight = 0
        self.runner: web.AppRunner | None = None
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        if self.fail_next:
            self.fail_next -= 1
            return web.Response(status=500)
        body = await request.json()
        self.in_flight += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            held = self.hold.get(str(body.get("message", {}).get("text")))
            if held is not None:
                await held.wait()
        finally:
            self.in_flight -= 1
        self.received.append((body, request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        return web.Response(text="ok")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}/hook"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    assert r.runner is not None
    await r.runner.cleanup()


async def test_webhook_delivery_with_secret(
    emu: BotApiEmulator, bot: Bot, receiver: Receiver
) -> None:
    """Updates are POSTed in order to the webhook with X-Telegram-Bot-Api-Secret-Token."""
    user = emu.user(3)
    assert await bot.set_webhook(receiver.url, secret_token="s3cr3t")
    info = await bot.get_webhook_info()
    assert info.url == receiver.url and info.pending_update_count == 0
    assert info.has_custom_certificate is False
    await emu.send_text(user, "one")
    await emu.send_text(user, "two")
    await emu.wait_until(lambda: len(receiver.received) == 2)
    assert [u["message"]["text"] for u, _ in receiver.received] == ["one", "two"]  # type: ignore[index]
    assert {secret for _, secret in receiver.received} == {"s3cr3t"}
    assert emu.pending_updates == 0


async def test_pending_updates_delivered_after_set_webhook(
    emu: BotApiEmulator, bot: Bot, receiver: Receiver
) -> None:
    """Updates queued before setWebhook are delivered once it is set, oldest first."""
    user = emu.user(3)
    await emu.send_text(user, "early1")
    await emu.send_text(user, "early2")
    assert (await bot.get_webhook_info()).pending_update_count == 2
    await bot.set_webhook(receiver.url)
    await emu.wait_until(lambda: len(receiver.received) == 2)
    assert [u["message"]["text"] for u, _ in receiver.received] == [  # type: ignore[index]
        "early1", "early2"]
    assert receiver.received[0][1] is None


async def test_failed_delivery_is_retried_in_order(
    emu: BotApiEmulator, bot: Bot, receiver: Receiver
) -> None:
    """A non-2xx answer keeps the update pending and records last_error, then it is retried."""
    user = emu.user(3)
    receiver.fail_next = 2
    await bot.set_webhook(receiver.url)
    await emu.send_text(user, "a")
    await emu.send_text(user, "b")
    await emu.wait_until(lambda: len(receiver.received) == 2, timeout=5)
    assert [u["message"]["text"] for u, _ in receiver.received] == ["a", "b"]  # type: ignore[index]
    info = await bot.get_webhook_info()
    assert info.last_error_message is not None and "500" in info.last_error_message
    assert info.last_error_date is not None


async def test_connection_error_is_retried(emu: BotApiEmulator, bot: Bot) -> None:
    """An unreachable webhook leaves updates pending; pointing it somewhere valid drains them."""
    user = emu.user(3)
    await bot.set_webhook("http://127.0.0.1:9/nothing-listens-here")
    await emu.send_text(user, "x")
    await emu.wait_until(lambda: emu.webhook is not None and emu.webhook.last_error_message)
    assert (await bot.get_webhook_info()).pending_update_count == 1
    r = Receiver()
    await r.start()
    try:
        await bot.set_webhook(r.url)
        await emu.wait_until(lambda: len(r.received) == 1)
    finally:
        assert r.runner is not None
        await r.runner.cleanup()


async def test_get_updates_conflicts_while_webhook_set(emu: BotApiEmulator, bot: Bot) -> None:
    """getUpdates returns 409 while a webhook is set, and works again after deleteWebhook."""
    await bot.set_webhook("http://127.0.0.1:9/hook")
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates(timeout=0) == ()
    assert (await bot.get_webhook_info()).url == ""


async def test_drop_pending_updates(emu: BotApiEmulator, bot: Bot) -> None:
    """setWebhook(drop_pending_updates=True) discards the queue."""
    await emu.send_text(emu.user(3), "old")
    await bot.set_webhook("http://127.0.0.1:9/hook", drop_pending_updates=True)
    await asyncio.sleep(0)
    assert (await bot.get_webhook_info()).pending_update_count == 0


async def test_chats_are_delivered_side_by_side_each_in_order(
    emu: BotApiEmulator, bot: Bot, receiver: Receiver
) -> None:
    """As on Telegram, a slow delivery holds back only its own chat: other chats' updates go
    over further connections meanwhile, and each chat's updates still arrive in order."""
    ada, bob = emu.user(3), emu.user(4)
    release = receiver.hold["ada 1"] = asyncio.Event()
    await bot.set_webhook(receiver.url)
    await emu.send_text(ada, "ada 1")
    await emu.send_text(ada, "ada 2")
    await emu.send_text(bob, "bob 1")
    await emu.send_text(bob, "bob 2")
    await emu.wait_until(lambda: len(receiver.received) == 2)
    texts = [u["message"]["text"] for u, _ in receiver.received]  # type: ignore[index]
    assert texts == ["bob 1", "bob 2"] and emu.pending_updates == 2
    release.set()
    await emu.wait_until(lambda: len(receiver.received) == 4)
    texts = [u["message"]["text"] for u, _ in receiver.received]  # type: ignore[index]
    assert texts[2:] == ["ada 1", "ada 2"]
    assert receiver.most_in_flight == 2 and emu.pending_updates == 0


async def test_deliveries_stay_within_max_connections(
    emu: BotApiEmulator, bot: Bot, receiver: Receiver
) -> None:
    """No more connections than setWebhook's max_connections; as each is accepted, the next
    chat's update takes its place until none are left."""
    users = [emu.user(10 + i) for i in range(6)]
    gate = asyncio.Event()
    for i in range(6):
        receiver.hold[f"u{i}"] = gate
    await bot.set_webhook(receiver.url, max_connections=2)
    for i, user in enumerate(users):
        await emu.send_text(user, f"u{i}")
    await emu.wait_until(lambda: receiver.in_flight == 2)
    await asyncio.sleep(0.2)
    assert receiver.most_in_flight == 2 and not receiver.received
    gate.set()
    await emu.wait_until(lambda: len(receiver.received) == 6)
    assert receiver.most_in_flight == 2 and emu.pending_updates == 0
