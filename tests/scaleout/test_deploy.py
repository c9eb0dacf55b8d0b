"""The deployment files: compose services and healthchecks, every setting in .env.example,
systemd units that systemd accepts, and a Dockerfile with CPU and CUDA torch variants."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from bot.config import Settings
from tests.factories import REPO

DEPLOY = REPO / "deploy"


def _compose() -> dict[str, object]:
    yaml = pytest.importorskip("yaml", reason="PyYAML (a dev dependency) parses compose.yaml")
    data = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_has_services_with_healthchecks() -> None:
    """compose.yaml runs the webhook bot, a worker, PostgreSQL and Redis, each health-checked."""
    services = _compose()["services"]
    assert isinstance(services, dict)
    assert {"bot", "worker", "postgres", "redis", "migrate", "proxy"} <= set(services)
    for name in ("bot", "worker", "postgres", "redis"):
        assert "test" in services[name]["healthcheck"], name
    bot, worker = services["bot"], services["worker"]
    assert bot["command"] == ["run"] and worker["command"] == ["worker"]
    assert bot["environment"]["WEBHOOK_URL"].endswith("/telegram")
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert bot["environment"]["REDIS_URL"] == worker["environment"]["REDIS_URL"]
    assert "/healthz" in " ".join(bot["healthcheck"]["test"])
    assert bot["env_file"] == ".env" and worker["env_file"] == ".env"
    assert bot["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert bot["depends_on"]["postgres"]["condition"] == "service_healthy"
    gpu = services["gpu-worker"]
    assert gpu["profiles"] == ["gpu"]
    assert "cu" in gpu["build"]["args"]["TORCH_INDEX_URL"]
    assert gpu["deploy"]["resources"]["reservations"]["devices"][0]["capabilities"] == ["gpu"]


def test_env_example_lists_every_setting_without_secrets() -> None:
    """.env.example names every Settings field, and its secrets are refused placeholders."""
    text = (DEPLOY / ".env.example").read_text()
    names = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.M))
    assert {field.upper() for field in Settings.model_fields} <= names
    values = dict(re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.M))
    for secret in ("TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET", "POSTGRES_PASSWORD"):
        assert values[secret] == "changeme", secret


def test_dockerfile_builds_cpu_by_default_with_constraints() -> None:
    """The image installs with -c constraints.txt and the CPU torch index unless told CUDA."""
    text = (DEPLOY / "Dockerfile").read_text()
    assert "ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in text
    assert "-c constraints.txt" in text
    assert re.search(r"^USER tutorbot$", text, flags=re.M)
    assert "HEALTHCHECK" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed on this machine")
def test_systemd_units_verify(tmp_path: Path) -> None:
    """systemd-analyze verify accepts the bot unit and a worker instance."""
    prefix = tmp_path / "opt" / "tutorbot"
    (prefix / ".venv" / "bin").mkdir(parents=True)
    exe = prefix / ".venv" / "bin" / "tutorbot"
    exe.write_text("#!/bin/sh\n")
    exe.chmod(0o755)
    units = []
    for unit, name in (("tutorbot-bot.service", "tutorbot-bot.service"),
                       ("tutorbot-worker@.service", "tutorbot-worker@1.service")):
        text = (DEPLOY / "systemd" / unit).read_text()
        # verify checks that ExecStart exists; point the install prefix at a stand-in.
        (tmp_path / name).write_text(text.replace("/opt/tutorbot", str(prefix)))
        units.append(str(tmp_path / name))
    done = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "tutorbot" not in done.stderr, done.stderr
