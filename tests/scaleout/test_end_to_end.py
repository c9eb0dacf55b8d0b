"""The whole scale-out path: webhook bot on PostgreSQL, a worker process on Redis, a learner."""

from __future__ import annotations

import aiohttp
from sqlmodel import Session, select

from bot.demos.queue_runner import RedisDemoRunner
from bot.store.models import ReviewLog
from tests.factories import FakeClock, postgres_database
from tests.scaleout.conftest import (
    LEARNER,
    REDIS_URL,
    WorkerProcess,
    free_port,
    press,
    say,
    start_webhook_bot,
    webhook_settings,
)
from tgemu import BotApiEmulator


async def test_learner_studies_and_runs_lrfind_on_the_scaled_out_bot(
    emulator: BotApiEmulator, clock: FakeClock, queue_name: str
) -> None:
    """Study and /lrfind work end to end with webhook delivery, PostgreSQL and a Redis worker."""
    worker = WorkerProcess(queue_name, timeout_s=30, name="e2e")
    with postgres_database() as database_url:
        settings = webhook_settings(emulator, database_url, free_port())
        bot = await start_webhook_bot(emulator, settings, clock)
        # Until app.py builds it from REDIS_URL, attach the runner the way post_init will.
        runner = RedisDemoRunner(REDIS_URL, job_timeout_s=30, queue_name=queue_name)
        await runner.start()
        bot.app.bot_data.demos = runner
        try:
            (card,) = await say(emulator, "/study")
            assert "What is data augmentation?" in card.body
            (graded,) = await say(emulator, "making more training data by transforming it")
            (_next,) = await press(emulator, graded, "Good")
            with Session(bot.db.engine) as session:
                assert len(session.exec(select(ReviewLog)).all()) == 1

            await worker.wait_ready()
            (status,) = await say(emulator, "/lrfind mlp")
            assert "Learning-rate finder" in status.body
            await emulator.wait_until(
                lambda: any(m.has_photo for m in emulator.bot_messages(LEARNER)),
                timeout=30, what="the lrfind plot")
            photo = next(m for m in emulator.bot_messages(LEARNER) if m.has_photo)
            assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
            assert "valley" in (photo.caption or "")
            await emulator.wait_until(
                lambda: "Done" in emulator.message(LEARNER, status.message_id).body)

            async with aiohttp.ClientSession() as http:
                async with http.get(f"{bot.base}/healthz") as resp:
                    health = await resp.json()
                async with http.get(f"{bot.base}/metrics") as resp:
                    metrics = await resp.text()
            assert health["ok"] is True and health["demo_queue"] == 0
            assert "tutorbot_demo_queue_length 0" in metrics
        finally:
            await bot.stop()
            worker.stop()
