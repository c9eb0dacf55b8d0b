"""The webhook server against hostile clients: real slow sockets (half-sent heads and bodies),
connection floods past the open-file limit, forged-request floods and deeply nested JSON.
Telegram's deliveries keep getting through, and the log stays short."""

from __future__ import annotations

import asyncio
import logging
import resource
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import aiohttp
import pytest

from bot import webserver
from tests.factories import REPO, FakeClock
from tests.reliability.harness import Emulator, bot_env
from tests.scaleout.conftest import (
    LEARNER,
    WEBHOOK_SECRET,
    WebhookBot,
    free_port,
    say,
    start_webhook_bot,
    webhook_settings,
)
from tgemu import BotApiEmulator

HEAD_S = 1.5
BODY_S = 1.5
KEEPALIVE_S = 2.0
CAP = 20
HALF_HEAD = b"POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"


@pytest.fixture
async def guarded_bot(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[WebhookBot]:
    """A webhook bot whose limits are scaled down so a test sees them act in seconds."""
    monkeypatch.setattr(webserver, "HEAD_TIMEOUT_S", HEAD_S, raising=False)
    monkeypatch.setattr(webserver, "BODY_TIMEOUT_S", BODY_S, raising=False)
    monkeypatch.setattr(webserver, "KEEPALIVE_S", KEEPALIVE_S, raising=False)
    monkeypatch.setattr(webserver, "MAX_CONNECTIONS", CAP, raising=False)
    bot = await start_webhook_bot(emulator, webhook_settings(emulator, sqlite_url, free_port()),
                                  clock)
    try:
        yield bot
    finally:
        await bot.stop()


async def closed_by_server(reader: asyncio.StreamReader, within_s: float) -> bool:
    """Whether the server ends the connection (EOF or reset) within `within_s`."""
    try:
        async with asyncio.timeout(within_s):
            while await reader.read(4096):
                pass
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return True


async def slow_clients(port: int, count: int
                       ) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    conns = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(HALF_HEAD)
        await writer.drain()
        conns.append((reader, writer))
    return conns


async def test_half_sent_heads_are_closed_and_cannot_crowd_out_telegram(
    guarded_bot: WebhookBot,
) -> None:
    """Three times the connection cap in half-sent requests: a learner's update still gets
    through at once, and every slow connection is closed soon after the head deadline."""
    conns = await slow_clients(guarded_bot.server.port, CAP * 3)
    started = time.monotonic()
    (reply,) = await say(guarded_bot.emu, "/start")
    assert "Hi Ada" in reply.body
    results = await asyncio.gather(*(closed_by_server(r, HEAD_S + 5.0) for r, _ in conns))
    assert all(results), f"{results.count(False)} slow connections still open"
    assert time.monotonic() - started < HEAD_S + 5.0
    for _, writer in conns:
        writer.close()
    async with aiohttp.ClientSession() as http, http.get(f"{guarded_bot.base}/metrics") as resp:
        metrics = await resp.text()
    assert "tutorbot_webhook_slow_clients_total" in metrics
    assert "tutorbot_webhook_connections_refused_total" in metrics


async def test_half_sent_body_gets_408_and_is_closed(guarded_bot: WebhookBot) -> None:
    """A request with the right secret whose body stops half-way is answered 408 and closed
    after the body deadline, instead of holding the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", guarded_bot.server.port)
    head = (f"POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
            f"{webserver.SECRET_HEADER}: {WEBHOOK_SECRET}\r\nContent-Length: 400\r\n\r\n")
    writer.write(head.encode() + b'{"update_id": 1, ')
    await writer.drain()
    try:
        async with asyncio.timeout(BODY_S + 5.0):
            status_line = await reader.readline()
    except TimeoutError:
        status_line = b""
    assert status_line.startswith(b"HTTP/1.1 408"), status_line
    assert await closed_by_server(reader, webserver.LINGER_S + 5.0)
    writer.close()


async def test_a_slow_second_request_on_a_kept_alive_connection_is_closed(
    guarded_bot: WebhookBot,
) -> None:
    """After one answered request, a connection that trickles the next head is closed by the
    keep-alive deadline."""
    reader, writer = await asyncio.open_connection("127.0.0.1", guarded_bot.server.port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
    await writer.drain()
    assert (await reader.readline()).startswith(b"HTTP/1.1 ")
    writer.write(HALF_HEAD)
    await writer.drain()
    assert await closed_by_server(reader, KEEPALIVE_S + 5.0)
    writer.close()


async def test_a_forged_request_flood_logs_a_few_lines(
    guarded_bot: WebhookBot, caplog: pytest.LogCaptureFixture,
) -> None:
    """1,000 forged requests all get 403 but write at most a handful of log lines."""
    caplog.set_level(logging.INFO)
    url = f"{guarded_bot.base}/telegram"
    async with aiohttp.ClientSession() as http:
        for i in range(1000):
            async with http.post(url, json={"update_id": i},
                                 headers={webserver.SECRET_HEADER: f"guess-{i}"}) as resp:
                assert resp.status == 403
    assert guarded_bot.server.counters.forged_requests == 1000
    lines = [r for r in caplog.records if "refused a webhook request" in r.getMessage()]
    assert 1 <= len(lines) <= 10, len(lines)


@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,
    b'{"update_id": 5, "message": ' + b'{"a": ' * 50_000 + b"1" + b"}" * 50_000 + b"}",
], ids=["array", "object"])
async def test_deeply_nested_json_is_a_bad_request_without_a_traceback(
    guarded_bot: WebhookBot, caplog: pytest.LogCaptureFixture, body: bytes,
) -> None:
    """JSON nested 50,000+ deep with the right secret is answered 400, logged without a
    traceback, and the bot keeps serving."""
    caplog.set_level(logging.INFO)
    headers = {webserver.SECRET_HEADER: WEBHOOK_SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http, http.post(
            f"{guarded_bot.base}/telegram", data=body, headers=headers) as resp:
        assert resp.status == 400
    assert guarded_bot.server.counters.bad_requests == 1
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    (reply,) = await say(guarded_bot.emu, "/start")
    assert "Hi Ada" in reply.body


# -- the real process, at a real open-file limit ------------------------------------------

FD_LIMIT = 256
SLOW = 400


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path / "emulator.log")
    try:
        yield emu
    finally:
        emu.close()


def _limit_fds() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (FD_LIMIT, FD_LIMIT))


def start_limited_bot(env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """`tutorbot run` with its open-file limit lowered to FD_LIMIT."""
    with log_path.open("wb") as log_file:
        return subprocess.Popen([sys.executable, "-m", "bot", "run"], cwd=REPO, env=env,
                                stdout=log_file, stderr=subprocess.STDOUT,
                                preexec_fn=_limit_fds)


@pytest.mark.timeout(120)
async def test_a_slow_connection_flood_past_the_fd_limit_does_not_stop_deliveries(
    emulator_process: Emulator, tmp_path: Path,
) -> None:
    """`tutorbot run` in webhook mode with 256 file descriptors: 400 half-sent requests do
    not exhaust them, a learner's update is still answered, and the log stays short."""
    emu = emulator_process
    port = free_port()
    env = bot_env(emu, f"sqlite:///{tmp_path / 'bot.sqlite3'}",
                  WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
                  WEBHOOK_SECRET=WEBHOOK_SECRET, WEBHOOK_LISTEN=f"127.0.0.1:{port}")
    log_path = tmp_path / "bot.log"
    proc = start_limited_bot(env, log_path)
    conns: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    try:
        deadline = time.monotonic() + 60
        while "webhook server listening" not in log_path.read_text(errors="replace"):
            assert proc.poll() is None, log_path.read_text(errors="replace")[-3000:]
            assert time.monotonic() < deadline, "the bot did not start"
            await asyncio.sleep(0.1)
        while emu.get("/stats").get("webhook") is None:
            assert time.monotonic() < deadline, "the bot did not set its webhook"
            await asyncio.sleep(0.1)
        conns = await slow_clients(port, SLOW)
        emu.post("/users", {"user_id": LEARNER, "first_name": "Ada"})
        emu.post("/send_text", {"user_id": LEARNER, "text": "/start"})
        deadline = time.monotonic() + 20
        while not any(m.get("from_bot") for m in emu.messages(LEARNER)):
            assert time.monotonic() < deadline, (
                "no reply while slow connections were open:\n"
                + log_path.read_text(errors="replace")[-3000:])
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.0)  # let any accept-error storm show in the log
        text = log_path.read_text(errors="replace")
        assert text.count("Too many open files") <= 10, text[-3000:]
        assert len(text.splitlines()) < 200, text[-3000:]
        assert proc.poll() is None
    finally:
        for _, writer in conns:
            writer.close()
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize("unit", ["tutorbot-bot.service", "tutorbot-worker@.service"])
def test_systemd_units_raise_the_open_file_limit(unit: str) -> None:
    """Both units set LimitNOFILE well above systemd's 1,024 and the webhook's connection cap."""
    text = (REPO / "deploy" / "systemd" / unit).read_text()
    values = [int(line.split("=", 1)[1]) for line in text.splitlines()
              if line.startswith("LimitNOFILE=")]
    assert values and values[0] >= 4 * webserver.MAX_CONNECTIONS, values
