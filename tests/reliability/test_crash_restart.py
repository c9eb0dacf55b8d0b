"""Promise 1: no lost or doubled review when the real bot process is SIGKILLed and restarted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import BotProcess, Emulator, Soak, bot_env


@pytest.fixture
def emulator_process(tmp_path: Path) -> Iterator[Emulator]:
    emu = Emulator(tmp_path / "emulator.log")
    try:
        yield emu
    finally:
        emu.close()


@pytest.mark.timeout(150)
def test_kills_lose_and_double_nothing(
    emulator_process: Emulator, database_url: str, tmp_path: Path
) -> None:
    """Across 5 SIGKILLs, every confirmed rating is stored once and card states replay."""
    bot = BotProcess(bot_env(emulator_process, database_url), tmp_path / "bot.log", tmp_path)
    soak = Soak(emulator_process, bot, database_url, seed=20260302, reviews=70, kills=5,
                learners=3, junk_per_step=1)
    try:
        report = soak.run()
    finally:
        bot.stop()
        soak.close()
    print(report.line())
    assert report.problems == [], report.problems
    assert report.kills == 5
    assert report.reviews >= 60
    assert (report.lost, report.doubled, report.phantom, report.wrong_rating,
            report.state_mismatches, report.stuck) == (0, 0, 0, 0, 0, 0), report.line()
    assert report.tracebacks == 0, (tmp_path / "bot.log").read_text()[-4000:]
