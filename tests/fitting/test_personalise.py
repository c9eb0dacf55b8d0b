"""/settings → "Personalise schedule" through the emulator, with the fit in a real worker."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import fsrs
import pytest
from sqlmodel import Session, col, select

from bot.scheduling import Memory, Rating, SchedulerConfig, State, review
from bot.store.models import Card, CardState, Learner, StudyPrompt
from bot.study import scheduler_config
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FIXED_NOW, FakeClock
from tests.fitting.history import insert_history
from tgemu import BotApiEmulator, ShownMessage

HISTORY_DAYS = 100
START = FIXED_NOW - timedelta(days=HISTORY_DAYS)


def write_deck(folder: Path, cards: int = 40) -> Path:
    """A deck with enough cards for a fit that keeps one card in five back for its check."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["title: Capitals", ""]
    for n in range(1, cards + 1):
        lines += [f"## capital-{n:02d}", f"Q: What is the capital of country {n}?",
                  f"A: City number {n}", ""]
    (folder / "capitals.txt").write_text("\n".join(lines), encoding="utf-8")
    return folder


def learner(bot: RunningBot) -> Learner:
    with Session(bot.db.engine) as session:
        return session.exec(select(Learner).where(Learner.telegram_id == LEARNER)).one()


async def with_history(bot: RunningBot, *, days: int = HISTORY_DAYS, cards: int = 40) -> int:
    """/start, then a simulated history of `days` days on the deck's cards; returns its size."""
    await say(bot, "/start")
    with Session(bot.db.engine) as session:
        card_ids = list(session.exec(select(Card.id).order_by(col(Card.id))).all())[:cards]
        learner_id = learner(bot).id
        assert learner_id is not None
        return insert_history(session, learner_id=learner_id,
                              cards=[c for c in card_ids if c is not None],
                              start=bot.clock.now - timedelta(days=days), days=days)


@pytest.fixture
async def fit_bot(emulator: BotApiEmulator, tmp_path: Path) -> AsyncIterator[RunningBot]:
    settings = make_settings(emulator, f"sqlite:///{tmp_path / 'bot.sqlite3'}",
                             cards_dir=write_deck(tmp_path / "cards"), demo_workers=1,
                             demo_device="cpu", demo_timeout_s=120.0)
    bot = await start_bot(emulator, settings, FakeClock(FIXED_NOW))
    try:
        yield bot
    finally:
        await bot.stop()


async def run_fit(bot: RunningBot) -> ShownMessage:
    """Press "Personalise" in /settings and wait for the fit's photo with its buttons."""
    (menu,) = await say(bot, "/settings")
    (status,) = await press(bot, menu, "Personalise")
    assert "Personalising your schedule" in status.body
    await bot.emu.wait_until(
        lambda: any(m.has_photo for m in bot.emu.bot_messages(LEARNER)), timeout=90,
        what="the fit's picture")
    await bot.emu.wait_until(
        lambda: "Done" in bot.emu.message(LEARNER, status.message_id).body, timeout=10)
    return next(m for m in bot.emu.bot_messages(LEARNER) if m.has_photo)


def answers(bot: RunningBot) -> list[str]:
    return [a.text or "" for a in bot.emu.callback_answers]


async def test_too_few_reviews_says_how_many_are_missing(running_bot: RunningBot) -> None:
    """With 57 reviews, /settings and the button both say 57 of the 200 needed; nothing runs."""
    await with_history(running_bot, days=14, cards=8)
    with Session(running_bot.db.engine) as session:
        count = len(session.exec(select(StudyPrompt)).all())
    (menu,) = await say(running_bot, "/settings")
    assert f"personalising needs 200 reviews (you have {count})" in menu.body
    (reply,) = await press(running_bot, menu, "Personalise")
    assert f"you have {count} of the 200 reviews needed" in reply.body
    assert learner(running_bot).fsrs_parameters_proposed is None


