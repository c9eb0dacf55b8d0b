"""Promise 4: the bot token and webhook secret appear in no log, database file or export."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

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
