"""Promise 6: `tutorbot export --user ID` reproduces a learner's review_log exactly."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bot.export import RATING_NAMES
from bot.store.models import Card, ReviewLog
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot


def export_cli(database_url: str, user: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "bot", "export", "--user", str(user)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


async def test_export_round_trips_review_log(running_bot: RunningBot, tmp_path: Path) -> None:
    """Count, order, cards, ratings and timestamps in the CSV equal review_log's."""
    bot = running_bot
    ratings = ["Again", "Hard", "Good", "Easy", "Again", "Good", "Hard", "Easy"]
    (card,) = await say(bot, "/study")
    for name in ratings:
        (graded,) = await say(bot, "I think it transforms data, ä ‮ \"quoted\", comma")
        bot.clock.advance(seconds=37, microseconds=123)
        (card,) = await press(bot, graded, name)
        assert "Type your answer" in card.body
    done = export_cli(bot.settings.effective_database_url, LEARNER, tmp_path)
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    with Session(bot.db.engine) as session:
        logs = session.exec(select(ReviewLog, Card).join(Card, col(Card.id) == ReviewLog.card_id)
                            .order_by(col(ReviewLog.reviewed_at), col(ReviewLog.id))).all()
    assert len(rows) == len(logs) == len(ratings)
    assert [r["rating"] for r in rows] == [name.lower() for name in ratings]
    assert [(r["reviewed_at"], r["card_id"], r["rating"]) for r in rows] == [
        (log.reviewed_at.isoformat(), card.key, RATING_NAMES[log.rating]) for log, card in logs]
    assert [r["duration_ms"] for r in rows] == [str(log.duration_ms) for log, _ in logs]


def test_export_unknown_user_fails_cleanly(tmp_path: Path) -> None:
    """Exporting a learner who does not exist says so and exits non-zero."""
    done = export_cli(f"sqlite:///{tmp_path / 'empty.sqlite3'}", 1234, tmp_path)
    assert done.returncode == 1
    assert "no learner" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.xfail(strict=True, reason="there is no `tutorbot restore` (or import) command yet, "
                   "so a CSV backup cannot be restored")
def test_restore_command_exists(tmp_path: Path) -> None:
    """A backup can be restored: `tutorbot restore --help` exists."""
    done = subprocess.run([sys.executable, "-m", "bot", "restore", "--help"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
