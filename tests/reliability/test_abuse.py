"""Promise 7: a flooding learner is throttled politely without slowing anyone else, and demo
requests are limited per learner."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlmodel import Session, func, select

from bot.demo_quota import DemoAllowed, NoLearner, QuotaReached, claim_demo
from bot.flood_window import Admitted, FloodThrottle, Throttled
from bot.store.db import Database
from bot.store.migrate import upgrade
from bot.store.models import DemoUse, Learner
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FIXED_NOW, FakeClock, postgres_database, register_learner
from tgemu import BotApiEmulator

FLOODER, BYSTANDER = 6001, 6002
LIMIT = 5


@pytest.fixture
async def throttled_bot(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    """The bot with a small flood limit (5 updates per 10 s per chat)."""
    settings = make_settings(emulator, sqlite_url, flood_limit=LIMIT, flood_window_s=10.0)
    bot = await start_bot(emulator, settings, clock)
    try:
        yield bot
    finally:
        await bot.stop()


async def flood(emu: BotApiEmulator, user: int, count: int = 50) -> None:
    """One message to register the learner, then the rest at once (`count` in all)."""
    emu.user(user, first_name="Flo")
    # A brand-new learner's first updates racing each other is a separate problem (see
    # the report on bot.learners.register); here the learner exists before the flood starts.
    await emu.send_text(user, "/help")
    await emu.wait_for_bot_message(user)
    for i in range(count - 1):
        await emu.send_text(user, f"spam {i}")


async def settle(emu: BotApiEmulator) -> None:
    await emu.wait_until(lambda: emu.pending_updates == 0)
    await asyncio.sleep(0.5)


async def test_flood_is_throttled_politely(throttled_bot: RunningBot) -> None:
    """50 messages at once get exactly 5 replies and one polite "slow down", not 50 replies."""
    emu = throttled_bot.emu
    await flood(emu, FLOODER)
    await settle(emu)
    replies = [m.body for m in emu.bot_messages(FLOODER)]
    notices = [r for r in replies if "Slow down" in r]
    assert len(replies) == LIMIT + 1, replies
    assert len(notices) == 1, replies
    assert "listen again in" in notices[0] and "Traceback" not in notices[0]


async def test_flood_does_not_delay_another_learner(throttled_bot: RunningBot) -> None:
    """While one chat floods (and is being throttled), another learner's /help is answered."""
    emu = throttled_bot.emu
    emu.user(BYSTANDER, first_name="Bea")
    await flood(emu, FLOODER)
    started = time.monotonic()
    await emu.send_text(BYSTANDER, "/help")
    (reply,) = await emu.wait_for_bot_message(BYSTANDER, timeout=5)
    assert "/study" in reply.body
    assert time.monotonic() - started < 2.0
    await settle(emu)
    assert len(emu.bot_messages(FLOODER)) == LIMIT + 1


async def test_flooding_chat_button_presses_are_answered(throttled_bot: RunningBot) -> None:
    """Presses from a throttled chat are all answered (no spinning button), with the notice."""
    emu = throttled_bot.emu
    await flood(emu, FLOODER, count=LIMIT)
    await emu.wait_until(lambda: len(emu.bot_messages(FLOODER)) == LIMIT)
    ids = [(await emu.press(FLOODER, 1, "st", check=False))["callback_query"]["id"]
           for _ in range(4)]
    await emu.wait_until(lambda: {a.callback_query_id for a in emu.callback_answers}
                         >= set(ids))
    answers = [a for a in emu.callback_answers if a.callback_query_id in ids]
    assert all("Slow down" in (a.text or "") for a in answers), answers
    await settle(emu)
    assert len(emu.bot_messages(FLOODER)) == LIMIT  # toasts only, no extra chat messages


async def test_throttled_chat_is_heard_again_after_the_window(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock
) -> None:
    """Once the window has passed, a throttled learner is answered again as usual."""
    settings = make_settings(emulator, sqlite_url, flood_limit=LIMIT, flood_window_s=1.0)
    bot = await start_bot(emulator, settings, clock)
    try:
        await flood(emulator, FLOODER, count=20)
        await emulator.wait_until(lambda: any("Slow down" in m.body
                                              for m in emulator.bot_messages(FLOODER)))
        await settle(emulator)
        await asyncio.sleep(1.1)
        await emulator.send_text(FLOODER, "/help")
        (reply,) = await emulator.wait_for_bot_message(FLOODER, timeout=5)
        assert "/study" in reply.body
    finally:
        await bot.stop()


