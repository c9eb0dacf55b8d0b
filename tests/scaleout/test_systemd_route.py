"""The systemd route of deploy/README.md, walked as far as this machine allows: the env file
the README writes, read by the units' own commands (`tutorbot --env-file ...`), a bot that
answers and stops on the unit's signal, a hand-run migrate that reaches the env file's
PostgreSQL from any directory, and a worker that starts and stops."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa

from tests.factories import REPO, postgres_database
from tests.reliability.harness import Emulator
from tests.scaleout.conftest import REDIS_URL

DEPLOY = REPO / "deploy"
README = (DEPLOY / "README.md").read_text()
PREFIX = "/opt/tutorbot"
TUTORBOT = f"{PREFIX}/.venv/bin/tutorbot"
ENV_FILE = "/etc/tutorbot/tutorbot.env"
TOKEN = "987654321:SYSTEMDrouteTOKENabcdefghijklmnopqrst"
LEARNER = 6262
PG_SOCKET = Path("/var/run/postgresql")


def service(unit: str) -> dict[str, list[str]]:
    """The [Service] section of a unit file; a key may repeat (ExecStartPre, Environment)."""
    values: dict[str, list[str]] = {}
    section = ""
    for raw in (DEPLOY / "systemd" / unit).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line
        elif section == "[Service]":
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def tutorbot_argv(command: str) -> list[str]:
    """The `tutorbot` part of an Exec line, checked to be the venv's tutorbot."""
    argv = shlex.split(command)
    assert argv[0] == TUTORBOT, command
    return argv[1:]


def documented_env_file() -> str:
    """The env file route 1 writes with `sudo tee /etc/tutorbot/tutorbot.env <<'EOF'`."""
    match = re.search(r"sudo tee /etc/tutorbot/tutorbot\.env >/dev/null <<'EOF'\n(.*?)\nEOF\n",
                      README, flags=re.S)
    assert match, "deploy/README.md no longer writes the env file with a heredoc"
    return match[1] + "\n"


def systemd_environment(unit: str, tmp_path: Path) -> dict[str, str]:
    """What systemd gives the service: a bare environment plus the unit's Environment= lines
    (PrivateTmp's /tmp is the test's own folder)."""
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "HOME": str(tmp_path / "home")}
    for item in service(unit).get("Environment", []):
        key, _, value = item.partition("=")
        env[key] = value.replace("/tmp/", f"{tmp_path}/tmp/")
    return env


def run_tutorbot(argv: list[str], env_file: Path, cwd: Path, env: dict[str, str],
                 ) -> subprocess.CompletedProcess[str]:
    args = [a if a != ENV_FILE else str(env_file) for a in argv]
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path / "emulator.log")
    try:
        yield emu
    finally:
        emu.close()


def test_units_read_their_settings_with_env_file() -> None:
    """Every command of both units is `tutorbot --env-file /etc/tutorbot/tutorbot.env ...`,
    run as tutorbot from /opt/tutorbot; the data folder of the documented env file is the one
    the bot unit may write."""
    bot, worker = service("tutorbot-bot.service"), service("tutorbot-worker@.service")
    commands = [*bot["ExecStartPre"], *bot["ExecStart"], *worker["ExecStart"]]
    assert [tutorbot_argv(c)[:2] for c in commands] == [["--env-file", ENV_FILE]] * 3
    assert [tutorbot_argv(c)[2:] for c in commands] == [["migrate"], ["run"], ["worker"]]
    for unit in (bot, worker):
        assert unit["User"] == ["tutorbot"] and unit["WorkingDirectory"] == [PREFIX]
        assert "EnvironmentFile" not in unit  # one reader of the file: tutorbot itself
    data_dir = re.search(r"^DATA_DIR=(.*)$", documented_env_file(), flags=re.M)
    assert data_dir and bot["ReadWritePaths"] == [data_dir[1]]


def test_readme_commands_match_the_units() -> None:
    """Hand-run commands use the units' env file and user; pip runs as the checkout's owner
    (root); the PostgreSQL role and database are created; the VM's proxy targets localhost."""
    for line in README.splitlines():
        if re.search(r"bin/tutorbot .*(migrate|export)", line):
            assert f"sudo -u tutorbot .venv/bin/tutorbot --env-file {ENV_FILE}" in line, line
    assert "sudo -u tutorbot .venv/bin/pip" not in README
    assert "sudo .venv/bin/pip install -q -c constraints.txt ." in README
    assert "sudo -u postgres createuser tutorbot" in README
    assert "sudo -u postgres createdb --owner tutorbot tutorbot" in README
    listen = re.search(r"^\s*WEBHOOK_LISTEN=(\S+)", README, flags=re.M)
    assert listen and listen[1] == "127.0.0.1:8443"
    assert f"reverse_proxy {listen[1]}" in (DEPLOY / "Caddyfile.vm").read_text()
    # The compose Caddyfile's upstream is a compose service name, and only valid there.
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "reverse_proxy bot:8443" in (DEPLOY / "Caddyfile").read_text()
    assert re.search(r"^  bot:\n", compose, flags=re.M) and '- "8443"' in compose
    assert README.index("## 1. The simplest bot") < README.index("## 3. Docker Compose")


