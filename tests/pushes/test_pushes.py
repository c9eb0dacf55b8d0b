"""Daily pushes through the emulator with a controllable clock, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.app import build_application, initialize, shutdown
from bot.jobs import pushes
from bot.jobs.pushes import reschedule, run_due_pushes
from bot.store import pushes as push_store
from bot.store.models import Card, CardState, Deck, Learner, LearnerDeck, PushClaim
from bot.store.personal_cards import bump_decks_version
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator

BERLIN, SAO_PAULO, KATHMANDU = "Europe/Berlin", "America/Sao_Paulo", "Asia/Kathmandu"
JOINED = datetime(2026, 1, 1, tzinfo=UTC)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
        ) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
async def bot(emulator: BotApiEmulator, database_url: str, clock: FakeClock
              ) -> AsyncIterator[RunningBot]:
    running = await start_bot(emulator, make_settings(emulator, database_url), clock)
    try:
        yield running
    finally:
        await running.stop()


def add_learner(bot: RunningBot, telegram_id: int, *, tz: str = "UTC", at: str = "18:00",
                **fields: object) -> int:
    bot.emu.user(telegram_id, first_name=f"L{telegram_id}")
    with Session(bot.db.engine) as session:
        values: dict[str, Any] = {"created_at": JOINED, **fields}
        learner = Learner(telegram_id=telegram_id, chat_id=telegram_id, first_name="L",
                          timezone=tz, push_time=at, **values)
        session.add(learner)
        session.commit()
        assert learner.id is not None
        return learner.id


def update_learner(bot: RunningBot, telegram_id: int, **fields: object) -> None:
    with Session(bot.db.engine) as session:
        learner = session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).one()
        for name, value in fields.items():
            setattr(learner, name, value)
        session.commit()


def learner(bot: RunningBot, telegram_id: int) -> Learner:
    with Session(bot.db.engine) as session:
        return session.exec(select(Learner).where(Learner.telegram_id == telegram_id)).one()


def claims(bot: RunningBot) -> list[PushClaim]:
    with Session(bot.db.engine) as session:
        return push_store.claim_rows(session)


def pushes_to(emu: BotApiEmulator, chat_id: int) -> list[str]:
    return [m.body for m in emu.bot_messages(chat_id) if "Time to study" in m.body]


def sends_per_chat(emu: BotApiEmulator) -> Counter[int]:
    return Counter(int(c.params["chat_id"]) for c in emu.calls_to("sendMessage")
                   if c.status == 200 and "Time to study" in str(c.params.get("text")))


async def at(bot: RunningBot, when: datetime) -> pushes.PushReport:
    bot.clock.now = when
    return await run_due_pushes(bot.app)


async def test_push_goes_out_at_local_time_in_three_zones(bot: RunningBot) -> None:
    """Each learner is pushed at their own local time, once: Berlin, São Paulo, Kathmandu."""
    add_learner(bot, 1, tz=BERLIN, at="08:00")  # 07:00 UTC in winter
    add_learner(bot, 2, tz=SAO_PAULO, at="06:00")  # 09:00 UTC, no DST since 2019
    add_learner(bot, 3, tz=KATHMANDU, at="14:50")  # 09:05 UTC (+05:45)
    expected = [
        (utc(2026, 3, 2, 6, 59), set()), (utc(2026, 3, 2, 7, 0), {1}),
        (utc(2026, 3, 2, 8, 59), {1}), (utc(2026, 3, 2, 9, 0), {1, 2}),
        (utc(2026, 3, 2, 9, 4, 59), {1, 2}), (utc(2026, 3, 2, 9, 5), {1, 2, 3}),
        (utc(2026, 3, 2, 12, 0), {1, 2, 3}),
    ]
    for when, pushed in expected:
        await at(bot, when)
        assert {c for c in (1, 2, 3) if pushes_to(bot.emu, c)} == pushed, when
    assert all(len(pushes_to(bot.emu, c)) == 1 for c in (1, 2, 3))
    assert "9 more cards are due" in pushes_to(bot.emu, 1)[0]
    assert [b[0] for b in bot.emu.bot_messages(1)[-1].buttons[0]] == [
        "⏭ Skip", "💤 Later", "⏸ Pause reminders"]
    assert {c.status for c in claims(bot)} == {"sent"}


async def test_push_time_inside_the_spring_forward_gap_goes_out_once_after_it(
    bot: RunningBot,
) -> None:
    """02:30 Berlin doesn't exist on 2026-03-29: the push goes at 03:00 CEST, once."""
    add_learner(bot, 1, tz=BERLIN, at="02:30")
    await at(bot, utc(2026, 3, 29, 0, 59))  # 01:59 CET, just before the gap
    assert pushes_to(bot.emu, 1) == []
    await at(bot, utc(2026, 3, 29, 1, 0))  # 03:00 CEST
    await at(bot, utc(2026, 3, 29, 12, 0))
    assert len(pushes_to(bot.emu, 1)) == 1
    await at(bot, utc(2026, 3, 30, 0, 30))  # 02:30 CEST the next day: a new day's push
    assert len(pushes_to(bot.emu, 1)) == 2
    assert [c.local_date.isoformat() for c in claims(bot)] == ["2026-03-29", "2026-03-30"]