def test_throttle_window_and_notice_once() -> None:
    """A chat over the limit is refused until its oldest update leaves the window, and the
    notice is due once per episode; other chats are unaffected."""
    now = [100.0]
    throttle = FloodThrottle(limit=3, window_s=10.0, clock=lambda: now[0])
    assert [throttle.admit(1) for _ in range(3)] == [Admitted()] * 3
    assert throttle.admit(1) == Throttled(retry_in_s=10, first=True)
    now[0] += 4
    assert throttle.admit(2) == Admitted()
    assert throttle.admit(1) == Throttled(retry_in_s=6, first=False)
    now[0] += 6
    assert throttle.admit(1) == Admitted()  # all three first updates left the window
    assert [throttle.admit(1) for _ in range(2)] == [Admitted()] * 2
    assert throttle.admit(1) == Throttled(retry_in_s=10, first=True)  # a new episode


def test_throttle_memory_is_bounded() -> None:
    """Idle chats are forgotten after one window, and no more than max_chats are tracked."""
    now = [0.0]
    throttle = FloodThrottle(limit=2, window_s=10.0, clock=lambda: now[0], max_chats=100)
    for chat in range(1000):
        throttle.admit(chat)
    assert len(throttle) == 100
    now[0] += 10.5
    throttle.admit(5000)
    assert len(throttle) == 1


@dataclass
class _Result:
    png: bytes
    caption: str
    elapsed_s: float


class InstantDemos:
    """A demo runner that finishes at once, so only the bot's own limits can refuse."""

    def __init__(self) -> None:
        self.submitted: list[tuple[int, str]] = []

    def queue_position(self, owner: int) -> int | None:
        return None

    async def submit(self, request: Any, *, owner: int, on_progress: Any = None) -> _Result:
        self.submitted.append((owner, str(request.kind)))
        buffer = io.BytesIO()
        Image.new("RGB", (8, 8), (10, 20, 30)).save(buffer, format="PNG")
        return _Result(buffer.getvalue(), "demo", 0.01)

    async def cancel(self, owner: int) -> bool:
        return False

    async def close(self) -> None:
        return None


QUOTA = 3


@pytest.fixture
async def quota_bot(
    emulator: BotApiEmulator, sqlite_url: str, clock: FakeClock
) -> AsyncIterator[RunningBot]:
    """The bot with 3 demos per hour per learner, instant demos and no flood throttle."""
    settings = make_settings(emulator, sqlite_url, demo_quota=QUOTA, demo_quota_window_s=3600.0,
                             flood_limit=1_000_000)
    bot = await start_bot(emulator, settings, clock)
    bot.app.bot_data.demos = InstantDemos()
    try:
        yield bot
    finally:
        await bot.stop()


async def ask_demo(emu: BotApiEmulator, user: int, text: str = "/demo softmax") -> str:
    """Send a demo command and return the bot's last text once it has finished replying."""
    before = len(emu.bot_messages(user))
    await emu.send_text(user, text)
    await emu.wait_until(lambda: len(emu.bot_messages(user)) > before)
    await settle_quick(emu)
    return emu.bot_messages(user)[-1].body


async def settle_quick(emu: BotApiEmulator) -> None:
    await emu.wait_until(lambda: emu.pending_updates == 0)
    await asyncio.sleep(0.15)


async def test_demo_requests_are_limited_per_learner(quota_bot: RunningBot) -> None:
    """A learner runs 3 demos an hour, then gets a polite "next one at 10:00"; others still
    run theirs; an hour later the learner can run demos again."""
    emu, clock = quota_bot.emu, quota_bot.clock
    runner: InstantDemos = quota_bot.app.bot_data.demos
    emu.user(FLOODER, first_name="Flo")
    emu.user(BYSTANDER, first_name="Bea")
    for _ in range(QUOTA):
        await ask_demo(emu, FLOODER)
        clock.advance(minutes=1)
    refused = [await ask_demo(emu, FLOODER) for _ in range(5)]
    assert len(runner.submitted) == QUOTA
    assert all("demo limit" in body and "3 per hour" in body for body in refused), refused
    # The oldest of the three ran at 09:00, so the next slot opens at 10:00 (57 min later).
    assert "in 57 min (at 10:00)" in refused[0], refused[0]
    await ask_demo(emu, BYSTANDER)
    assert runner.submitted[-1][0] == BYSTANDER
    with Session(quota_bot.db.engine) as session:
        flo = session.exec(select(Learner).where(Learner.telegram_id == FLOODER)).one()
        uses = session.exec(select(func.count()).select_from(DemoUse)
                            .where(DemoUse.learner_id == flo.id)).one()
    assert uses == QUOTA  # refused requests are not counted
    clock.advance(minutes=58)
    await ask_demo(emu, FLOODER)
    assert runner.submitted[-1][0] == FLOODER and len(runner.submitted) == QUOTA + 2


