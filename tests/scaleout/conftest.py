"""Fixtures for the scale-out path: a webhook-mode bot, Redis keys that clean up after
themselves, and queue workers in their own processes."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import redis.asyncio
from pydantic import SecretStr

from bot.app import build_application
from bot.config import Settings
from bot.store.db import Database
from bot.telegram.context import TutorApp
from bot.webserver import WebhookServer, start_webhook, stop_webhook
from tests.conftest import make_settings
from tests.factories import REPO, FakeClock
from tgemu import BotApiEmulator, ShownMessage

REDIS_URL = os.environ.get("TUTORBOT_TEST_REDIS", "redis://127.0.0.1:6379/0")
WEBHOOK_SECRET = "Wh-secret-9f8e7d6c5b4a"
LEARNER = 5151


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WebhookBot:
    """The real application in webhook mode, with the emulator delivering to it."""

    app: TutorApp
    server: WebhookServer
    emu: BotApiEmulator
    settings: Settings

    @property
    def db(self) -> Database:
        return self.app.bot_data.database

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    async def stop(self) -> None:
        await stop_webhook(self.app, self.server)


def webhook_settings(emu: BotApiEmulator, database_url: str, port: int,
                     **overrides: object) -> Settings:
    values: dict[str, object] = {
        "webhook_url": f"http://127.0.0.1:{port}/telegram",
        "webhook_secret": SecretStr(WEBHOOK_SECRET),
        "webhook_listen": f"127.0.0.1:{port}",
    }
    return make_settings(emu, database_url, **{**values, **overrides})


async def start_webhook_bot(emu: BotApiEmulator, settings: Settings,
                            clock: FakeClock) -> WebhookBot:
    app = build_application(settings, clock=clock)
    server = await start_webhook(app, settings)
    return WebhookBot(app, server, emu, settings)


@pytest.fixture
async def webhook_bot(
    emulator: BotApiEmulator, database_url: str, clock: FakeClock
) -> AsyncIterator[WebhookBot]:
    bot = await start_webhook_bot(emulator, webhook_settings(emulator, database_url,
                                                             free_port()), clock)
    try:
        yield bot
    finally:
        await bot.stop()


async def say(emu: BotApiEmulator, text: str, *, user: int = LEARNER,
              count: int = 1, wait_s: float = 5.0) -> list[ShownMessage]:
    emu.user(user, first_name="Ada")
    await emu.send_text(user, text)
    return await emu.wait_for_bot_message(user, count=count, timeout=wait_s)


async def press(emu: BotApiEmulator, message: ShownMessage, label_part: str, *,
                user: int = LEARNER, count: int = 1) -> list[ShownMessage]:
    data = next(d for row in message.buttons for label, d in row if label_part in label)
    assert data is not None
    await emu.press(user, message.message_id, data)
    return await emu.wait_for_bot_message(user, count=count)


@pytest.fixture
def queue_name() -> Iterator[str]:
    """A queue (and key prefix) no other test uses; every key under it is deleted afterwards."""
    name = f"tutorbot-test:{uuid.uuid4().hex[:10]}"
    yield name
    client = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(client.scan_iter(f"{name}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


class WorkerProcess:
    """`bot.worker.queue_worker` in its own process, as `tutorbot worker` runs it."""

    def __init__(self, queue: str, *, timeout_s: float = 30.0, name: str = "w",
                 module: str = "bot.worker.queue_worker", redis_url: str = REDIS_URL) -> None:
        self.redis_url = redis_url
        env = {
            **os.environ,
            "REDIS_URL": redis_url,
            "DEMO_DEVICE": "cpu",
            "DEMO_TIMEOUT_S": str(timeout_s),
            "LOG_LEVEL": "INFO",
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("TELEGRAM_BOT_TOKEN", None)
        self.queue = queue
        self.log_path = Path(f"/tmp/{queue.replace(':', '-')}-{name}.log")
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, "--queue", queue], cwd=REPO, env=env,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    async def wait_ready(self, wait_s: float = 60.0) -> None:
        """Until arq's health-check key shows this queue has a live worker polling it."""
        client = redis.asyncio.Redis.from_url(self.redis_url)
        try:
            async with asyncio.timeout(wait_s):
                while not await client.exists(f"{self.queue}:health-check"):
                    assert self.proc.poll() is None, self.output()
                    await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    def kill(self) -> None:
        """SIGKILL to the worker and its demo processes, as a lost machine would be."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(5)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log.close()
        self.log_path.unlink(missing_ok=True)