def test_route_one_bot_runs_with_the_documented_env_file(
    emulator: Emulator, tmp_path: Path
) -> None:
    """Route 1 (a token, long polling, SQLite): the unit's ExecStartPre migrates the SQLite
    file in DATA_DIR, ExecStart answers /start, and the unit's KillSignal stops it cleanly."""
    root = tmp_path / "opt" / "tutorbot"
    (root / "data").mkdir(parents=True)
    env_file = tmp_path / "tutorbot.env"
    text = documented_env_file()
    token = re.search(r"^TELEGRAM_BOT_TOKEN=(.*)$", text, flags=re.M)
    assert token, text
    text = (text.replace(token[1], TOKEN).replace(f"{PREFIX}/cards", str(REPO / "cards"))
            .replace(PREFIX, str(root)))
    # The one addition: Telegram is the emulator here.
    text += f"TELEGRAM_API_URL={emulator.api_url}\nTELEGRAM_FILE_URL={emulator.file_url}\n"
    env_file.write_text(text)
    unit = service("tutorbot-bot.service")
    env = systemd_environment("tutorbot-bot.service", tmp_path)
    pre = run_tutorbot(tutorbot_argv(unit["ExecStartPre"][0]), env_file, root, env)
    assert pre.returncode == 0, pre.stderr
    assert (root / "data" / "tutorbot.sqlite3").exists()
    log_path = tmp_path / "bot.log"
    argv = [a if a != ENV_FILE else str(env_file) for a in tutorbot_argv(unit["ExecStart"][0])]
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot", *argv], cwd=root, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while "ready: 15 cards in 1 deck" not in log_path.read_text(errors="replace"):
            assert proc.poll() is None, log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.1)
        emulator.post("/users", {"user_id": LEARNER, "first_name": "Ops"})
        emulator.post("/send_text", {"user_id": LEARNER, "text": "/start"})
        reply = emulator.post("/wait_for_bot_message", {"chat_id": LEARNER, "timeout": 30})
        assert "15 cards" in reply["messages"][0]["text"]
    finally:
        kill = getattr(signal, service("tutorbot-bot.service")["KillSignal"][0])
        proc.send_signal(kill)
        stop_s = float(unit["TimeoutStopSec"][0])
        code = proc.wait(stop_s)
    log = log_path.read_text(errors="replace")
    assert code == 0, log
    assert "Traceback" not in log and TOKEN not in log


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway database; named through the local socket, as route 2 documents, when
    this machine has one."""
    with postgres_database() as url:
        if (PG_SOCKET / ".s.PGSQL.5432").exists():
            parts = sa.make_url(url)
            yield f"postgresql+psycopg://{parts.username}@/{parts.database}?host={PG_SOCKET}"
        else:
            yield url


def test_hand_run_migrate_reaches_the_env_files_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    """`tutorbot --env-file ... migrate`, as the upgrade steps run it from any directory,
    migrates the env file's PostgreSQL and creates no SQLite file where it was run."""
    env_file = tmp_path / "tutorbot.env"
    env_file.write_text(documented_env_file().replace(PREFIX, str(tmp_path / "opt"))
                        + f"DATABASE_URL={postgres_url}\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = systemd_environment("tutorbot-bot.service", tmp_path)
    done = run_tutorbot(["--env-file", ENV_FILE, "migrate"], env_file, elsewhere, env)
    assert done.returncode == 0, done.stderr
    assert "database is at the latest schema" in done.stdout
    engine = sa.create_engine(postgres_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()
    assert not list(tmp_path.rglob("*.sqlite3"))


def test_env_file_errors_and_precedence(tmp_path: Path) -> None:
    """A named env file that cannot be read stops the command with a plain message;
    TUTORBOT_ENV_FILE names it too; a variable set in the environment wins over the file."""
    env = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8"}
    missing = run_tutorbot(["--env-file", str(tmp_path / "nope.env"), "migrate"],
                           tmp_path / "nope.env", tmp_path, env)
    assert missing.returncode == 1
    assert "cannot read the env file" in missing.stderr and "Traceback" not in missing.stderr
    env_file = tmp_path / "x.env"
    env_file.write_text(f"DATABASE_URL=sqlite:///{tmp_path / 'from-file.sqlite3'}\n")
    by_variable = run_tutorbot(["migrate"], env_file, tmp_path,
                               {**env, "TUTORBOT_ENV_FILE": str(env_file)})
    assert by_variable.returncode == 0, by_variable.stderr
    assert (tmp_path / "from-file.sqlite3").exists()
    overridden = run_tutorbot(
        ["migrate", "--env-file", str(env_file)], env_file, tmp_path,
        {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'from-env.sqlite3'}"})
    assert overridden.returncode == 0, overridden.stderr
    assert (tmp_path / "from-env.sqlite3").exists()


def test_worker_unit_starts_and_stops_with_the_env_file(tmp_path: Path) -> None:
    """The worker unit's command reads REDIS_URL from the env file, gets ready, and hands
    back on the unit's KillSignal within TimeoutStopSec."""
    queue = f"tutorbot-test-systemd-{uuid.uuid4().hex[:8]}"
    env_file = tmp_path / "tutorbot.env"
    env_file.write_text(f"REDIS_URL={REDIS_URL}\nDEMO_QUEUE={queue}\nDEMO_DEVICE=cpu\n")
    unit = service("tutorbot-worker@.service")
    env = systemd_environment("tutorbot-worker@.service", tmp_path)
    argv = [a if a != ENV_FILE else str(env_file) for a in tutorbot_argv(unit["ExecStart"][0])]
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "bot", *argv], cwd=tmp_path, env=env,
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while "demo workers ready" not in log_path.read_text(errors="replace"):
            assert proc.poll() is None, log_path.read_text(errors="replace")
            assert time.monotonic() < deadline, log_path.read_text(errors="replace")
            time.sleep(0.2)
    finally:
        proc.send_signal(getattr(signal, unit["KillSignal"][0]))
        code = proc.wait(float(unit["TimeoutStopSec"][0]))
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{queue}*"):
            client.delete(key)
        client.close()
    assert code == 0, log_path.read_text(errors="replace")
