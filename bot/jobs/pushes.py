"""Daily push reminders: wake up, ask the database who is due, claim, send.

The JobQueue only decides *when to look*; it is rebuilt at every start and holds no state.
One repeating tick (every `TICK_SECONDS`, aligned to the wall-clock minute) plus one tick
at startup (catch-up after downtime) call `run_due_pushes`, which:

1. sweeps rows a dead process left `sending` (to `unknown`) and reclaims `retry` rows and
   `claimed` rows whose holder is gone (bot.pushes.claims: holders beat every HOLDER_BEAT);
2. repeatedly finds learners whose push moment has passed (one query for all zones: each
   distinct time zone's wall clock is computed once, see bot.pushes.claims.find_candidates),
   claims a batch in the database (bot.pushes.claims: the unique (learner, local date) row is
   the exactly-once guarantee), and
3. sends with bounded concurrency through PTB (so AIORateLimiter paces to Telegram's limits
   and retries 429s), recording outcomes in batches.

Errors: 429 that outlives the rate limiter's retries -> `retry` (the next tick sends it, no
loss); 403 -> the learner is marked inactive; a connection error certain not to have
reached Telegram, or a 5xx -> retried here with backoff, then `failed`; an ambiguous
timeout (the request may have arrived) -> `unknown` without retry, so never a duplicate.

The push is a quiz: the flip to `sending` opens the first due card's study prompt in the
same transaction (bot.pushes.claims.start_quiz_sending), and the message carries that question
with the push keyboard (⏭ Skip, 💤 Later, ⏸ Pause reminders; bot.telegram.pushes).
A check-in ("still want daily questions?") goes to a learner who ignored a week of pushes.

Time comes from `app.bot_data.clock()`; tests and the benchmark call `run_due_pushes`
directly instead of waiting for the JobQueue.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, cast

import aiohttp
import httpx
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.liveness import Holder, new_holder
from bot.pushes import claims
from bot.pushes.rules import PushKind, catchup_window, next_tick_delay
from bot.telegram import keyboards, render
from bot.telegram.bare_send import send_html
from bot.telegram.context import BotContext, TutorApp, utc_now

log = logging.getLogger("tutorbot.pushes")

TICK_SECONDS = 30.0
JOB_NAME = "push-tick"
BEAT_JOB_NAME = "push-holder-beat"
CLAIM_BATCH = 1000
# Sends in flight at once. It is also the most a crash can lose: a claim turns `sending`
# (never resent) only once it holds one of these slots. 24 is under a second of Telegram's
# 30 msg/s.
SEND_CONCURRENCY = 24
# Claims opened (flipped, prompts written) in one transaction, committed once that many
# slots are free. A whole slot set: each transaction's fixed cost is shared by more pushes,
# and the sends barely wait, since the next groups are opened while the current one sends.
SEND_GROUP = SEND_CONCURRENCY
# Groups whose transactions run at once, ahead of their sends (each on its own connection);
# on SQLite one, since each holds the one write lock until it commits.
OPENING_AHEAD = 2
FLUSH_EVERY = 250  # outcomes written per statement batch
BACKOFF_S: tuple[float, ...] = (0.5, 1.0, 2.0)  # retries for errors that surely didn't send
# Between full scans a run reads only push times since the previous run began (less this
# overlap): a full scan re-reads everyone pushed today, which with many learners costs more
# than the sends. The periodic full scan still finds what no tick announced: a learner who
# wrote again after blocking the bot, a push time changed on another instance, a restore.
SCAN_OVERLAP = timedelta(minutes=2)
FULL_SCAN_EVERY = timedelta(minutes=10)


class Outcome(Enum):
    SENT = "sent"
    RETRY = "retry"
    BLOCKED = "blocked"
    FAILED = "failed"
    UNKNOWN = "unknown"  # may have reached Telegram: never resent, never called failed


@dataclass
class PushReport:
    """What one run did (for logs, tests and the benchmark)."""

    found: int = 0
    sent: int = 0
    skipped: int = 0
    failed: int = 0
    unknown: int = 0
    retry: int = 0
    deactivated: int = 0

    def add_batch(self, batch: claims.Batch) -> None:
        self.found += batch.found
        self.skipped += batch.skipped


@dataclass
class Pusher:
    """Per-application push state: one run at a time, and whether the app is stopping."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    stopping: bool = False
    # This process as the holder of its claims; a fresh id per application.
    holder: Holder = field(default_factory=new_holder)
    beat_failing: bool = False
    # Only a hint for narrowing the next scan (see SCAN_OVERLAP); the database decides.
    last_run_at: datetime | None = None
    last_full_scan_at: datetime | None = None
    # False sends the plain reminder ("N cards are due") without opening a prompt: the
    # benchmark measures the quiz push against it.
    quiz: bool = True

    def scan_since(self, now: datetime) -> datetime | None:
        """Where the next run's scan may start; None means a full scan."""
        last, full = self.last_run_at, self.last_full_scan_at
        if last is None or full is None or not full <= last <= now:
            return None  # first run, or the clock went back: look at everything
        if now - full >= FULL_SCAN_EVERY:
            return None
        return last - SCAN_OVERLAP


