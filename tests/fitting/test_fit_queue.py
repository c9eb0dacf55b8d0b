"""The fit through the Redis queue: a `tutorbot worker` process fits, the bot on PostgreSQL
stores the learner's choice."""

from __future__ import annotations

import json
from pathlib import Path

import fsrs
from sqlmodel import Session, select

from bot.store.models import Learner
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import make_settings, start_bot
from tests.factories import FIXED_NOW, FakeClock, postgres_database
from tests.fitting.test_personalise import run_fit, with_history, write_deck
from tests.scaleout.conftest import REDIS_URL, WorkerProcess

# The scale-out suite's fixture: a queue name of its own, its Redis keys deleted afterwards.
from tests.scaleout.conftest import queue_name as queue_name
from tgemu import BotApiEmulator


async def test_fit_runs_on_a_queue_worker_and_is_accepted(
    emulator: BotApiEmulator, tmp_path: Path, queue_name: str
) -> None:
    """The job and its result (parameters, not only a picture) cross Redis both ways."""
    worker = WorkerProcess(queue_name, timeout_s=120, name="fit")
    with postgres_database() as database_url:
        settings = make_settings(emulator, database_url, cards_dir=write_deck(tmp_path / "cards"),
                                 demo_workers=1, redis_url=REDIS_URL, demo_queue=queue_name,
                                 demo_timeout_s=120.0)
        bot = await start_bot(emulator, settings, FakeClock(FIXED_NOW))
        try:
            await with_history(bot)
            await worker.wait_ready(90)
            photo = await run_fit(bot)
            assert "Predicted recall at your review times" in (photo.caption or "")
            (done,) = await press(bot, photo, "Use them")
            assert "now uses your own FSRS parameters" in done.body
            with Session(bot.db.engine) as session:
                stored = session.exec(select(Learner).where(Learner.telegram_id == LEARNER)).one()
            assert stored.fsrs_parameters is not None
            parameters = json.loads(stored.fsrs_parameters)
            assert len(parameters) == 21
            fsrs.Scheduler(parameters=parameters)
            (menu,) = await say(bot, "/settings")
            assert "Schedule: personalised" in menu.body
        finally:
            await bot.stop()
            worker.stop()
