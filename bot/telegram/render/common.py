"""Replies every feature shares: the Reply type, notes on edited messages, welcome, help,
and the generic answers."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from telegram import InlineKeyboardMarkup

from bot.telegram.text_limits import TEXT_LIMIT, clip, visible_units
from bot.wording import plural


@dataclass(frozen=True, slots=True)
class Reply:
    """A message's HTML and buttons, within Telegram's limit however long the deck's text is
    (``limit``: CAPTION_LIMIT for a caption)."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    limit: int = TEXT_LIMIT

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", clip(self.text, self.limit))


def with_note(body_html: str, note_html: str, limit: int = TEXT_LIMIT) -> str:
    """An edited message: its old body, shortened if need be, then the note, always whole."""
    room = limit - visible_units(note_html) - 2
    return f"{clip(body_html, room)}\n\n{note_html}"


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def welcome(first_name: str, decks: list[tuple[str, int]]) -> Reply:
    deck_lines = ("\n".join(f"• <b>{escape(t)}</b>: {plural(n, 'card')}" for t, n in decks)
                  or "• (no decks)")
    total = sum(n for _, n in decks)
    text = (
        f"Hi {escape(first_name) or 'there'}! I'm your study companion.\n\n"
        "I ask you questions from flashcard decks on a spaced-repetition schedule (FSRS): "
        "cards you find hard come back sooner, easy ones later. Type your answer in your own "
        "words; I grade it, tell you what you got and what you missed, and show the reference "
        "answer.\n\n"
        f"Decks ({plural(total, 'card')}):\n{deck_lines}\n\n"
        "Send /study to start. /help lists everything I can do."
    )
    return Reply(text)


def help_text() -> Reply:
    lines = [f"/{name}: {escape(description)}" for name, description in COMMANDS]
    text = (
        "<b>How it works</b>\n"
        "1. /study shows the next card that is due.\n"
        "2. Type your answer as a message. Typos, other word forms and synonyms are fine.\n"
        "3. I grade it and show the reference answer. Press how well you recalled it: "
        "<i>Again</i>, <i>Hard</i>, <i>Good</i> or <i>Easy</i>. My suggestion is marked ✓.\n"
        "4. The next card follows.\n\n"
        "📄 Your own cards: send a .csv or .tsv file (question, answer), or an Anki deck "
        "(.apkg or a plain-text .txt export), and it becomes a personal deck in /decks.\n"
        "👥 Teaching a class? Press 🔗 next to your deck in /decks for a link your learners "
        "open to join it; /class shows how they do.\n\n" + "\n".join(lines)
    )
    return Reply(text)


def stale_button() -> str:
    return "This button has expired. Send /study to continue."


def unknown_command() -> Reply:
    return Reply("I don't know that command. /help lists what I can do.")


def not_text() -> Reply:
    return Reply("Please type your answer as a text message. /help shows what I can do.")


def private_only() -> Reply:
    return Reply("I work in private chats. Open a chat with me to study.")


def internal_error() -> Reply:
    return Reply("Sorry, something went wrong on my side. Your progress is saved; please try "
                 "again in a moment.")


def database_unavailable() -> Reply:
    return Reply("⚠️ I can't reach my database right now, so I can't show or save your "
                 "progress. Please try again in a minute; nothing you saved before is lost.")


COMMANDS: tuple[tuple[str, str], ...] = (
    ("study", "Study the cards that are due"),
    ("skip", "Skip the current card"),
    ("stop", "End the study session"),
    ("undo", "Undo your last rating"),
    ("decks", "Choose decks to study; send a CSV or Anki deck to add your own"),
    ("settings", "Time zone, reminders, daily limits, your schedule"),
    ("lrfind", "Learning-rate finder demo (e.g. /lrfind cnn)"),
    ("augment", "Augmentation demo (send a photo with /augment)"),
    ("demo", "Run a demo by name (/demo softmax)"),
    ("stats", "Your progress: streak, retention, forecast"),
    ("class", "Teachers: how your class does with your shared deck"),
    ("export", "Download your review history (CSV)"),
    ("help", "How this bot works"),
    ("start", "Welcome and deck overview"),
)
