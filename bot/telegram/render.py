"""Every message the learner sees is produced here: HTML-escaped and within Telegram's limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from telegram import InlineKeyboardMarkup

from bot.deck_choice import DeckProgress
from bot.demos.catalogue import CATALOGUE
from bot.demos.types import DemoKind, DemoRequest
from bot.grading import Grade, Label
from bot.preferences import Preferences
from bot.stats import Stats
from bot.study import Graded, NothingDue, Question
from bot.telegram import keyboards

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

COMMANDS: tuple[tuple[str, str], ...] = (
    ("study", "Study the cards that are due"),
    ("skip", "Skip the current card"),
    ("stop", "End the study session"),
    ("undo", "Undo your last rating"),
    ("decks", "Choose which decks to study"),
    ("settings", "Time zone, reminder time, daily limits"),
    ("lrfind", "Learning-rate finder demo (e.g. /lrfind cnn)"),
    ("augment", "Augmentation demo (send a photo with /augment)"),
    ("demo", "Run a demo by name (/demo softmax)"),
    ("stats", "Your progress: streak, retention, forecast"),
    ("export", "Download your review history (CSV)"),
    ("help", "How this bot works"),
    ("start", "Welcome and deck overview"),
)


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    keyboard: InlineKeyboardMarkup | None = None


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    """Cut at a line break where possible so HTML tags we opened on a line stay balanced."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 2)
    return text[: cut if cut > 0 else limit - 1] + "\n…"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def welcome(first_name: str, decks: list[tuple[str, int]]) -> Reply:
    deck_lines = "\n".join(f"• <b>{escape(t)}</b>: {n} cards" for t, n in decks) or "• (no decks)"
    total = sum(n for _, n in decks)
    text = (
        f"Hi {escape(first_name) or 'there'}! I'm your study companion.\n\n"
        "I ask you questions from flashcard decks on a spaced-repetition schedule (FSRS): "
        "cards you find hard come back sooner, easy ones later. Type your answer in your own "
        "words; I grade it, tell you what you got and what you missed, and show the reference "
        "answer.\n\n"
        f"Decks ({total} cards):\n{deck_lines}\n\n"
        "Send /study to start. /help lists everything I can do."
    )
    return Reply(clip(text))


def help_text() -> Reply:
    lines = [f"/{name}: {escape(description)}" for name, description in COMMANDS]
    text = (
        "<b>How it works</b>\n"
        "1. /study shows the next card that is due.\n"
        "2. Type your answer as a message. Typos, other word forms and synonyms are fine.\n"
        "3. I grade it and show the reference answer. Press how well you recalled it: "
        "<i>Again</i>, <i>Hard</i>, <i>Good</i> or <i>Easy</i>. My suggestion is marked ✓.\n"
        "4. The next card follows.\n\n" + "\n".join(lines)
    )
    return Reply(text)


def question(q: Question) -> Reply:
    tag = "🆕 New card" if q.is_new else ("Still open" if q.repeated else "Review")
    deck = f" · {escape(q.deck_title)}" if q.deck_title else ""
    text = (
        f"<i>{tag}{deck}</i>\n\n<b>{escape(q.card.question)}</b>\n\n"
        "Type your answer. /skip moves on, /stop ends the session."
    )
    return Reply(clip(text))


def nothing_due(result: NothingDue) -> Reply:
    tz = result.tz
    if result.next_due is None:
        return Reply("🎉 Nothing is due right now, and there are no new cards left for today.")
    when = result.next_due.astimezone(ZoneInfo(tz)).strftime("%a %d %b, %H:%M")
    return Reply(
        "🎉 You're done for now: nothing is due.\n"
        f"Next card due: <b>{escape(when)}</b> ({escape(tz)})."
    )


_HEADLINE = {
    Label.CORRECT: "✅ <b>Correct</b>",
    Label.PARTIAL: "🟡 <b>Partly right</b>",
    Label.WRONG: "❌ <b>Not quite</b>",
}


def _terms(terms: tuple[str, ...], limit: int = 8) -> str:
    shown = ", ".join(escape(_short(t, 60)) for t in terms[:limit])
    return shown + (f" (+{len(terms) - limit} more)" if len(terms) > limit else "")


_PLAIN_EXPLANATIONS = ("You got", "Missing", "All key points")


