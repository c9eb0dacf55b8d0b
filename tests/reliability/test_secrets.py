"""Promise 4: the bot token and webhook secret appear in no log, database file or export."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.reliability.harness import (
    PYTHON,
    REPO,
    SECRET_TOKEN,
    BotProcess,
    Emulator,
    Soak,
    bot_env,
)

WEBHOOK_SECRET = "whsec-Zq8LrP2vN7xK4mT9"
SECRETS = (SECRET_TOKEN, SECRET_TOKEN.split(":", 1)[1], WEBHOOK_SECRET)


def leaked(blob: bytes) -> list[str]:
    return [s for s in SECRETS if s.encode() in blob]


def test_no_secret_in_logs_database_or_export(tmp_path: Path) -> None:
    """After a DEBUG-logged study run and an export, no file holds the token or the secret."""
    emu = Emulator(tmp_path / "emulator.log")
    db_path = tmp_path / "bot.sqlite3"
    url = f"sqlite:///{db_path}"
    env = bot_env(emu, url, LOG_LEVEL="DEBUG", WEBHOOK_SECRET=WEBHOOK_SECRET)
    bot = BotProcess(env, tmp_path / "bot.log", tmp_path, emu)
    soak = Soak(emu, bot, url, seed=7, reviews=6, kills=1, learners=1, junk_per_step=1)
    try:
        report = soak.run()
        learner = soak.learners[0].user_id
        bot.start()
        bot.wait_ready()
        emu.post("/send_text", {"user_id": learner, "text": "/export"})
        emu.post("/send_text", {"user_id": learner, "text": "/settings tz Berlin"})
        deadline = time.monotonic() + 10
        while not emu.calls("sendDocument") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert emu.calls("sendDocument"), "the /export document never came"
    finally:
        bot.stop()
        soak.close()
        emu.close()
    assert report.reviews >= 6
    out = tmp_path / "export.csv"
    done = subprocess.run([PYTHON, "-m", "bot", "export", "--user", str(learner), "--out",
                           str(out)], cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "bot.log").read_bytes()
    assert b"DEBUG" in log and b"[REDACTED]" in log  # the run really logged URLs, redacted
    files = {"bot log": log, "export": out.read_bytes(),
             "export output": done.stdout + done.stderr}
    for path in tmp_path.glob("bot.sqlite3*"):
        files[path.name] = path.read_bytes()
    assert {name: leaked(blob) for name, blob in files.items() if leaked(blob)} == {}


def test_bad_token_fails_clearly_without_echo(tmp_path: Path) -> None:
    """`TELEGRAM_BOT_TOKEN=not-a-token tutorbot run` exits with a clear, value-free message."""
    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "not-a-token",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "HOME": str(tmp_path)}
    done = subprocess.run([PYTHON, "-m", "bot", "run"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "TELEGRAM_BOT_TOKEN" in output and "bot token" in output, output
    assert "not-a-token" not in output
    assert "Traceback" not in output
    assert not (REPO / "x.sqlite3").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_env(port: int) -> dict[str, str]:
    return {"WEBHOOK_URL": f"http://127.0.0.1:{port}/telegram",
            "WEBHOOK_LISTEN": f"127.0.0.1:{port}", "WEBHOOK_SECRET": WEBHOOK_SECRET}


def everything_written(folder: Path, *, leave_out: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under ``folder`` (logs, captured streams, the database with its WAL)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name not in leave_out}


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_rejected_token_is_reported_in_one_line_without_the_token(tmp_path: Path,
                                                                   mode: str) -> None:
    """Telegram answers getMe with 401: `tutorbot run` exits non-zero with one clear line, and
    nothing it wrote (stdout, stderr, DEBUG log, database) holds the token, its secret half or
    the webhook secret."""
    emu = Emulator(tmp_path / "emulator.log")
    try:
        emu.post("/faults", {"method": "getMe", "kind": "401", "times": None})
        extra = webhook_env(free_port()) if mode == "webhook" else {}
        env = bot_env(emu, f"sqlite:///{tmp_path / 'bot.sqlite3'}", LOG_LEVEL="DEBUG",
                      **({"WEBHOOK_SECRET": WEBHOOK_SECRET} | extra))
        with (tmp_path / "stdout").open("wb") as out, (tmp_path / "stderr").open("wb") as err:
            done = subprocess.run([PYTHON, "-m", "bot", "run"], cwd=tmp_path, env=env,
                                  stdout=out, stderr=err, timeout=60)
        assert [c["status"] for c in emu.calls("getMe")] == [401]  # Telegram did refuse it
    finally:
        emu.close()
    stderr = (tmp_path / "stderr").read_text()
    assert done.returncode == 78, stderr
    assert stderr.strip().splitlines()[-1] == (
        "tutorbot: Telegram rejected the bot token; check TELEGRAM_BOT_TOKEN (a token from "
        "@BotFather, for the server at TELEGRAM_API_URL)")
    assert "Traceback" not in stderr and "Unclosed" not in stderr, stderr
    written = everything_written(tmp_path, leave_out=("emulator.log",))
    assert {"stdout", "stderr"} <= set(written)
    assert {name: leaked(blob) for name, blob in written.items() if leaked(blob)} == {}


def test_webhook_run_keeps_token_and_secret_out_of_debug_logs(tmp_path: Path) -> None:
    """A DEBUG-logged webhook run (setWebhook carries the secret, forged requests try a
    near-miss of it) leaves neither the token nor the webhook secret in any output or file."""
    emu = Emulator(tmp_path / "emulator.log")
    port = free_port()
    env = bot_env(emu, f"sqlite:///{tmp_path / 'bot.sqlite3'}", LOG_LEVEL="DEBUG",
                  **webhook_env(port))
    bot = BotProcess(env, tmp_path / "bot.log", tmp_path)
    try:
        bot.start()
        bot.wait_ready()
        deadline = time.monotonic() + 10
        while not emu.get("/stats")["webhook"] and time.monotonic() < deadline:
            time.sleep(0.05)
        emu.post("/users", {"user_id": 31337, "first_name": "Ada"})
        emu.post("/send_text", {"user_id": 31337, "text": "/start",
                                "wait": {"count": 1, "timeout": 10}})
        forged = httpx.post(f"http://127.0.0.1:{port}/telegram", json={"update_id": 1},
                            headers={"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET[:-1]})
        assert forged.status_code == 403
    finally:
        bot.stop()
        emu.close()
    log = (tmp_path / "bot.log").read_bytes()
    assert b"setWebhook" in log and b"[REDACTED]" in log  # the secret was there to leak
    written = everything_written(tmp_path, leave_out=("emulator.log",))
    assert {name: leaked(blob) for name, blob in written.items() if leaked(blob)} == {}


ROADS = r'''
import asyncio, gc, logging, sys, threading, warnings
from bot import secret_guard

TOKEN, SECRET = sys.argv[1], sys.argv[2]
secret_guard.install([TOKEN, SECRET])
print("print:", TOKEN)
sys.stderr.write("partial: " + TOKEN[:7])
sys.stderr.write(TOKEN[7:] + "\n")
logging.getLogger("lib").warning("lastResort: %s", TOKEN.split(":")[1])
warnings.warn("warning: " + SECRET)
thread = threading.Thread(target=lambda: (_ for _ in ()).throw(RuntimeError(TOKEN)))
thread.start()
thread.join()
class Leaky:
    def __del__(self):
        raise RuntimeError("unraisable " + SECRET)
Leaky()
gc.collect()
async def main():
    async def boom():
        raise RuntimeError("task " + TOKEN)
    task = asyncio.ensure_future(boom())
    await asyncio.sleep(0)
    del task
    gc.collect()
asyncio.run(main())
raise RuntimeError("uncaught " + TOKEN)
'''


def test_every_road_to_the_terminal_is_redacted(tmp_path: Path) -> None:
    """print, a token written in pieces, logging before it is set up (lastResort), warnings, a
    thread's exception, an unraisable exception, asyncio's "never retrieved" report and an
    uncaught exception all reach stdout/stderr with the secrets redacted."""
    done = subprocess.run([PYTHON, "-c", ROADS, SECRET_TOKEN, WEBHOOK_SECRET], cwd=REPO,
                          capture_output=True, timeout=60)
    output = done.stdout + done.stderr
    assert done.returncode == 1  # the uncaught exception still ends the process
    assert leaked(output) == [], output.decode()
    text = output.decode()
    for road in ("print:", "partial:", "lastResort:", "warning:", "Exception in thread",
                 "unraisable", "task", "uncaught"):
        assert road in text, f"{road!r} never reached the terminal:\n{text}"
    assert text.count("[REDACTED]") >= 8, text