def _pusher(app: TutorApp) -> Pusher:
    state = app.bot_data
    if state.pusher is None:
        state.pusher = Pusher()
    found: Pusher = state.pusher
    return found


async def start(app: TutorApp) -> None:
    """Schedule the push wake-ups: one catch-up tick now, then one every TICK_SECONDS."""
    pusher = _pusher(app)
    pusher.stopping = False
    if app.job_queue is None:
        log.warning("no JobQueue (python-telegram-bot[job-queue] missing): pushes are off")
        return
    # Registered before the first claim, so no other process takes this one's claims for
    # a gone holder's.
    await app.bot_data.database.run(claims.beat, holder=pusher.holder, wall_now=utc_now())
    for name in (JOB_NAME, BEAT_JOB_NAME):
        for job in app.job_queue.get_jobs_by_name(name):
            job.schedule_removal()
    beat_s = claims.HOLDER_BEAT.total_seconds()
    app.job_queue.run_repeating(_beat, interval=beat_s, first=beat_s, name=BEAT_JOB_NAME,
                                job_kwargs={"coalesce": True, "misfire_grace_time": None})
    # The JobQueue runs on real time, so the alignment does too; decisions use the app clock.
    first = next_tick_delay(time.time(), TICK_SECONDS)
    # These jobs are scheduled in post_init, but the scheduler only starts after post_init
    # has finished (demo workers warming up can take seconds), so the start-up tick's time
    # is often past by then. APScheduler's default grace of 1 s would drop it with "Run time
    # of job was missed"; no grace limit runs it (once: coalesce) as soon as it can.
    late_ok = {"coalesce": True, "misfire_grace_time": None}
    app.job_queue.run_once(_tick, when=0.5, name=JOB_NAME, job_kwargs=late_ok)
    app.job_queue.run_repeating(_tick, interval=TICK_SECONDS, first=first, name=JOB_NAME,
                                job_kwargs=late_ok)


async def stop(app: TutorApp) -> None:
    """Cancel the push wake-ups and wait for a running tick to settle its sends."""
    pusher = _pusher(app)
    pusher.stopping = True
    if app.job_queue is not None:
        for name in (JOB_NAME, BEAT_JOB_NAME):
            for job in app.job_queue.get_jobs_by_name(name):
                job.schedule_removal()
    async with pusher.lock:
        pass
    if app.bot_data.db is not None:
        try:  # its claims are settled; leaving at once frees anything left
            await app.bot_data.db.run(claims.drop_holder, holder_id=pusher.holder.id)
        except Exception as exc:  # the database may be what is going away
            log.warning("could not drop push holder %s: %s", pusher.holder.id,
                        type(exc).__name__)


