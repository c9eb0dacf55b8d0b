"""The playground from a person's point of view, and the bot process staying light."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.factories import CARDS_DIR, REPO


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_"))}
    env.update(DATA_DIR=str(tmp_path / "data"), CARDS_DIR=str(CARDS_DIR))
    return env


def test_run_without_token_opens_playground(tmp_path: Path) -> None:
    """`tutorbot run` with no token studies through the real bot, buttons numbered."""
    script = ("/start\n/study\nartificially enlarging the dataset with transformed copies\n"
              "3\n/stop\n")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run"], input=script, capture_output=True, text=True,
        cwd=tmp_path, env=_env(tmp_path), timeout=60, check=False,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "playground" in result.stderr
    assert "15 cards" in out
    assert "What is data augmentation?" in out
    assert "Reference answer" in out
    assert "[1]" in out and "Good" in out
    assert "Saved: Good" in out
    assert "What is softmax?" in out
    assert "Session ended" in out
    assert "Traceback" not in out + result.stderr
    assert (tmp_path / "data" / "tutorbot.sqlite3").exists()


def test_bot_process_never_imports_torch(tmp_path: Path) -> None:
    """A full study round in the bot process leaves torch, matplotlib and kornia unimported."""
    code = (
        "import asyncio, sys\n"
        "from bot.config import Settings\n"
        "from bot.devtools.playground import play\n"
        "lines = iter(['/start\\n', '/study\\n', 'softmax exponentiates\\n', '1\\n', ''])\n"
        "asyncio.run(play(Settings(), read_line=lambda: next(lines)))\n"
        "heavy = [m for m in ('torch', 'matplotlib', 'kornia', 'sklearn') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
        env={**_env(tmp_path), "PYTHONPATH": str(REPO)}, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Reference answer" in result.stdout
    assert "HEAVY []" in result.stdout
