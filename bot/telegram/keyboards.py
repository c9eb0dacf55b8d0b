"""Inline keyboards. Button payloads come from the typed codec, never ad-hoc strings."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.grading import Rating as SuggestedRating
from bot.scheduling import Rating
from bot.telegram.callback_data import RateCard, ShowDemo, StudyNow

RATING_NAMES = {Rating.AGAIN: "Again", Rating.HARD: "Hard", Rating.GOOD: "Good",
                Rating.EASY: "Easy"}


def ratings(prompt_id: int, suggested: SuggestedRating, demo: str | None) -> InlineKeyboardMarkup:
    row = []
    for rating, name in RATING_NAMES.items():
        label = f"✓ {name}" if int(rating) == int(suggested) else name
        row.append(InlineKeyboardButton(label, callback_data=RateCard(prompt_id, rating).encode()))
    rows = [row]
    if demo:
        show = InlineKeyboardButton("🔬 Show me", callback_data=ShowDemo(prompt_id).encode())
        rows.append([show])
    return InlineKeyboardMarkup(rows)


def study_now() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("📚 Study now",
                                                       callback_data=StudyNow().encode())]])
