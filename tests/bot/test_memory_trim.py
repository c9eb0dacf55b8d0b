"""The memory-trim job: scheduled with the bot, and never trimming while an update is in
flight (the trim holds the GIL for a few milliseconds after a burst)."""

from __future__ import annotations

import asyncio
import ctypes.util

import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.jobs import memory_trim
from tests.bot.test_study_loop import LEARNER, say
from tests.conftest import RunningBot

GLIBC = ctypes.util.find_library("c") is not None


async def test_the_job_runs_with_the_bot(sqlite_bot: RunningBot) -> None:
    assert sqlite_bot.app.job_queue is not None
    jobs = sqlite_bot.app.job_queue.get_jobs_by_name(memory_trim.JOB_NAME)
    assert len(jobs) == 1
    await memory_trim.stop(sqlite_bot.app)
    await asyncio.sleep(0)
    assert not sqlite_bot.app.job_queue.get_jobs_by_name(memory_trim.JOB_NAME)


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
async def test_no_trim_while_an_update_is_in_flight(sqlite_bot: RunningBot) -> None:
    entered, release = asyncio.Event(), asyncio.Event()

    async def hold(update: Update, context: object) -> None:
        entered.set()
        await release.wait()

    # First of all groups: the learner's /start waits here until released.
    sqlite_bot.app.add_handler(TypeHandler(Update, hold), group=-10)
    sqlite_bot.emu.user(LEARNER, first_name="Ada")
    await sqlite_bot.emu.send_text(LEARNER, "/start")
    await asyncio.wait_for(entered.wait(), 10)
    assert memory_trim.trim_if_idle(sqlite_bot.app) is False

    release.set()
    (welcome,) = await sqlite_bot.emu.wait_for_bot_message(LEARNER)
    assert "Hi Ada" in welcome.body  # the held update went on as usual
    for _ in range(100):
        if sqlite_bot.app.update_processor.current_concurrent_updates == 0:
            break
        await asyncio.sleep(0.01)
    assert memory_trim.trim_if_idle(sqlite_bot.app) is True
    # And the learner goes on studying after it.
    (question,) = await say(sqlite_bot, "/study")
    assert "What is data augmentation?" in question.body
