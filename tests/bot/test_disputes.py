"""Grading disputes as a learner makes them and a teacher reads them, on SQLite and PostgreSQL:
"I was right" / "I was wrong" under a graded answer, stored with the answer and the grade, the
learner's rating untouched, and `tutorbot grading-report` listing the most disputed cards."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlmodel import Session, select

from bot.store.models import GradingDispute, ReviewLog, StudyPrompt
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot
from tests.reliability.test_backup import cli

OTHER = 5151


def labels(message: object) -> list[str]:
    return [label for row in message.buttons for label, _ in row]  # type: ignore[attr-defined]


def dispute_data(message: object, claim: str) -> str:
    return next(d for row in message.buttons for label, d in row  # type: ignore[attr-defined]
                if claim in label)


async def toast(bot: RunningBot, before: int) -> str:
    await bot.emu.wait_until(lambda: len(bot.emu.callback_answers) > before,
                             what="the press to be answered")
    return bot.emu.callback_answers[-1].text or ""


async def dispute(bot: RunningBot, user: int, graded: object, claim: str) -> None:
    before = len(bot.emu.callback_answers)
    await bot.emu.press(user, graded.message_id, dispute_data(graded, claim))  # type: ignore[attr-defined]
    assert "Noted" in await toast(bot, before)


def disputes(bot: RunningBot) -> list[GradingDispute]:
    with Session(bot.db.engine) as session:
        return list(session.exec(select(GradingDispute)).all())


async def test_i_was_right_is_stored_with_answer_and_grade_and_rating_stays_mine(
    running_bot: RunningBot,
) -> None:
    """A learner graded "Not quite" presses 🙋 I was right: the dispute is stored with the
    answer, label and score, the button goes away, and the rating they press is the one kept."""
    bot = running_bot
    await say(bot, "/study")
    (graded,) = await say(bot, "it makes the dataset bigger somehow")
    assert "🙋 I was right" in labels(graded), labels(graded)
    before = len(bot.emu.callback_answers)
    await bot.emu.press(LEARNER, graded.message_id, dispute_data(graded, "I was right"))
    assert "Noted" in await toast(bot, before)
    await bot.emu.wait_until(
        lambda: "🙋 I was right" not in labels(bot.emu.message(LEARNER, graded.message_id)),
        what="the dispute button to go")
    shown = bot.emu.message(LEARNER, graded.message_id)
    assert any("Good" in label for label in labels(shown)), "the ratings stay"

    (dispute,) = disputes(bot)
    with Session(bot.db.engine) as session:
        prompt = session.get(StudyPrompt, dispute.prompt_id)
        assert prompt is not None
        assert (dispute.claim, dispute.answer) == ("right", "it makes the dataset bigger somehow")
        assert (dispute.label, dispute.score) == (prompt.label, prompt.score)
        suggested = prompt.suggested_rating

    (_next,) = await press(bot, shown, "Easy")
    with Session(bot.db.engine) as session:
        assert session.exec(select(ReviewLog.rating)).one() == 4 != suggested


async def test_a_correct_grade_can_be_called_too_kind_once(running_bot: RunningBot) -> None:
    """Under a ✅ grade the button is 🤔 I was wrong; pressing it twice stores one dispute and
    the second press is told it was already noted."""
    bot = running_bot
    await say(bot, "/study")
    (graded,) = await say(
        bot, "artificially enlarging the training set by transforming existing data")
    assert "Correct" in graded.body
    data = dispute_data(graded, "I was wrong")
    before = len(bot.emu.callback_answers)
    await asyncio.gather(bot.emu.press(LEARNER, graded.message_id, data),
                         bot.emu.press(LEARNER, graded.message_id, data, check=False))
    await bot.emu.wait_until(lambda: len(bot.emu.callback_answers) >= before + 2,
                             what="both presses to be answered")
    answers = [a.text or "" for a in bot.emu.callback_answers[before:]]
    assert sorted("already" in a for a in answers) == [False, True], answers
    assert [d.claim for d in disputes(bot)] == ["wrong"]


async def test_forged_dispute_of_another_learners_answer_is_refused(
    running_bot: RunningBot,
) -> None:
    """A press naming someone else's prompt (or one not yet answered) is an expired button and
    stores nothing; the other learner's grading of the same answer is unchanged."""
    bot = running_bot
    await say(bot, "/study")
    (graded,) = await say(bot, "it makes the dataset bigger somehow")
    data = dispute_data(graded, "I was right")
    bot.emu.user(OTHER, first_name="Eve")
    before = len(bot.emu.callback_answers)
    await bot.emu.press(OTHER, graded.message_id, data, check=False)
    assert "expired" in await toast(bot, before)
    before = len(bot.emu.callback_answers)
    await bot.emu.press(LEARNER, graded.message_id, "gd:999999:r", check=False)
    assert "expired" in await toast(bot, before)
    assert disputes(bot) == []

    before = len(bot.emu.callback_answers)
    await bot.emu.press(LEARNER, graded.message_id, data)
    await toast(bot, before)
    await bot.emu.send_text(OTHER, "/study")
    await bot.emu.wait_for_bot_message(OTHER)
    await bot.emu.send_text(OTHER, "it makes the dataset bigger somehow")
    (other_graded,) = await bot.emu.wait_for_bot_message(OTHER)
    assert other_graded.body.split("\n")[0] == graded.body.split("\n")[0]