async def test_repeated_hour_on_fall_back_day_pushes_once(bot: RunningBot) -> None:
    """02:30 Berlin happens twice on 2026-10-25; only the first one pushes."""
    add_learner(bot, 1, tz=BERLIN, at="02:30")
    await at(bot, utc(2026, 10, 25, 0, 30))  # 02:30 CEST
    await at(bot, utc(2026, 10, 25, 1, 30))  # 02:30 CET, the same wall time again
    assert len(pushes_to(bot.emu, 1)) == 1


async def test_no_second_push_after_a_restart_on_the_same_day(
    emulator: BotApiEmulator, database_url: str, clock: FakeClock,
) -> None:
    """A new bot process on the same database does not push a day already pushed."""
    settings = make_settings(emulator, database_url)
    first = await start_bot(emulator, settings, clock)
    add_learner(first, 1, at="08:00")
    await at(first, utc(2026, 3, 2, 8, 0))
    await first.stop()
    second = await start_bot(emulator, settings, clock)
    try:
        await at(second, utc(2026, 3, 2, 8, 1))
        await at(second, utc(2026, 3, 2, 23, 59))
        assert len(pushes_to(emulator, 1)) == 1
        await at(second, utc(2026, 3, 3, 8, 0))
        assert len(pushes_to(emulator, 1)) == 2
    finally:
        await second.stop()


async def test_catch_up_after_downtime_sends_recent_and_skips_old(
    emulator: BotApiEmulator, database_url: str, clock: FakeClock,
) -> None:
    """On startup, pushes missed within 3 h go out late; older ones are skipped for good."""
    settings = make_settings(emulator, database_url)
    clock.now = utc(2026, 3, 2, 4, 0)
    down = await start_bot(emulator, settings, clock)  # creates the schema, then "crashes"
    add_learner(down, 1, at="07:00")  # 1.5 h late when the bot is back
    add_learner(down, 2, at="04:30")  # 4 h late
    await down.stop()
    clock.now = utc(2026, 3, 2, 8, 30)
    back = await start_bot(emulator, settings, clock)  # its startup tick does the catch-up
    try:
        (late,) = await emulator.wait_for_bot_message(1)
        assert "9 more cards are due" in late.body
        await run_due_pushes(back.app)
        assert pushes_to(emulator, 2) == []
        assert {c.learner_id: c.status for c in claims(back)} == {1: "sent", 2: "skipped"}
    finally:
        await back.stop()


async def test_catch_up_crosses_local_midnight(bot: RunningBot) -> None:
    """A 23:00 push missed by downtime goes out at 00:30, counted for the day before."""
    add_learner(bot, 1, at="23:00")
    await at(bot, utc(2026, 3, 2, 0, 30))
    assert len(pushes_to(bot.emu, 1)) == 1
    assert [c.local_date.isoformat() for c in claims(bot)] == ["2026-03-01"]


async def test_429_is_honoured_and_the_push_delivered(bot: RunningBot) -> None:
    """A 429 with retry_after is waited out by the rate limiter and the push delivered."""
    add_learner(bot, 1, at="08:00")
    bot.emu.inject_fault("sendMessage", "429", retry_after=1, times=1, chat_id=1)
    await at(bot, utc(2026, 3, 2, 8, 0))
    assert len(pushes_to(bot.emu, 1)) == 1
    assert [c.status for c in bot.emu.calls_to("sendMessage")] == [429, 200]


