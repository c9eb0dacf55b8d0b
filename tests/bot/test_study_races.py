"""One learner's study-loop updates in any interleaving, through the emulator, on SQLite and
PostgreSQL: every pair of actions arrives together, and afterwards the stored card states are
a replay of the review log and every confirmation the learner saw is what was stored."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from itertools import combinations_with_replacement

import pytest
from sqlmodel import Session, col, select

from bot.scheduling import Rating, new_memory, review
from bot.store.models import Card, CardState, Learner, ReviewLog, StudyPrompt
from bot.study import dump_memory, scheduler_config
from bot.telegram.callback_data import CardAction, decode
from bot.telegram.keyboards import RATING_NAMES
from tests.conftest import RunningBot, make_settings, start_bot
from tests.factories import FakeClock
from tgemu import BotApiEmulator, ShownMessage

RATINGS = {name.lower(): rating for rating, name in RATING_NAMES.items()}
ACTIONS = ("answer", *RATINGS, "undo", "skip", "stop", "bury", "suspend", "stale")
PAIRS = list(combinations_with_replacement(ACTIONS, 2))
ROUNDS = 2
UNDONE = re.compile(r"Undone: your (\w+) rating of “(.*?)”")


@dataclass
class Scene:
    """A learner who rated one card (Good) and has a second one answered, buttons showing."""

    uid: int
    first: str
    rated: ShownMessage
    second: str
    graded: ShownMessage
    presses: dict[str, str] = field(default_factory=dict)  # callback query id -> action


def button(message: ShownMessage, word: str) -> str:
    data = next(d for row in message.buttons for label, d in row if word in label)
    assert data is not None
    return data


def question_of(card: ShownMessage) -> str:
    return card.body.split("\n")[2]


async def prepare(emu: BotApiEmulator, uid: int) -> Scene:
    emu.user(uid, first_name=f"L{uid}")
    await emu.send_text(uid, "/study")
    (first,) = await emu.wait_for_bot_message(uid, timeout=30)
    await emu.send_text(uid, "no idea")
    (rated,) = await emu.wait_for_bot_message(uid, timeout=30)
    await emu.press(uid, rated.message_id, button(rated, "Good"))
    (second,) = await emu.wait_for_bot_message(uid, timeout=30)
    await emu.send_text(uid, "still no idea")
    (graded,) = await emu.wait_for_bot_message(uid, timeout=30)
    return Scene(uid, question_of(first), rated, question_of(second), graded)


async def act(emu: BotApiEmulator, scene: Scene, action: str) -> None:
    uid = scene.uid
    if action in ("undo", "skip", "stop"):
        await emu.send_text(uid, f"/{action}")
        return
    if action == "answer":
        await emu.send_text(uid, "a guess")
        return
    if action == "stale":  # the first card's Good button, pressed again after it was used
        target, data = scene.rated, button(scene.rated, "Good")
    else:
        target, data = scene.graded, button(scene.graded, action.capitalize())
    update = await emu.press(uid, target.message_id, data, check=False)
    scene.presses[update["callback_query"]["id"]] = action


async def settle(emu: BotApiEmulator) -> None:
    """Wait until the bot has taken every update and made no call for a while."""
    quiet = 0
    seen = -1
    while quiet < 3:
        await asyncio.sleep(0.2)
        now = len(emu.calls)
        quiet = quiet + 1 if now == seen and emu.pending_updates == 0 else 0
        seen = now


def check(bot: RunningBot, scene: Scene, pair: tuple[str, str]) -> None:
    emu = bot.emu
    said = [m.body for m in emu.bot_messages(scene.uid)]
    assert not any("went wrong" in text for text in said), (pair, said)
    answers = {a.callback_query_id: a.text for a in emu.callback_answers}
    saved = Counter((scene.second, action.capitalize()) for cq, action in scene.presses.items()
                    if action in RATINGS and answers.get(cq) == "Saved")
    stale_saved = [cq for cq, action in scene.presses.items()
                   if action == "stale" and answers.get(cq) == "Saved"]
    assert not stale_saved, (pair, "a used button recorded a second review")
    undone = Counter((m[2], m[1]) for text in said for m in [UNDONE.search(text)] if m)
    seen_reviews = Counter({(scene.first, "Good"): 1}) + saved
    # Every undo names a review that was confirmed, once: N /undo never undo one review N times.
    assert undone <= seen_reviews, (pair, undone, seen_reviews)
    with Session(bot.db.engine) as session:
        learner = session.exec(select(Learner).where(Learner.telegram_id == scene.uid)).one()
        logs = session.exec(select(ReviewLog, Card).join(Card, col(Card.id) == ReviewLog.card_id)
                            .where(ReviewLog.learner_id == learner.id)
                            .order_by(col(ReviewLog.id))).all()
        stored = Counter((card.question, RATING_NAMES[Rating(log.rating)]) for log, card in logs)
        assert stored == seen_reviews - undone, (pair, stored, seen_reviews, undone)
        # The card states are the review log replayed, each review starting from the last.
        config = scheduler_config(learner, fuzzing=False)
        replayed: dict[int, str] = {}
        memories = {}
        for log, _ in logs:
            assert log.state_before == replayed.get(log.card_id, "null"), (pair, log)
            before = memories.get(log.card_id) or new_memory(log.reviewed_at)
            memories[log.card_id] = review(before, Rating(log.rating), log.reviewed_at, config)
            replayed[log.card_id] = dump_memory(memories[log.card_id])
        states = session.exec(select(CardState).where(CardState.learner_id == learner.id)).all()
        for state in states:
            if state.card_id in memories:
                memory = memories[state.card_id]
                assert (state.state, state.step, state.stability, state.difficulty, state.due,
                        state.reps, state.lapses) == (
                    memory.state, memory.step, memory.stability, memory.difficulty, memory.due,
                    memory.reps, memory.lapses), (pair, state, memory)
            else:  # suspended before any review
                assert state.suspended and state.reps == 0, (pair, state)
        assert {s.card_id for s in states} >= set(memories), pair
        # A confirmed bury or suspend is stored.
        prompt_id = decode(button(scene.graded, "Bury"))
        assert isinstance(prompt_id, CardAction)
        prompt = session.get(StudyPrompt, prompt_id.prompt_id)
        assert prompt is not None
        for cq, action in scene.presses.items():
            if answers.get(cq) != "Done":
                continue
            if action == "bury":
                assert prompt.outcome == "buried", (pair, prompt)
            elif action == "suspend":
                state = next(s for s in states if s.card_id == prompt.card_id)
                assert state.suspended, (pair, state)


@pytest.fixture
async def bot(emulator: BotApiEmulator, database_url: str, clock: FakeClock
              ) -> AsyncIterator[RunningBot]:
    # Without the outgoing rate limiter: its 30 messages a second would pace the whole test.
    settings = make_settings(emulator, database_url, telegram_rate_limit=False)
    running = await start_bot(emulator, settings, clock)
    try:
        yield running
    finally:
        await running.stop()


async def test_any_two_study_updates_leave_consistent_state(bot: RunningBot) -> None:
    """Every pair of one learner's study actions, sent together (many learners at once,
    twice over): states replay the log, confirmations match what was stored, and /undo
    keeps working to the end."""
    emu = bot.emu
    for round_ in range(ROUNDS):
        base = 10_000 * (round_ + 1)
        scenes = await asyncio.gather(*(prepare(emu, base + i) for i in range(len(PAIRS))))
        for scene in scenes:
            emu.mark(scene.uid)
        await asyncio.gather(*(asyncio.gather(act(emu, scene, a), act(emu, scene, b))
                               for scene, (a, b) in zip(scenes, PAIRS, strict=True)))
        await settle(emu)
        for scene, pair in zip(scenes, PAIRS, strict=True):
            check(bot, scene, pair)
        # Afterwards /undo walks back through every remaining review, then says so.
        await asyncio.gather(*(undo_all(bot, scene) for scene in scenes))


async def undo_all(bot: RunningBot, scene: Scene) -> None:
    for _ in range(5):
        bot.emu.mark(scene.uid)
        await bot.emu.send_text(scene.uid, "/undo")
        (reply,) = await bot.emu.wait_for_bot_message(scene.uid, timeout=30)
        assert "went wrong" not in reply.body, reply.body
        if "no review to undo" in reply.body:
            return
    raise AssertionError(f"/undo never ran out for {scene.uid}")