async def test_invalid_demo_and_stats_do_not_use_the_quota(quota_bot: RunningBot) -> None:
    """A demo with bad arguments and /stats charts leave the quota untouched."""
    emu = quota_bot.emu
    runner: InstantDemos = quota_bot.app.bot_data.demos
    emu.user(FLOODER, first_name="Flo")
    for _ in range(QUOTA + 1):
        await ask_demo(emu, FLOODER, "/demo softmax banana")
        await ask_demo(emu, FLOODER, "/stats")
    await emu.wait_until(lambda: len(runner.submitted) == QUOTA + 1)
    assert {kind for _, kind in runner.submitted} == {"stats"}
    for _ in range(QUOTA):
        assert "limit" not in await ask_demo(emu, FLOODER)
    assert "demo limit" in await ask_demo(emu, FLOODER)


async def test_retry_button_counts_against_the_quota(quota_bot: RunningBot) -> None:
    """Pressing Try again starts a demo, so it is counted and refused over the quota."""
    emu = quota_bot.emu
    runner: InstantDemos = quota_bot.app.bot_data.demos
    emu.user(FLOODER, first_name="Flo")
    await ask_demo(emu, FLOODER, "/help")
    on = emu.bot_messages(FLOODER)[-1].message_id  # the button rides on a message of the chat
    for _ in range(QUOTA):
        update = await emu.press(FLOODER, on, "rt:softmax:", check=False)
        cq_id = update["callback_query"]["id"]
        await emu.wait_until(lambda: any(a.callback_query_id == cq_id  # noqa: B023
                                         for a in emu.callback_answers))
        await settle_quick(emu)
    assert len(runner.submitted) == QUOTA
    await emu.press(FLOODER, on, "rt:softmax:", check=False)
    await emu.wait_until(lambda: "demo limit" in emu.bot_messages(FLOODER)[-1].body)
    assert len(runner.submitted) == QUOTA


async def test_forged_retry_press_without_a_message_is_answered(
    quota_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    """A Try again press that names no message is answered and starts nothing, no error."""
    emu = quota_bot.emu
    emu.user(FLOODER, first_name="Flo")
    update = await emu.press(FLOODER, 999_999, "rt:softmax:", check=False)
    cq_id = update["callback_query"]["id"]
    await emu.wait_until(lambda: any(a.callback_query_id == cq_id for a in emu.callback_answers))
    await settle_quick(emu)
    assert quota_bot.app.bot_data.demos.submitted == []
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def quota_database(url: str, learners: int = 1) -> Database:
    upgrade(url)
    db = Database(url, threads=8)
    for telegram_id in range(1, learners + 1):
        db.call(register_learner, telegram_id=telegram_id)
    return db


def test_quota_window_slides_and_old_uses_are_dropped(tmp_path: Path) -> None:
    """Uses leave the quota one hour after they were made; their rows are deleted then."""
    db = quota_database(f"sqlite:///{tmp_path / 'q.sqlite3'}", learners=2)
    try:
        def claim(telegram_id: int, minutes: float, limit: int = 2) -> object:
            return db.call(claim_demo, telegram_id=telegram_id, kind="softmax",
                           now=FIXED_NOW + timedelta(minutes=minutes), limit=limit,
                           window_s=3600.0)

        assert claim(1, 0) == DemoAllowed(used=1)
        assert claim(1, 10) == DemoAllowed(used=2)
        refused = claim(1, 20)
        assert isinstance(refused, QuotaReached)
        assert refused.next_at == FIXED_NOW + timedelta(hours=1)
        assert claim(2, 20) == DemoAllowed(used=1)  # another learner has their own quota
        assert claim(1, 60) == DemoAllowed(used=2)  # the 09:00 use left the window
        assert claim(1, 0, limit=0) == DemoAllowed(used=0)  # 0 = unlimited, nothing stored
        assert isinstance(claim(999, 0), NoLearner)
        with Session(db.engine) as session:
            assert session.exec(select(func.count()).select_from(DemoUse)).one() == 3
    finally:
        db.close()


def test_quota_holds_across_instances_on_postgres() -> None:
    """Sixteen claims at once from separate connections (as from several bot instances)
    for one learner with a quota of 3: exactly 3 are allowed."""
    with postgres_database() as url:
        db = quota_database(url)
        try:
            def claim(_: int) -> object:
                return db.call(claim_demo, telegram_id=1, kind="softmax", now=FIXED_NOW,
                               limit=3, window_s=3600.0)

            with ThreadPoolExecutor(max_workers=8) as pool:
                results = list(pool.map(claim, range(16)))
        finally:
            db.close()
    assert sum(isinstance(r, DemoAllowed) for r in results) == 3
    assert sum(isinstance(r, QuotaReached) for r in results) == 13
