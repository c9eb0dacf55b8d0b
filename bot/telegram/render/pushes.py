"""The daily push: the question it asks, its check-in, snooze and pause answers."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.study import Question
from bot.telegram import keyboards
from bot.telegram.render.common import Reply
from bot.telegram.text_limits import TEXT_LIMIT, clip, shorten, visible_units
from bot.timezones import zone
from bot.wording import plural


def push_question(q: Question, due_count: int) -> Reply:
    """The daily push: the first due card's question, answered by typing."""
    return Reply(push_question_text(q, due_count), keyboards.push_quiz(q.prompt_id))


def push_question_text(q: Question, due_count: int) -> str:
    """`push_question`'s text alone (its keyboard: keyboards.push_quiz_json for the send)."""
    tag = "🆕 New card" if q.is_new else ("Still open" if q.repeated else "Review")
    deck = f" · {escape(q.deck_title)}" if q.deck_title else ""
    head = f"⏰ <i>Time to study · {tag}{deck}</i>\n\n"
    more = due_count - 1
    after = (f"{plural(more, 'more card')} {'is' if more == 1 else 'are'} due today."
             if more > 0 else "It's the only card due today.")
    foot = f"\n\nType your answer. {after}"
    room = TEXT_LIMIT - visible_units(head + foot)
    return clip(f"{head}<b>{escape(shorten(q.card.question, room))}</b>{foot}")


def push_checkin(due_count: int) -> Reply:
    return Reply(
        "👋 Still want daily questions? You haven't answered my last pushes, so from now on "
        f"I'll ask only once a week. {plural(due_count, 'card')} "
        f"{'is' if due_count == 1 else 'are'} waiting whenever you like.",
        keyboards.push_checkin())


def push_snooze_choices() -> str:
    return "💤 When shall I ask again?"


def push_snoozed(until: datetime, tz: str) -> str:
    when = until.astimezone(zone(tz)).strftime("%a %H:%M")
    return f"💤 Snoozed: I'll ask again {escape(when)}."


def push_snoozed_tomorrow(until: datetime, tz: str) -> str:
    when = until.astimezone(zone(tz)).strftime("%a %H:%M")
    return f"💤 Snoozed until tomorrow's push ({escape(when)})."


def push_paused() -> str:
    return ("⏸ Reminders paused. <code>/settings resume</code> turns them back on; "
            "/study works any time.")


def push_button_stale() -> str:
    return "This question is no longer open. Send /study for the next one."


def push_reminder(due_count: int) -> Reply:
    verb = "is" if due_count == 1 else "are"
    return Reply(f"⏰ Time to study: {plural(due_count, 'card')} {verb} due today.",
                 keyboards.study_now())