async def test_persistent_429_is_retried_on_the_next_tick_not_lost(bot: RunningBot) -> None:
    """When 429s outlast the rate limiter's retries, the claim is kept for the next tick."""
    add_learner(bot, 1, at="08:00")
    bot.emu.inject_fault("sendMessage", "429", retry_after=1, times=4, chat_id=1)
    report = await at(bot, utc(2026, 3, 2, 8, 0))
    assert report.retry == 1 and pushes_to(bot.emu, 1) == []
    assert [c.status for c in claims(bot)] == ["retry"]
    await at(bot, utc(2026, 3, 2, 8, 1))
    assert len(pushes_to(bot.emu, 1)) == 1
    (row,) = claims(bot)
    assert row.status == "sent" and row.attempts == 2


async def test_server_errors_are_retried_with_backoff(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A 5xx is retried with backoff; after the retries the push is marked failed."""
    monkeypatch.setattr(pushes, "BACKOFF_S", (0.01, 0.01, 0.01))
    add_learner(bot, 1, at="08:00")
    add_learner(bot, 2, at="08:00")
    bot.emu.inject_fault("sendMessage", "502", times=2, chat_id=1)
    bot.emu.inject_fault("sendMessage", "500", times=None, chat_id=2)
    await at(bot, utc(2026, 3, 2, 8, 0))
    assert len(pushes_to(bot.emu, 1)) == 1
    assert {c.learner_id: c.status for c in claims(bot)} == {1: "sent", 2: "failed"}
    assert sends_per_chat(bot.emu) == Counter({1: 1})
    await at(bot, utc(2026, 3, 2, 9, 0))
    assert pushes_to(bot.emu, 2) == []


async def test_blocked_learner_is_deactivated_until_they_write_again(bot: RunningBot) -> None:
    """403 marks the learner inactive: no pushes until their next message reactivates them."""
    add_learner(bot, 1, at="08:00")
    bot.emu.block(1)
    await at(bot, utc(2026, 3, 2, 8, 0))
    assert learner(bot, 1).active is False
    calls = len(bot.emu.calls_to("sendMessage"))
    await at(bot, utc(2026, 3, 3, 8, 0))
    assert len(bot.emu.calls_to("sendMessage")) == calls  # not even tried
    bot.emu.block(1, blocked=False)
    await bot.emu.send_text(1, "/help")
    await bot.emu.wait_for_bot_message(1)
    assert learner(bot, 1).active is True
    await at(bot, utc(2026, 3, 4, 8, 0))
    assert len(pushes_to(bot.emu, 1)) == 1


async def test_paused_reminders_stop_until_resumed(bot: RunningBot) -> None:
    """Paused: no push. Resuming (reschedule) sends today's push if still within the window."""
    add_learner(bot, 1, at="08:00", reminders_paused=True)
    await at(bot, utc(2026, 3, 2, 8, 0))
    await at(bot, utc(2026, 3, 3, 8, 0))
    assert pushes_to(bot.emu, 1) == [] and claims(bot) == []
    bot.clock.now = utc(2026, 3, 3, 9, 0)
    update_learner(bot, 1, reminders_paused=False)
    await reschedule(bot.app, 1)
    assert len(pushes_to(bot.emu, 1)) == 1
    await at(bot, utc(2026, 3, 3, 10, 0))
    assert len(pushes_to(bot.emu, 1)) == 1


async def test_reschedule_to_a_later_time_waits_for_it(bot: RunningBot) -> None:
    """Moving the push time later today means no push until the new time."""
    add_learner(bot, 1, at="08:00")
    bot.clock.now = utc(2026, 3, 2, 7, 0)
    update_learner(bot, 1, push_time="20:00")
    await reschedule(bot.app, 1)
    await at(bot, utc(2026, 3, 2, 8, 0))
    assert pushes_to(bot.emu, 1) == []
    await at(bot, utc(2026, 3, 2, 20, 0))
    assert len(pushes_to(bot.emu, 1)) == 1


async def test_nothing_due_sends_nothing(bot: RunningBot) -> None:
    """With no reviews due and no new cards allowed, the day is skipped silently."""
    add_learner(bot, 1, at="08:00", new_per_day=0)
    await at(bot, utc(2026, 3, 2, 8, 0))
    assert bot.emu.bot_messages(1) == []
    (row,) = claims(bot)
    assert row.status == "skipped" and row.due_count == 0


async def test_count_includes_due_reviews_and_remaining_new_cards(bot: RunningBot) -> None:
    """The count is due reviews plus new cards left today (new_per_day minus introduced)."""
    learner_id = add_learner(bot, 1, at="08:00")
    now = utc(2026, 3, 2, 8, 0)
    with Session(bot.db.engine) as session:
        cards = session.exec(select(Card.id)).all()
        for i, card_id in enumerate(cards[:3]):
            assert card_id is not None
            session.add(CardState(
                learner_id=learner_id, card_id=card_id, state=2,
                due=now - timedelta(hours=1) if i < 2 else now + timedelta(days=3),
                introduced_at=now - timedelta(hours=2) if i == 2 else now - timedelta(days=9),
            ))
        session.commit()
    await at(bot, now)
    # 2 reviews due + min(10 - 1 introduced today, 15 - 3 seen) new = 11: one asked, 10 more
    assert "10 more cards are due" in pushes_to(bot.emu, 1)[0]


def add_personal_deck(bot: RunningBot, owner_id: int, slug: str, cards: int) -> list[int]:
    """A learner's own deck (as a CSV import makes it), straight into the store."""
    with Session(bot.db.engine) as session:
        deck = Deck(slug=slug, title=slug, path="", owner_learner_id=owner_id)
        session.add(deck)
        session.flush()
        assert deck.id is not None
        rows = [Card(deck_id=deck.id, key=f"{slug}-{i}", position=i, question="q", answer="a")
                for i in range(cards)]
        session.add_all(rows)
        # As an import does: the learner's next update reads their decks afresh.
        bump_decks_version(session, learner_id=owner_id)
        session.commit()
        return [c.id for c in rows if c.id is not None]


async def test_count_leaves_out_decks_switched_off_and_other_learners_decks(
    bot: RunningBot,
) -> None:
    """/decks choices count as in /study, and a personal deck counts only for its owner."""
    now = utc(2026, 3, 2, 8, 0)
    ada = add_learner(bot, 1, at="08:00")
    bob = add_learner(bot, 2, at="08:00", new_per_day=50)
    with Session(bot.db.engine) as session:
        shared = session.exec(select(Card)).all()
        # Ada switched the shared deck off: its two due reviews must not count for her.
        session.add(LearnerDeck(learner_id=ada, deck_id=shared[0].deck_id, enabled=False))
        for card in shared[:2]:
            assert card.id is not None
            session.add(CardState(learner_id=ada, card_id=card.id, state=2,
                                  due=now - timedelta(hours=1),
                                  introduced_at=now - timedelta(days=9)))
        session.commit()
    own = add_personal_deck(bot, ada, "ada-words", 4)
    add_personal_deck(bot, bob, "bob-words", 3)
    with Session(bot.db.engine) as session:
        session.add(CardState(learner_id=ada, card_id=own[0], state=2,
                              due=now - timedelta(hours=1), introduced_at=now - timedelta(days=9)))
        session.commit()
    await at(bot, now)
    # Ada: 1 due review in her deck + 3 of its cards still new; nothing from the shared deck.
    assert "3 more cards are due" in pushes_to(bot.emu, 1)[0]
    # Bob: the 15 shared cards and his own 3, never Ada's 4.
    assert "17 more cards are due" in pushes_to(bot.emu, 2)[0]


async def test_learner_who_joined_after_the_push_time_is_not_pushed_that_day(
    bot: RunningBot,
) -> None:
    """Someone who signs up at 19:00 gets no 18:00 push that evening, but does the next."""
    add_learner(bot, 1, at="18:00", created_at=utc(2026, 3, 2, 19, 0))
    await at(bot, utc(2026, 3, 2, 19, 30))
    assert pushes_to(bot.emu, 1) == []
    await at(bot, utc(2026, 3, 3, 18, 0))
    assert len(pushes_to(bot.emu, 1)) == 1


async def test_crash_after_claim_is_resent_but_crash_during_send_is_not(
    bot: RunningBot,
) -> None:
    """A claim without a holder that never reached `sending` is retried after the lease; a
    `sending` one never, and it is recorded as `unknown` (it may have arrived), not failed."""
    claimed_id = add_learner(bot, 1, at="08:00")
    sending_id = add_learner(bot, 2, at="08:00")
    now = utc(2026, 3, 2, 8, 0)
    with Session(bot.db.engine) as session:
        for learner_id, status in ((claimed_id, "claimed"), (sending_id, "sending")):
            session.add(PushClaim(learner_id=learner_id, local_date=now.date(), claimed_at=now,
                                  status=status, attempts=1, due_count=10))
        session.commit()
    await at(bot, now + timedelta(minutes=1))  # the "dead" owner's lease still holds
    assert sends_per_chat(bot.emu) == Counter()
    await at(bot, now + push_store.LEASE + timedelta(minutes=1))
    assert sends_per_chat(bot.emu) == Counter({1: 1})
    assert {c.learner_id: c.status for c in claims(bot)} == {claimed_id: "sent",
                                                             sending_id: "unknown"}


async def test_two_instances_push_each_learner_exactly_once(
    emulator: BotApiEmulator, database_url: str, clock: FakeClock,
) -> None:
    """Two bot instances ticking concurrently on one database push each learner once."""
    settings = make_settings(emulator, database_url)
    first = await start_bot(emulator, settings, clock)
    # The second instance doesn't poll (one getUpdates consumer per token); it only pushes.
    second = build_application(settings, clock=clock)
    await initialize(second)
    try:
        zones = [BERLIN, SAO_PAULO, KATHMANDU, "UTC", "America/New_York"]
        for i in range(60):
            add_learner(first, 100 + i, tz=zones[i % len(zones)],
                        at=f"{(6 + i % 12):02d}:{(i * 7) % 60:02d}")
        # 02:00 to 24:00 UTC covers every learner's 2 March push once (Kathmandu's earliest,
        # 00:15 UTC, as a catch-up) and no 3 March push.
        clock.now = utc(2026, 3, 2, 2, 0)
        for _ in range(22 * 4):
            clock.advance(minutes=15)
            await asyncio.gather(run_due_pushes(first.app), run_due_pushes(second),
                                 run_due_pushes(first.app))
        per_chat = sends_per_chat(emulator)
        assert per_chat == Counter({100 + i: 1 for i in range(60)})
    finally:
        await shutdown(second)
        await first.stop()


async def test_start_up_tick_runs_even_when_post_init_was_slow(
    emulator: BotApiEmulator, database_url: str, clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The catch-up tick scheduled in post_init runs once the JobQueue starts, however late,
    and APScheduler logs no "Run time of job ... was missed"."""
    app = build_application(make_settings(emulator, database_url), clock=clock)
    await initialize(app)  # post_init schedules the start-up tick 0.5 s from now
    await asyncio.sleep(2.0)  # a slow post_init (demo workers warming up) in real time
    running = RunningBot(app, emulator, clock, app.bot_data.config)
    add_learner(running, 1, at="08:00")
    clock.now = utc(2026, 3, 2, 8, 30)
    with caplog.at_level("WARNING"):
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            await emulator.wait_for_bot_message(1, timeout=10)
        finally:
            await running.stop()
    assert len(pushes_to(emulator, 1)) == 1
    assert not [r for r in caplog.records if "was missed" in r.getMessage()]


async def test_tick_between_full_scans_reads_only_new_push_times(bot: RunningBot) -> None:
    """A tick right after another looks only at push times since then, and the periodic
    full scan still finds a learner whose earlier push time no tick announced."""
    add_learner(bot, 1, at="08:00")
    await at(bot, utc(2026, 3, 2, 8, 0))  # the first run of a process scans everything
    assert len(pushes_to(bot.emu, 1)) == 1
    await at(bot, utc(2026, 3, 2, 8, 5))
    # Learner 2 appears behind the scan (as after a restore, or a push time another
    # instance changed without telling this one): their 08:01 moment has passed.
    add_learner(bot, 2, at="08:01")
    await at(bot, utc(2026, 3, 2, 8, 6))  # reads 08:03-08:06 only
    assert pushes_to(bot.emu, 2) == []
    await at(bot, utc(2026, 3, 2, 8, 10))  # ten minutes after the last full scan
    assert len(pushes_to(bot.emu, 2)) == 1
    assert len(pushes_to(bot.emu, 1)) == 1


async def test_clock_going_back_makes_the_next_tick_a_full_scan(bot: RunningBot) -> None:
    """After the clock jumps back, the next tick scans everything, and still pushes once."""
    add_learner(bot, 1, at="08:00")
    add_learner(bot, 2, at="09:00")
    await at(bot, utc(2026, 3, 2, 10, 0))
    assert len(pushes_to(bot.emu, 1)) == 1 and len(pushes_to(bot.emu, 2)) == 1
    add_learner(bot, 3, at="08:30")
    await at(bot, utc(2026, 3, 2, 9, 0))  # back one hour: a full scan finds learner 3
    assert len(pushes_to(bot.emu, 3)) == 1
    assert sends_per_chat(bot.emu) == Counter({1: 1, 2: 1, 3: 1})
