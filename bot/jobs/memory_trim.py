"""Giving a burst's memory back once the bot is quiet again.

A burst of updates (a class answering at once, a backlog after a restart or an outage) leaves
the buffers it freed in glibc's heaps: request and response bodies, rows, rendered texts. The
allocator keeps them for reuse, so the process's resident size would only ever grow to the
largest burst it has seen. Every TRIM_INTERVAL_S seconds, when no update is in flight, the
C heap is trimmed (`bot.memory.return_freed_memory`): a few milliseconds right after a burst,
microseconds when there is nothing to give back, and never while an update waits for the GIL.
"""

from __future__ import annotations

import contextlib
from typing import cast

from bot.memory import return_freed_memory
from bot.telegram.context import BotContext, TutorApp

JOB_NAME = "memory-trim"
TRIM_INTERVAL_S = 2.0


async def start(app: TutorApp) -> None:
    if app.job_queue is not None:
        app.job_queue.run_repeating(_tick, interval=TRIM_INTERVAL_S, first=TRIM_INTERVAL_S,
                                    name=JOB_NAME)


async def stop(app: TutorApp) -> None:
    if app.job_queue is not None:
        with contextlib.suppress(Exception):  # the scheduler may already be shut down
            for job in app.job_queue.get_jobs_by_name(JOB_NAME):
                job.schedule_removal()


def trim_if_idle(app: TutorApp) -> bool:
    """Trim the C heap unless an update is in flight; whether it was trimmed."""
    if app.update_processor.current_concurrent_updates > 0:
        return False
    return return_freed_memory()


async def _tick(context: BotContext) -> None:
    # PTB types `context.application` with an unbound context type parameter.
    trim_if_idle(cast(TutorApp, context.application))