def graded(result: Graded, *, offer_demo: bool) -> Reply:
    g: Grade = result.grade
    parts = [f"{_HEADLINE[g.label]} · {round(g.score * 100)}%"]
    if g.matched:
        parts.append(f"✔︎ You got: {_terms(g.matched)}")
    if g.missed:
        parts.append(f"✘ Missing: {_terms(g.missed)}")
    # The matched and missed lines above already say what a plain explanation would; show
    # the grader's sentence when it adds a reason (a negation, another card's answer...).
    if g.explanation and not g.explanation.startswith(_PLAIN_EXPLANATIONS):
        parts.append(f"<i>{escape(_short(g.explanation, 400))}</i>")
    if result.truncated:
        parts.append("(Your answer was long; I graded the first 2,000 characters.)")
    reference = escape(_short(result.card.answer, 2500))
    parts.append(f"\n<b>Reference answer</b>\n<blockquote>{reference}</blockquote>")
    parts.append("How well did you recall it? My suggestion is marked ✓.")
    text = clip("\n".join(parts))
    demo = result.card.demo if offer_demo else None
    return Reply(text, keyboards.ratings(result.prompt_id, g.rating, demo))


def rated_note(rating_name: str, due: datetime, now: datetime) -> str:
    delta = due - now
    minutes = delta.total_seconds() / 60
    if minutes < 60:
        span = f"{max(1, round(minutes))} min"
    elif minutes < 60 * 24:
        span = f"{round(minutes / 60)} h"
    else:
        span = f"{round(minutes / 1440)} days"
    return f"Saved: <b>{escape(rating_name)}</b>. You'll see this card again in about {span}."


def leech() -> str:
    return ("🩹 You've forgotten this card 8 times, so I've suspended it (a <i>leech</i>). "
            "Try rewriting it in your own words before bringing it back.")


def already_rated() -> str:
    return "You already rated this card."


def stale_button() -> str:
    return "This button has expired. Send /study to continue."


def no_open_card() -> Reply:
    return Reply("There's no open question right now. Send /study to get the next card.")


def skipped() -> str:
    return "Skipped. I'll ask it again later."


def stopped(had_card: bool) -> Reply:
    if had_card:
        return Reply("Session ended. Your progress is saved. Send /study whenever you're ready.")
    return Reply("No session is running. Send /study to start one.")


def undone(question_text: str, rating_name: str) -> Reply:
    return Reply(
        f"↩️ Undone: your <b>{escape(rating_name)}</b> rating of "
        f"“{escape(_short(question_text, 200))}”. Send /study to see it again."
    )


def nothing_to_undo() -> Reply:
    return Reply("There's no review to undo.")


def unknown_command() -> Reply:
    return Reply("I don't know that command. /help lists what I can do.")


def not_text() -> Reply:
    return Reply("Please type your answer as a text message. /help shows what I can do.")


def empty_answer() -> Reply:
    return Reply("That message is empty. Type your answer, or /skip the card.")


def private_only() -> Reply:
    return Reply("I work in private chats. Open a chat with me to study.")


def internal_error() -> Reply:
    return Reply("Sorry, something went wrong on my side. Your progress is saved; please try "
                 "again in a moment.")


def push_reminder(due_count: int) -> Reply:
    cards = "1 card is" if due_count == 1 else f"{due_count} cards are"
    return Reply(f"⏰ Time to study: {cards} due today.", keyboards.study_now())




SETTINGS_USAGE = (
    "Change a setting with buttons, or type it:\n"
    "<code>/settings tz Europe/Berlin</code> (or a city, or UTC+2; or share your location)\n"
    "<code>/settings time 07:30</code>: daily reminder time\n"
    "<code>/settings new 15</code>: new cards per day (0-100)\n"
    "<code>/settings retention 90%</code>: desired retention (70-97%)\n"
    "<code>/settings pause</code> / <code>/settings resume</code>: reminders"
)


def settings(prefs: Preferences, note: str | None = None) -> Reply:
    reminders = "paused" if prefs.reminders_paused else f"daily at {prefs.push_time}"
    lines = [
        "<b>Your settings</b>",
        f"🌍 Time zone: <b>{escape(prefs.timezone)}</b>",
        f"⏰ Reminders: <b>{escape(reminders)}</b>",
        f"🆕 New cards per day: <b>{prefs.new_per_day}</b>",
        f"🎯 Desired retention: <b>{prefs.desired_retention:.0%}</b>",
    ]
    if note:
        lines.insert(0, f"{escape(note)}\n")
    lines.append("\n" + SETTINGS_USAGE)
    return Reply("\n".join(lines), keyboards.settings_menu(prefs.reminders_paused))