async def test_grading_report_lists_the_most_disputed_cards(
    running_bot: RunningBot, tmp_path: Path,
) -> None:
    """`tutorbot grading-report` (and with --deck) names the disputed cards, most first, with
    the disputed answers and their grades; an unknown deck says there are none."""
    bot = running_bot
    await say(bot, "/study")
    (graded,) = await say(bot, "it makes the dataset bigger somehow")
    await dispute(bot, LEARNER, graded, "I was right")
    (softmax,) = await press(bot, graded, "Good")
    assert "softmax" in softmax.body
    (graded,) = await say(bot, "no clue honestly")
    await dispute(bot, LEARNER, graded, "I was right")
    bot.emu.user(OTHER, first_name="Bob")
    await bot.emu.send_text(OTHER, "/study")
    await bot.emu.wait_for_bot_message(OTHER)
    await bot.emu.send_text(OTHER, "making more training data out of the data you have")
    (other,) = await bot.emu.wait_for_bot_message(OTHER)
    claim = "I was right" if "I was right" in " ".join(labels(other)) else "I was wrong"
    await dispute(bot, OTHER, other, claim)

    url = bot.settings.effective_database_url
    done = cli(url, tmp_path, "grading-report")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("3 disputed grades on 2 cards"), done.stdout
    first_card = next(line for line in lines if " / " in line)
    assert "data-augmentation: 2" in first_card, done.stdout
    assert "'it makes the dataset bigger somehow'" in done.stdout
    assert "'no clue honestly'" in done.stdout

    only = cli(url, tmp_path, "grading-report", "--deck", "neural network basics 2", "--limit", "1")
    assert only.returncode == 0 and "data-augmentation" in only.stdout
    assert "no clue honestly" not in only.stdout
    none = cli(url, tmp_path, "grading-report", "--deck", "No Such Deck")
    assert none.returncode == 0 and "No grading disputes in deck 'No Such Deck'" in none.stdout


async def test_restore_with_replace_clears_disputes_of_the_replaced_history(
    running_bot: RunningBot, tmp_path: Path,
) -> None:
    """`tutorbot restore --replace` over a learner who disputed a grade succeeds: the disputes
    of the replaced prompts go with them instead of blocking the delete."""
    bot = running_bot
    await say(bot, "/study")
    (graded,) = await say(bot, "it makes the dataset bigger somehow")
    await dispute(bot, LEARNER, graded, "I was right")
    await press(bot, bot.emu.message(LEARNER, graded.message_id), "Good")
    url = bot.settings.effective_database_url
    backup = tmp_path / "ada.csv"
    done = cli(url, tmp_path, "export", "--user", str(LEARNER), "--out", str(backup))
    assert done.returncode == 0, done.stderr
    again = cli(url, tmp_path, "restore", str(backup), "--user", str(LEARNER), "--replace")
    assert again.returncode == 0, again.stderr
    assert disputes(bot) == []
    with Session(bot.db.engine) as session:
        assert len(session.exec(select(ReviewLog)).all()) == 1