async def _beat(context: BotContext) -> None:
    """Keep this process's claims its own (bot.pushes.claims.HOLDER_STALE)."""
    app = cast(TutorApp, context.application)
    pusher = _pusher(app)
    try:
        await app.bot_data.database.run(claims.beat, holder=pusher.holder,
                                        wall_now=utc_now())
    except Exception as exc:  # one line per outage, not one per beat
        if not pusher.beat_failing:
            log.warning("push holder heartbeat failed (%s); retrying every %.0f s",
                        type(exc).__name__, claims.HOLDER_BEAT.total_seconds())
        pusher.beat_failing = True
        return
    if pusher.beat_failing:
        log.info("push holder heartbeat is back")
    pusher.beat_failing = False


async def reschedule(app: TutorApp, telegram_id: int) -> None:
    """Apply a learner's new push time, time zone or pause now, not at the next tick.

    The database is the only schedule, so this is a tick restricted to that learner: if the
    new push moment has already passed today (within the catch-up window), it goes out now.
    """
    await _run(app, _pusher(app), telegram_id=telegram_id)


async def _tick(context: BotContext) -> None:
    """Look for due pushes, unless the previous tick is still sending."""
    # PTB types CallbackContext.application with an unbound context type variable.
    app = cast(TutorApp, context.application)
    pusher = _pusher(app)
    if pusher.lock.locked() or pusher.stopping:
        return
    # create_task: Application.stop() waits for it, so shutdown never cuts a batch in half.
    app.create_task(run_due_pushes(app), name="push-tick")


async def run_due_pushes(app: TutorApp) -> PushReport:
    """Send every push that is due now; one full run at a time per application."""
    pusher = _pusher(app)
    async with pusher.lock:
        return await _run(app, pusher, telegram_id=None)


class _Sender:
    """Bounded-concurrency sends with outcomes buffered and written in batches."""

    def __init__(self, app: TutorApp, report: PushReport) -> None:
        self.app = app
        self.report = report
        self.slots = asyncio.Semaphore(SEND_CONCURRENCY)
        self.tasks: set[asyncio.Task[None]] = set()
        self.sent: list[int] = []
        self.failed: list[int] = []
        self.unknown: list[int] = []
        self.retry: list[int] = []
        self.blocked: list[int] = []
        self.writes: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self.sent) + len(self.failed) + len(self.unknown) + len(self.retry)

    def start(self, sending: claims.Sending) -> None:
        """Send on a slot already taken; the slot is given back when the send ends."""
        task = asyncio.create_task(self._send(sending))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _send(self, sending: claims.Sending) -> None:
        claim = sending.claim
        try:
            outcome = await send_push(self.app, sending)
        finally:
            self.slots.release()
        if outcome is Outcome.SENT:
            self.sent.append(claim.claim_id)
        elif outcome is Outcome.RETRY:
            self.retry.append(claim.claim_id)
        elif outcome is Outcome.UNKNOWN:
            self.unknown.append(claim.claim_id)
        else:
            self.failed.append(claim.claim_id)
            if outcome is Outcome.BLOCKED:
                self.blocked.append(claim.learner_id)

    def flush_soon(self) -> None:
        """Write a full buffer of outcomes in the background: sends go on meanwhile."""
        if self.pending >= FLUSH_EVERY:
            self.writes.add(asyncio.create_task(self._write()))

    async def _write(self) -> None:
        if not self.pending:
            return
        sent, failed, unknown = self.sent, self.failed, self.unknown
        retry, blocked = self.retry, self.blocked
        self.sent, self.failed, self.unknown, self.retry, self.blocked = [], [], [], [], []
        state = self.app.bot_data
        await state.database.run(claims.record_outcomes, sent=sent, failed=failed,
                                 unknown=unknown, retry=retry, blocked_learners=blocked,
                                 now=state.clock())
        self.report.sent += len(sent)
        self.report.failed += len(failed)
        self.report.unknown += len(unknown)
        self.report.retry += len(retry)
        self.report.deactivated += len(set(blocked))

    async def drain(self) -> None:
        while self.tasks:
            await asyncio.gather(*list(self.tasks))
        writes, self.writes = self.writes, set()
        # return_exceptions: every write is awaited before the first failure is raised.
        for result in await asyncio.gather(*writes, return_exceptions=True):
            if isinstance(result, BaseException):
                raise result
        await self._write()