def setting_choices(name: str) -> Reply:
    prompts = {
        "tz": "Send <code>/settings tz Europe/Berlin</code> (or a city such as "
              "<code>Tokyo</code>, or <code>UTC+2</code>), or share your location 📍.",
        "time": "When should I remind you each day? Pick one, or send "
                "<code>/settings time 07:30</code>.",
        "new": "How many new cards per day?",
        "ret": "How much do you want to remember? Higher means more reviews.",
    }
    return Reply(prompts.get(name, SETTINGS_USAGE), keyboards.setting_choices(name))


def invalid_setting(message: str) -> Reply:
    return Reply(f"⚠️ {escape(message)}\n\n{SETTINGS_USAGE}")


def export_caption(count: int) -> str:
    return f"Your review history: {count} review{'s' if count != 1 else ''} (CSV)."


def export_empty() -> Reply:
    return Reply("You have no reviews yet. Study a few cards with /study first.")


def decks(progress: list[DeckProgress]) -> Reply:
    if not progress:
        return Reply("There are no decks yet. A teacher adds deck files to the cards folder.")
    lines = ["<b>Decks</b> (tap to switch one on or off)"]
    for deck in progress:
        mark = "✅" if deck.enabled else "⬜️"
        lines.append(f"{mark} {escape(deck.title)}: {deck.seen}/{deck.cards} cards started")
    return Reply(clip("\n".join(lines)), keyboards.deck_toggles(progress))


def demos_off() -> Reply:
    return Reply("Demos are switched off on this bot.")


def demo_problem(message: str) -> Reply:
    return Reply(f"⚠️ {escape(message)}")


def image_too_large(limit: int) -> str:
    return f"That file is too large; send an image up to {limit // (1024 * 1024)} MB."


def demo_busy(position: int) -> Reply:
    where = "running now" if position == 0 else f"number {position} in the queue"
    return Reply(f"You already have a demo {where}. Wait for it, or press Cancel on it.")


def demo_status(kind: DemoKind, fraction: float, text: str) -> Reply:
    title = CATALOGUE[kind].title
    percent = max(0, min(100, round(fraction * 100)))
    bar = "▓" * (percent // 10) + "░" * (10 - percent // 10)
    return Reply(f"⏳ {title}: {text or 'working'}… {percent}%\n{bar}")


def demo_queued(position: int) -> Reply:
    return Reply(f"⏳ Waiting for a free demo worker: you are number {position} in the queue.")


def demo_cancelled() -> Reply:
    return Reply("Demo cancelled.")


def demo_failed(request: DemoRequest) -> Reply:
    retry = keyboards.retry_demo(request)
    hint = "" if retry else " Send the command again to retry."
    return Reply("😕 Sorry, the demo didn't finish (it crashed or took too long). "
                 f"Nothing else is affected.{hint}", retry)


def demo_caption(caption: str) -> str:
    return clip(escape(caption), CAPTION_LIMIT)


def demo_done(elapsed_s: float) -> Reply:
    return Reply(f"✅ Done in {elapsed_s:.1f} s.")


def photo_hint() -> Reply:
    return Reply("Nice picture! Send it with the caption <code>/augment</code> (or reply "
                 "<code>/augment</code> to it) to see data augmentation applied to it.")


def demo_list() -> Reply:
    lines = ["<b>Demos</b>"]
    for kind, info in CATALOGUE.items():
        lines.append(f"<code>/demo {kind.value}</code>: {escape(info.title)}")
    lines.append("\n/lrfind and /augment are shortcuts.")
    return Reply("\n".join(lines))


def stats_text(stats: Stats) -> Reply:
    retention = ("not enough reviews yet" if stats.true_retention is None
                 else f"{stats.true_retention:.0%} of {stats.retention_reviews} mature reviews")
    week = sum(stats.forecast[:7])
    lines = [
        "<b>Your progress</b>",
        f"🔥 Streak: <b>{stats.streak}</b> day{'s' if stats.streak != 1 else ''}",
        f"📅 Reviews today: <b>{stats.reviews_today}</b> · all time: {stats.total_reviews}",
        f"🧠 True retention (30 days): <b>{escape(retention)}</b>",
        f"🗂 Cards started: {stats.cards_started}",
        f"⏭ Due today: <b>{stats.forecast[0]}</b> · next 7 days: {week}",
    ]
    return Reply("\n".join(lines))


def card_set_aside(action: str) -> str:
    if action == "suspend":
        return "⏸ Suspended: this card won't come up again."
    return "🙈 Buried until tomorrow."


# --- Decks: pages, CSV/TSV import, reload (decks work edits only below this line) ---


# --- FSRS parameter fitting (fitting work edits only below this line) ---


# --- Abuse limits: flood throttle, demo quota (reliability work edits only below) ---
