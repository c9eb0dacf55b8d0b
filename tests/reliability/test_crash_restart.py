"""Promise 1: no lost or doubled review when the real bot process is SIGKILLed and restarted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.scheduling import Rating, SchedulerConfig, new_memory, review
from bot.store.models import CardState, ReviewLog
from tests.bot.test_study_loop import press, say
from tests.conftest import RunningBot
from tests.reliability.harness import BotProcess, Emulator, Soak, bot_env, same_memory


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
    bot = BotProcess(bot_env(emulator_process, database_url), tmp_path / "bot.log", tmp_path,
                     emulator_process)
    soak = Soak(emulator_process, bot, database_url, seed=20260302, reviews=75, kills=5,
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
    # step mismatches are checked on their own by test_first_easy_rating_keeps_step_none.
    assert (report.lost, report.doubled, report.phantom, report.wrong_rating,
            report.state_mismatches, report.stuck) == (0, 0, 0, 0, 0, 0), report.line()
    assert report.tracebacks == 0, (tmp_path / "bot.log").read_text()[-4000:]


async def test_first_easy_rating_keeps_step_none(running_bot: RunningBot) -> None:
    """A new card rated Easy is stored exactly as replaying its one review gives (step None)."""
    await say(running_bot, "/study")
    (graded,) = await say(running_bot, "no idea")
    await press(running_bot, graded, "Easy")
    with Session(running_bot.db.engine) as session:
        state = session.exec(select(CardState)).one()
        log = session.exec(select(ReviewLog)).one()
    memory = review(new_memory(log.reviewed_at), Rating.EASY, log.reviewed_at,
                    SchedulerConfig(fuzzing=False))
    assert memory.step is None
    assert same_memory(memory, state), (memory, state)