async def _run(app: TutorApp, pusher: Pusher, *, telegram_id: int | None) -> PushReport:
    state = app.bot_data
    db = state.database
    catchup = catchup_window(state.config.push_catchup_hours)
    report = PushReport()
    sender = _Sender(app, report)
    was_running = app.running
    started = time.perf_counter()

    def stopping() -> bool:
        return pusher.stopping or (was_running and not app.running)

    async def send_all(batch: claims.Batch) -> None:
        # A claim turns `sending` only once a send slot is held for it: a crash then leaves
        # at most SEND_CONCURRENCY pushes "maybe sent" (never resent), not a whole batch.
        # The next groups' transactions (their flips and prompts) run while earlier groups
        # send, and each commits only once its group holds its slots.
        report.add_batch(batch)
        depth = 1 if state.database.url.startswith("sqlite") else OPENING_AHEAD
        opening: deque[_Opening] = deque()
        try:
            for start in range(0, len(batch.claims), SEND_GROUP):
                if len(opening) >= depth:
                    await opening.popleft().send(sender)
                opening.append(_Opening(app, pusher, batch.claims[start:start + SEND_GROUP]))
            while opening:
                await opening.popleft().send(sender)
        finally:
            while opening:
                await opening.popleft().abandon()

    # One batch is sent while the next is found and claimed: the database work overlaps the
    # sends instead of pausing them. Claims are committed before their batch is handed on,
    # so the next search cannot find them again.
    sending: asyncio.Task[None] | None = None

    async def hand_on(batch: claims.Batch) -> None:
        nonlocal sending
        if sending is not None:
            await sending
        sending = asyncio.create_task(send_all(batch))

    try:
        holder = pusher.holder
        if telegram_id is None:
            await db.run(claims.sweep_stale_sending, now=state.clock(), wall_now=utc_now(),
                         me=holder.process)
            while not stopping():
                batch = await db.run(claims.reclaim_due, now=state.clock(), catchup=catchup,
                                     limit=CLAIM_BATCH, holder=holder.id, wall_now=utc_now())
                await hand_on(batch)
                if batch.found < CLAIM_BATCH:
                    break
        run_at = state.clock()
        since = pusher.scan_since(run_at) if telegram_id is None else None
        # Once per run: a pass over every eligible learner, and zones rarely change.
        zones = await db.run(claims.eligible_zones, telegram_id=telegram_id)
        while not stopping():
            now = state.clock()
            candidates = await db.run(claims.find_candidates, zones=zones, now=now,
                                      catchup=catchup, since=since,
                                      telegram_id=telegram_id, limit=CLAIM_BATCH)
            if not candidates:
                break
            batch = await db.run(claims.claim_due, candidates=candidates, now=now,
                                 catchup=catchup, holder=holder.id)
            await hand_on(batch)
            if len(candidates) < CLAIM_BATCH:
                break
        if telegram_id is None and not stopping():
            pusher.last_run_at = run_at
            if since is None:
                pusher.last_full_scan_at = run_at
    finally:
        try:
            if sending is not None:
                await sending
        finally:
            await sender.drain()
    if report.found:
        log.info("pushes: %s in %.1fs", report, time.perf_counter() - started)
    return report


class _Gate:
    """Holds a group's open transaction until its send slots are held.

    The group's flip to `sending` and its prompts are written while earlier groups send;
    the commit, after which a crash means "maybe sent", waits for `release`. `abandon`
    rolls the transaction back instead: the claims stay `claimed` and no prompt is kept.
    """

    def __init__(self) -> None:
        self._open = threading.Event()
        self._abandoned = False

    def wait(self) -> None:
        """In the database thread, before the unit of work commits."""
        self._open.wait()
        if self._abandoned:
            raise _Abandoned

    def release(self) -> None:
        self._open.set()

    def abandon(self) -> None:
        self._abandoned = True
        self._open.set()


class _Abandoned(Exception):
    """Rolls back a group whose slots were never taken (the run is stopping or failed)."""


