"""Webhook mode: delivery through the emulator, forged requests, restarts, health and metrics."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest
from sqlmodel import Session, func, select

from bot.runner import serve_webhook
from bot.store.models import Learner, ReviewLog
from bot.webserver import SECRET_HEADER
from tests.factories import FakeClock
from tests.scaleout.conftest import (
    LEARNER,
    WEBHOOK_SECRET,
    WebhookBot,
    free_port,
    press,
    say,
    start_webhook_bot,
    webhook_settings,
)
from tgemu import BotApiEmulator


def _count(bot: WebhookBot, model: type[Learner] | type[ReviewLog]) -> int:
    with Session(bot.db.engine) as session:
        return session.exec(select(func.count()).select_from(model)).one()


async def test_study_loop_over_webhook(webhook_bot: WebhookBot) -> None:
    """A learner starts, studies, answers and rates with every update arriving by webhook."""
    emu = webhook_bot.emu
    assert emu.webhook is not None
    assert emu.webhook.url == webhook_bot.settings.webhook_url
    assert emu.webhook.secret_token == WEBHOOK_SECRET
    (welcome,) = await say(emu, "/start")
    assert "Hi Ada" in welcome.body
    (card,) = await say(emu, "/study")
    assert "What is data augmentation?" in card.body
    (graded,) = await say(emu, "artificially enlarging the training set by transforming data")
    assert "Reference answer" in graded.body
    (next_card,) = await press(emu, graded, "Good")
    assert "What is softmax?" in next_card.body
    assert "Saved: Good" in emu.message(LEARNER, graded.message_id).body
    assert _count(webhook_bot, ReviewLog) == 1
    assert webhook_bot.server.counters.updates_received >= 4
    assert emu.pending_updates == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_forged_requests_are_refused_and_not_logged(
    webhook_bot: WebhookBot, caplog: pytest.LogCaptureFixture
) -> None:
    """No or a wrong secret gets 403, nothing is handled, and neither token reaches the logs."""
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.INFO)
    forged_token = "guessed-secret-1234567"
    update = {"update_id": 999, "message": {
        "message_id": 1, "date": 1_700_000_000, "text": "/start",
        "chat": {"id": 666, "type": "private"},
        "from": {"id": 666, "is_bot": False, "first_name": "Mallory"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
    url = f"{webhook_bot.base}/telegram"
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=update) as resp:
            assert resp.status == 403
        async with http.post(url, json=update, headers={SECRET_HEADER: forged_token}) as resp:
            assert resp.status == 403
        async with http.post(url, json=update,
                             headers={SECRET_HEADER: WEBHOOK_SECRET[:-1]}) as resp:
            assert resp.status == 403
        headers = {SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
        async with http.post(url, data=b"x" * (2 * 1024 * 1024), headers=headers) as resp:
            assert resp.status == 413
        async with http.post(url, data=b"{not json", headers=headers) as resp:
            assert resp.status == 400
    assert webhook_bot.server.counters.forged_requests == 3
    assert webhook_bot.server.counters.updates_received == 0
    assert _count(webhook_bot, Learner) == 0
    assert not any(c.params.get("chat_id") == 666 for c in webhook_bot.emu.calls)
    assert "refused a webhook request" in caplog.text
    for record in caplog.records:
        text = record.getMessage() + (record.exc_text or "")
        assert forged_token not in text
        assert WEBHOOK_SECRET[:-1] not in text


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_updates_sent_while_down_are_handled_after_restart(
    emulator: BotApiEmulator, database_url: str, clock: FakeClock
) -> None:
    """The webhook survives a restart: what the learner sent while the bot was down arrives."""
    settings = webhook_settings(emulator, database_url, free_port())
    bot = await start_webhook_bot(emulator, settings, clock)
    await say(emulator, "/start")
    await bot.stop()
    assert emulator.webhook is not None  # stopping does not delete the webhook
    emulator.user(LEARNER, first_name="Ada")
    await emulator.send_text(LEARNER, "/study")
    await emulator.wait_until(lambda: emulator.webhook is not None
                              and emulator.webhook.last_error_message)
    assert emulator.pending_updates == 1
    bot = await start_webhook_bot(emulator, settings, clock)
    try:
        (card,) = await emulator.wait_for_bot_message(LEARNER, timeout=10)
        assert "What is data augmentation?" in card.body
        assert emulator.pending_updates == 0
    finally:
        await bot.stop()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_healthz_and_metrics(webhook_bot: WebhookBot) -> None:
    """/healthz reports the database and demo queue; /metrics counts updates and forgeries."""
    await say(webhook_bot.emu, "/start")
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{webhook_bot.base}/telegram", json={}) as resp:
            assert resp.status == 403
        async with http.get(f"{webhook_bot.base}/healthz") as resp:
            assert resp.status == 200
            health = json.loads(await resp.text())
        async with http.get(f"{webhook_bot.base}/metrics") as resp:
            assert resp.status == 200
            assert resp.content_type == "text/plain"
            metrics = await resp.text()
    assert health == {"ok": True, "db": True, "demo_queue": None, "updates_received": 1}
    samples = dict(line.split(" ") for line in metrics.splitlines()
                   if line and not line.startswith("#"))
    assert samples["tutorbot_updates_received_total"] == "1"
    assert samples["tutorbot_forged_requests_total"] == "1"
    assert "tutorbot_update_queue_size" in samples


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_healthz_fails_when_database_is_gone(webhook_bot: WebhookBot) -> None:
    """/healthz answers 503 when the database cannot be reached, so a balancer drains it."""
    webhook_bot.db.engine.dispose()
    real = webhook_bot.app.bot_data.db
    webhook_bot.app.bot_data.db = None
    try:
        async with aiohttp.ClientSession() as http, \
                http.get(f"{webhook_bot.base}/healthz") as resp:
            assert resp.status == 503
            assert (await resp.json())["db"] is False
    finally:
        webhook_bot.app.bot_data.db = real


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_serve_webhook_runs_until_stopped(
    emulator: BotApiEmulator, database_url: str
) -> None:
    """run_bot's webhook path registers the webhook, answers a learner and stops on request."""
    settings = webhook_settings(emulator, database_url, free_port())
    stop = asyncio.Event()
    task = asyncio.create_task(serve_webhook(settings, stop))
    await emulator.wait_until(lambda: emulator.webhook is not None, timeout=20)
    (welcome,) = await say(emulator, "/start")
    assert "Hi Ada" in welcome.body
    stop.set()
    await asyncio.wait_for(task, 20)
    assert emulator.webhook is not None  # kept, so Telegram queues updates while down


def test_webhook_mode_requires_a_secret(emulator: BotApiEmulator, sqlite_url: str) -> None:
    """Webhook mode refuses to start without WEBHOOK_SECRET: anyone could post updates."""
    settings = webhook_settings(emulator, sqlite_url, free_port(), webhook_secret=None)
    with pytest.raises(ValueError, match="WEBHOOK_SECRET"):
        asyncio.run(serve_webhook(settings))


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_two_instances_share_one_port_through_a_restart(
    emulator: BotApiEmulator, database_url: str, clock: FakeClock
) -> None:
    """A second instance starts on the same WEBHOOK_LISTEN while the first still runs (no
    "address in use"); once the first stops, the second takes every delivery."""
    settings = webhook_settings(emulator, database_url, free_port())
    old = await start_webhook_bot(emulator, settings, clock)
    new = await start_webhook_bot(emulator, settings, clock)
    try:
        assert new.server.port == old.server.port
        (welcome,) = await say(emulator, "/start")
        assert "Hi Ada" in welcome.body
        await old.stop()
        (card,) = await say(emulator, "/study", wait_s=15)
        assert "What is data augmentation?" in card.body
        assert old.server.counters.updates_received + new.server.counters.updates_received == 2
    finally:
        await new.stop()
