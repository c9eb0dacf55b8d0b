"""Promise 6: `tutorbot export --user ID` reproduces a learner's review_log exactly, and
`tutorbot restore` turns that CSV back into the same history and card states."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, create_engine, func, select

from bot.cli import main as tutorbot
from bot.decks.loader import load_decks
from bot.export import COLUMNS, LOCAL_COLUMNS, RATING_NAMES
from bot.store.models import Card, CardState, Learner, ReviewLog
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import CARDS_DIR, FakeClock, postgres_database
from tgemu import BotApiEmulator

DECK = "neural-network-basics-2"
QUESTIONS = {card.key: card.question for deck in load_decks(CARDS_DIR) for card in deck.cards}


def cli(database_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `tutorbot` command, in its own process, as an operator runs it."""
    env = {**os.environ, "DATABASE_URL": database_url, "CARDS_DIR": str(CARDS_DIR)}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def export_cli(database_url: str, user: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    return cli(database_url, cwd, "export", "--user", str(user))


async def test_export_round_trips_review_log(any_db_bot: RunningBot, tmp_path: Path) -> None:
    """Count, order, cards, ratings and timestamps in the CSV equal review_log's."""
    bot = any_db_bot
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


def test_restore_command_exists(tmp_path: Path) -> None:
    """A backup can be restored: `tutorbot restore --help` exists and explains --replace."""
    done = subprocess.run([sys.executable, "-m", "bot", "restore", "--help"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "--replace" in done.stdout and "--user" in done.stdout


# -- the round trip ----------------------------------------------------------------------------

def card_states(engine: Engine) -> dict[str, tuple[Any, ...]]:
    """Every card state of the learner, by card key, with every field the scheduler uses."""
    with Session(engine) as session:
        rows = session.exec(select(CardState, Card).join(Card, col(Card.id) == CardState.card_id)
                            .join(Learner, col(Learner.id) == CardState.learner_id)
                            .where(Learner.telegram_id == LEARNER)).all()
    return {card.key: (s.state, s.step, s.stability, s.difficulty, s.due, s.last_review, s.reps,
                       s.lapses, s.suspended, s.introduced_at) for s, card in rows}


def undo_snapshots(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(ReviewLog, Card).join(Card, col(Card.id) == ReviewLog.card_id)
                            .order_by(col(ReviewLog.reviewed_at), col(ReviewLog.id))).all()
    return [(card.key, log.state_before) for log, card in rows]


@pytest.fixture
def other_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh database of the other kind: SQLite backups go to PostgreSQL and back."""
    if database_url.startswith("sqlite"):
        with postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"


async def study_a_while(bot: RunningBot) -> None:
    """Two days of study: lapses, graduations and a multi-line, quoted, Unicode answer."""
    plan = [("Good", 40), ("Again", 30), ("Easy", 3600), ("Hard", 50), ("Good", 86_400),
            ("Again", 20), ("Good", 600), ("Easy", 45), ("Good", 86_400 * 3), ("Hard", 31)]
    (card,) = await say(bot, "/study")
    for name, seconds in plan:
        if "Type your answer" not in card.body:
            (card,) = await say(bot, "/study")
        (graded,) = await say(bot, "softmax, \"quoted\"\nä ‮ second line")
        bot.clock.advance(seconds=7, microseconds=4321)
        (card,) = await press(bot, graded, name)
        bot.clock.advance(seconds=seconds)


async def test_export_restore_export_is_byte_identical(
    any_db_bot: RunningBot, other_database: str, tmp_path: Path, clock: FakeClock
) -> None:
    """Export, restore into a fresh database of the other engine, export again: the same
    bytes, the same card states and /undo snapshots; and the learner goes on studying."""
    bot = any_db_bot
    await study_a_while(bot)
    first = tmp_path / "backup.csv"
    done = cli(bot.settings.effective_database_url, tmp_path, "export", "--user", str(LEARNER),
               "--out", str(first))
    assert done.returncode == 0, done.stderr
    assert "wrote 10 reviews" in done.stdout
    done = cli(other_database, tmp_path, "restore", str(first), "--user", str(LEARNER))
    assert done.returncode == 0, done.stderr
    assert "restored 10 reviews" in done.stdout
    again = cli(other_database, tmp_path, "export", "--user", str(LEARNER))
    assert again.returncode == 0, again.stderr
    assert again.stdout.encode() == first.read_bytes()
    restored = create_engine(other_database)
    try:
        assert card_states(restored) == card_states(bot.db.engine)
        assert undo_snapshots(restored) == undo_snapshots(bot.db.engine)
    finally:
        restored.dispose()
    await studies_on(other_database, clock)


async def studies_on(database_url: str, clock: FakeClock) -> None:
    """The restored learner studies, rates and undoes as before, on the restored database."""
    emulator = BotApiEmulator()
    await emulator.start()
    settings = make_settings(emulator, database_url)
    bot = await start_bot(emulator, settings, clock)
    try:
        (card,) = await say(bot, "/study")
        assert "Type your answer" in card.body
        (graded,) = await say(bot, "no idea")
        await press(bot, graded, "Good")
        with Session(bot.db.engine) as session:
            assert session.exec(select(func.count()).select_from(ReviewLog)).one() == 11
        (undone,) = await say(bot, "/undo")
        assert "Undone" in undone.body
        with Session(bot.db.engine) as session:
            assert session.exec(select(func.count()).select_from(ReviewLog)).one() == 10
    finally:
        await bot.stop()
        await emulator.stop()
    assert [v.describe() for v in emulator.violations] == []


# -- refusals ----------------------------------------------------------------------------------

def backup(*rows: tuple[str, ...], header: tuple[str, ...] = COLUMNS) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def row(when: str, key: str = "softmax", rating: str = "good", *, deck: str = DECK,
        score: str = "0.500", duration: str = "1500") -> tuple[str, ...]:
    question = QUESTIONS.get(key, "What is it?")
    return (f"2026-03-0{when}+00:00", deck, key, question, rating, "partial", score, duration)


def current(*rows: tuple[str, ...]) -> str:
    """A backup as `tutorbot export` writes it now: the local time (here UTC) appended."""
    return backup(*((*r, r[0][:19].replace("T", " "), "UTC") for r in rows),
                  header=COLUMNS + LOCAL_COLUMNS)


class Operator:
    """Runs `tutorbot ...` in this process against one fresh SQLite database."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.engine = create_engine(url)
        self._capsys = capsys

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = tutorbot(list(args))
        out, err = self._capsys.readouterr()
        return code, out, err


@pytest.fixture
def operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
             capsys: pytest.CaptureFixture[str]) -> Iterator[Operator]:
    url = f"sqlite:///{tmp_path / 'ops.sqlite3'}"
    monkeypatch.chdir(tmp_path)  # no stray .env from the repository
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("CARDS_DIR", str(CARDS_DIR))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    run = Operator(url, capsys)
    yield run
    run.engine.dispose()


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def reviews_in(engine: Engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(ReviewLog)).one()


def test_restore_refuses_existing_history_unless_replace(
    operator: Operator, tmp_path: Path
) -> None:
    """A learner with history is refused (nothing changes); --replace swaps the history."""
    a = write(tmp_path / "a.csv", current(row("2T09:00:00"), row("2T09:05:00", "mini-batch")))
    b = write(tmp_path / "b.csv", current(row("3T10:00:00", "lr-schedule", "again")))
    assert operator("restore", a, "--user", "77")[0] == 0
    code, _out, err = operator("restore", b, "--user", "77")
    assert code == 1
    assert "already has 2 reviews" in err and "--replace" in err and "Traceback" not in err
    assert operator("export", "--user", "77")[1] == Path(a).read_text()
    code, out, err = operator("restore", b, "--user", "77", "--replace")
    assert code == 0, err
    assert "replaced 2 earlier reviews" in out
    assert operator("export", "--user", "77")[1] == Path(b).read_text()
    assert len(card_states_of(operator.engine, 77)) == 1


def card_states_of(engine: Engine, telegram_id: int) -> list[CardState]:
    with Session(engine) as session:
        return list(session.exec(select(CardState).join(
            Learner, col(Learner.id) == CardState.learner_id)
            .where(Learner.telegram_id == telegram_id)).all())


@pytest.mark.parametrize(("text", "where", "message"), [
    (backup(row("2T09:00:00"), row("2T09:01:00", rating="meh")), 3, "rating 'meh'"),
    (backup(row("2T09:00:00"), ("yesterday", DECK, "softmax", "q", "good", "", "", "")), 3,
     "not an ISO 8601 timestamp"),
    (backup(("2026-03-02T09:00:00", DECK, "softmax", "q", "good", "", "", "")), 2,
     "no time zone"),
    (backup(row("2T09:00:00"), ("2026-03-02T09:00:00+00:00", DECK)), 3, "expected 8 fields"),
    (backup(row("2T09:00:00", score="nan")), 2, "score 'nan' is out of range"),
    (backup(row("2T09:00:00", duration="1.5")), 2, "duration_ms '1.5' is not a number"),
    (backup(row("3T09:00:00"), row("2T09:00:00")), 3, "oldest first"),
    (backup(row("2T09:00:00"), header=("when", "card")), 1, "unexpected header"),
    ("", 1, "empty"),
    (backup(row("2T09:00:00"), row("2T09:01:00", deck="a\0b")), 3, "NUL"),
    (backup(row("2T09:00:00")) + "x" * 200_000 + "\n", 3, "not readable as CSV"),
    # A question spanning lines: the error still points at the line where the row starts.
    (backup(("2026-03-02T09:00:00+00:00", DECK, "softmax", "a\nb\nc", "good", "", "", ""),
            row("2T09:01:00", rating="")), 5, "rating ''"),
])
def test_restore_bad_line_names_file_and_line(
    operator: Operator, tmp_path: Path, text: str, where: int, message: str
) -> None:
    """A malformed backup is refused with file:line and the problem; nothing is written."""
    path = write(tmp_path / "backup.csv", text)
    code, _out, err = operator("restore", path, "--user", "77")
    assert code == 1
    assert f"backup.csv:{where}: " in err and message in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "ops.sqlite3").exists()  # refused before the database is opened


def test_restore_unknown_card_is_refused_or_skipped(operator: Operator, tmp_path: Path) -> None:
    """A card no deck has is refused by line, writing nothing; --skip-unknown leaves it out."""
    path = write(tmp_path / "backup.csv", backup(
        row("2T09:00:00"), row("2T09:01:00", "no-such-card"), row("2T09:02:00", "mini-batch")))
    code, _out, err = operator("restore", path, "--user", "77")
    assert code == 1
    assert "backup.csv:3: unknown card 'no-such-card'" in err and "--skip-unknown" in err
    with Session(operator.engine) as session:
        assert session.exec(select(func.count()).select_from(Learner)).one() == 0
    code, out, err = operator("restore", path, "--user", "77", "--skip-unknown")
    assert code == 0, err
    assert "restored 2 reviews of 2 cards" in out and "left out 1" in out
    assert reviews_in(operator.engine) == 2


def test_local_time_columns_round_trip_with_the_learners_zone(
    operator: Operator, tmp_path: Path
) -> None:
    """An export taken in Asia/Kolkata restores into a new learner with that zone, and
    exports to the same bytes; an export from before the local columns still restores."""
    kolkata = backup(
        (*row("2T09:00:00"), "2026-03-02 14:30:00", "Asia/Kolkata"),
        (*row("2T21:00:00", "mini-batch"), "2026-03-03 02:30:00", "Asia/Kolkata"),
        header=COLUMNS + LOCAL_COLUMNS)
    path = write(tmp_path / "kolkata.csv", kolkata)
    assert operator("restore", path, "--user", "77")[0] == 0
    assert operator("export", "--user", "77")[1] == kolkata
    with Session(operator.engine) as session:
        learner = session.exec(select(Learner).where(Learner.telegram_id == 77)).one()
    assert learner.timezone == "Asia/Kolkata"
    old = write(tmp_path / "old.csv", backup(row("2T09:00:00")))
    code, out, err = operator("restore", old, "--user", "78")
    assert code == 0, err
    assert "restored 1 review of 1 card" in out
    bad = write(tmp_path / "bad.csv", backup(
        (*row("2T09:00:00"), "2026-03-02 09:00:00", "Mars/Olympus"),
        header=COLUMNS + LOCAL_COLUMNS))
    code, _out, err = operator("restore", bad, "--user", "79")
    assert code == 1 and "bad.csv:2: time_zone 'Mars/Olympus' is not a time zone" in err