class _Opening:
    """A send group whose transaction runs now and commits once the group holds its slots."""

    def __init__(self, app: TutorApp, pusher: Pusher, group: list[claims.Claim]) -> None:
        state = app.bot_data
        self.group = group
        self.gate = _Gate()
        self.task = asyncio.ensure_future(state.database.run(
            claims.open_group, claims=group, quiz=pusher.quiz, catalog=state.catalog,
            now=state.clock(), before_commit=self.gate.wait))

    async def send(self, sender: _Sender) -> None:
        """Take the group's slots, let its transaction commit, and send what it opened."""
        held = 0
        try:
            while held < len(self.group):
                await sender.slots.acquire()
                held += 1
            self.gate.release()
            ready = await self.task
        except BaseException:
            for _ in range(held):
                sender.slots.release()
            await self.abandon()
            raise
        for sending in ready:
            sender.start(sending)
        for _ in range(len(self.group) - len(ready)):
            sender.slots.release()
        sender.flush_soon()

    async def abandon(self) -> None:
        """Roll the group back (its claims stay `claimed`), unless it has committed."""
        self.gate.abandon()
        with contextlib.suppress(Exception):  # _Abandoned, or what failed before the gate
            await self.task


def _push_message(sending: claims.Sending) -> tuple[str, dict[str, Any] | None]:
    """The push's HTML and its keyboard as the Bot API's JSON (see bot.telegram.bare_send)."""
    claim = sending.claim
    if sending.question is not None and claim.kind is not PushKind.CHECKIN:
        return (render.push_question_text(sending.question, claim.due_count),
                keyboards.push_quiz_json(sending.question.prompt_id))
    reply = (render.push_checkin(claim.due_count) if claim.kind is PushKind.CHECKIN
             else render.push_reminder(claim.due_count))
    return reply.text, None if reply.keyboard is None else reply.keyboard.to_dict()


async def send_push(app: TutorApp, sending: claims.Sending) -> Outcome:
    """Send one push; never raises for Telegram's answers, only reports them."""
    claim = sending.claim
    text, keyboard = _push_message(sending)
    for attempt in range(len(BACKOFF_S) + 1):
        try:
            await send_html(app.bot, claim.chat_id, text, keyboard)
            return Outcome.SENT
        except RetryAfter as exc:
            # AIORateLimiter already waited and retried; the message surely wasn't sent.
            log.warning("push to chat %s still rate limited (%s); retrying next tick",
                        claim.chat_id, exc)
            return Outcome.RETRY
        except Forbidden:
            log.info("learner %s blocked the bot; pushes off until they write", claim.learner_id)
            return Outcome.BLOCKED
        except BadRequest as exc:
            log.warning("push to chat %s rejected: %s", claim.chat_id, exc)
            return Outcome.FAILED
        except NetworkError as exc:
            if not _surely_unsent(exc):
                log.warning("push to chat %s may or may not have arrived: %r", claim.chat_id,
                            exc)
                return Outcome.UNKNOWN
            if attempt == len(BACKOFF_S):
                log.warning("push to chat %s failed: %r", claim.chat_id, exc)
                return Outcome.FAILED
            await asyncio.sleep(BACKOFF_S[attempt])
        except TelegramError as exc:
            log.error("push to chat %s failed: %r", claim.chat_id, exc)
            return Outcome.FAILED
    return Outcome.FAILED


def _surely_unsent(exc: NetworkError) -> bool:
    """Whether retrying cannot duplicate: Telegram answered with an error, or the request
    never left (no connection, pool exhausted). A read timeout or a dropped connection after
    the request was written may have delivered it."""
    # Both HTTP layers PTB may run on: its default httpx, or bot.telegram.aiohttp_request.
    if isinstance(exc, TimedOut):
        return isinstance(exc.__cause__, httpx.PoolTimeout | httpx.ConnectTimeout
                          | aiohttp.ConnectionTimeoutError)
    cause = exc.__cause__
    if cause is None:
        return True  # an HTTP error status from the server: it refused the request
    return isinstance(cause, httpx.ConnectError | aiohttp.ClientConnectorError)