async def test_fit_accept_changes_the_next_interval(fit_bot: RunningBot) -> None:
    """Fit, compare, accept: stored parameters are valid and the next Good uses them."""
    reviews = await with_history(fit_bot)
    assert reviews >= 200
    photo = await run_fit(fit_bot)
    edits = [c.params["text"] for c in fit_bot.emu.calls_to("editMessageText")]
    assert any("Personalising your schedule:" in e and "%" in e for e in edits)
    caption = photo.caption or ""
    assert "Predicted recall at your review times" in caption
    assert "with the default parameters →" in caption and "Log loss" in caption
    assert "Yours predict your memory better" in caption
    assert photo.photo is not None and photo.photo.startswith(b"\x89PNG")
    proposed = learner(fit_bot).fsrs_parameters_proposed
    assert proposed is not None and learner(fit_bot).fsrs_parameters is None

    (done,) = await press(fit_bot, photo, "Use them")
    assert "now uses your own FSRS parameters" in done.body
    stored = learner(fit_bot)
    assert stored.fsrs_parameters == proposed and stored.fsrs_parameters_proposed is None
    parameters = tuple(json.loads(stored.fsrs_parameters))
    assert len(parameters) == 21 and all(isinstance(w, float) for w in parameters)
    fsrs.Scheduler(parameters=parameters)
    assert fit_bot.emu.message(LEARNER, photo.message_id).buttons == []

    # A second tap that raced the buttons' removal changes nothing and says so.
    data = next(d for row in photo.buttons for label, d in row if "Use them" in label)
    assert data is not None
    await fit_bot.emu.press(LEARNER, photo.message_id, data, check=False)
    await fit_bot.emu.wait_until(lambda: "Already in use." in answers(fit_bot))
    assert learner(fit_bot).fsrs_parameters == proposed

    # The next review is scheduled with the learner's parameters, not the defaults.
    fit_bot.clock.advance(days=1)
    (question,) = await say(fit_bot, "/study")
    assert "capital of country" in question.body
    with Session(fit_bot.db.engine) as session:
        prompt = session.get(StudyPrompt, learner(fit_bot).current_prompt_id)
        assert prompt is not None
        state = session.exec(select(CardState).where(CardState.card_id == prompt.card_id)).one()
        before = _memory(state)
    assert before.state == State.REVIEW
    (graded,) = await say(fit_bot, "City number something")
    await press(fit_bot, graded, "Good")
    with Session(fit_bot.db.engine) as session:
        after = session.exec(select(CardState).where(CardState.card_id == prompt.card_id)).one()
    now = fit_bot.clock.now
    mine = review(before, Rating.GOOD, now, scheduler_config(learner(fit_bot), fuzzing=False))
    default = review(before, Rating.GOOD, now, SchedulerConfig(fuzzing=False))
    assert after.due == mine.due != default.due


async def test_keep_defaults_then_stale_use_and_double_personalise(fit_bot: RunningBot) -> None:
    """A double press runs one fit; Keep drops its proposal; its Use button is then stale."""
    await with_history(fit_bot)
    (menu,) = await say(fit_bot, "/settings")
    await press(fit_bot, menu, "Personalise")
    again = next(d for row in menu.buttons for label, d in row if "Personalise" in label)
    assert again is not None
    await fit_bot.emu.press(LEARNER, menu.message_id, again)
    await fit_bot.emu.wait_until(lambda: any("already running" in a for a in answers(fit_bot)))
    await fit_bot.emu.wait_until(
        lambda: any(m.has_photo for m in fit_bot.emu.bot_messages(LEARNER)), timeout=90)
    photos = [m for m in fit_bot.emu.bot_messages(LEARNER) if m.has_photo]
    assert len(photos) == 1
    photo = photos[0]
    use = next(d for row in photo.buttons for label, d in row if "Use them" in label)

    (kept,) = await press(fit_bot, photo, "Keep defaults")
    assert "Kept the default parameters" in kept.body
    stored = learner(fit_bot)
    assert stored.fsrs_parameters is None and stored.fsrs_parameters_proposed is None
    assert use is not None
    await fit_bot.emu.press(LEARNER, photo.message_id, use, check=False)
    await fit_bot.emu.wait_until(lambda: any("no longer open" in a for a in answers(fit_bot)))
    assert learner(fit_bot).fsrs_parameters is None


async def test_reset_to_defaults(fit_bot: RunningBot) -> None:
    """With own parameters on, /settings offers Reset; it restores the defaults, once."""
    await with_history(fit_bot)
    photo = await run_fit(fit_bot)
    await press(fit_bot, photo, "Use them")
    (menu,) = await say(fit_bot, "/settings")
    assert "Schedule: personalised" in menu.body
    labels = [label for row in menu.buttons for label, _ in row]
    assert "🧠 Re-fit schedule" in labels
    (reset,) = await press(fit_bot, menu, "Reset to defaults")
    assert "Back to the default FSRS parameters" in reset.body
    assert learner(fit_bot).fsrs_parameters is None
    await press(fit_bot, menu, "Reset to defaults", count=0)
    await fit_bot.emu.wait_until(lambda: any("already on the default" in a
                                             for a in answers(fit_bot)))
    (menu,) = await say(fit_bot, "/settings")
    assert "Schedule: <b>default" in menu.raw.get("text", "") or "default FSRS" in menu.body


def _memory(state: CardState) -> Memory:
    return Memory(State(state.state), state.step, state.stability, state.difficulty, state.due,
                  state.last_review, state.reps, state.lapses)
