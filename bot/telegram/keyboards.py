"""Inline keyboards. Button payloads come from the typed codec, never ad-hoc strings."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.deck_choice import DeckListPage
from bot.demos.types import DemoRequest
from bot.disputes import Claim
from bot.grading import Rating as SuggestedRating
from bot.scheduling import Rating
from bot.telegram.callback_data import (
    CancelDemo,
    CardAction,
    ChooseSetting,
    DeckPage,
    DeleteDeck,
    DisputeGrade,
    OpenSetting,
    PushButton,
    RateCard,
    RetryDemo,
    ShowDemo,
    StudyNow,
    ToggleDeck,
)

RATING_NAMES = {Rating.AGAIN: "Again", Rating.HARD: "Hard", Rating.GOOD: "Good",
                Rating.EASY: "Easy"}


DISPUTE_LABELS = {Claim.RIGHT: "🙋 I was right", Claim.WRONG: "🤔 I was wrong"}


def ratings(prompt_id: int, suggested: SuggestedRating, demo: str | None,
            disputes: tuple[Claim, ...] = ()) -> InlineKeyboardMarkup:
    row = []
    for rating, name in RATING_NAMES.items():
        label = f"✓ {name}" if int(rating) == int(suggested) else name
        row.append(InlineKeyboardButton(label, callback_data=RateCard(prompt_id, rating).encode()))
    rows = [row]
    extra = [
        InlineKeyboardButton("🙈 Bury", callback_data=CardAction(prompt_id, "bury").encode()),
        InlineKeyboardButton("⏸ Suspend",
                             callback_data=CardAction(prompt_id, "suspend").encode()),
    ]
    if demo:
        extra.insert(0, InlineKeyboardButton("🔬 Show me",
                                             callback_data=ShowDemo(prompt_id).encode()))
    rows.append(extra)
    if disputes:
        rows.append([InlineKeyboardButton(DISPUTE_LABELS[claim],
                                          callback_data=DisputeGrade(prompt_id, claim).encode())
                     for claim in disputes])
    return InlineKeyboardMarkup(rows)


def without_disputes(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The same keyboard less its dispute buttons (once the learner has used one)."""
    if markup is None:
        return None
    rows = [[b for b in row if not str(b.callback_data or "").startswith("gd:")]
            for row in markup.inline_keyboard]
    return InlineKeyboardMarkup([row for row in rows if row])


def study_now() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("📚 Study now",
                                                       callback_data=StudyNow().encode())]])


def push_quiz(prompt_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("⏭ Skip", callback_data=PushButton(prompt_id, "skip").encode()),
        InlineKeyboardButton("💤 Later", callback_data=PushButton(prompt_id, "later").encode()),
        InlineKeyboardButton("⏸ Pause reminders",
                             callback_data=PushButton(prompt_id, "pause").encode()),
    ]])


SNOOZE_LABELS = {"h1": "In 1 hour", "eve": "This evening", "tmr": "Tomorrow"}


def snooze_choices(prompt_id: int, choices: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(SNOOZE_LABELS[c], callback_data=PushButton(prompt_id, c).encode())
        for c in choices
    ]])


def push_checkin() -> InlineKeyboardMarkup:
    """Yes: a question now (the study loop); no: reminders paused (prompt 0: none open)."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("📚 Yes, ask me now", callback_data=StudyNow().encode()),
        InlineKeyboardButton("⏸ Pause reminders", callback_data=PushButton(0, "pause").encode()),
    ]])


TIME_CHOICES = ("0700", "0800", "1200", "1800", "2000", "2100")
NEW_CHOICES = ("5", "10", "15", "20", "30")
RETENTION_CHOICES = ("80", "85", "90", "95")


def _button(text: str, payload: OpenSetting | ChooseSetting) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=payload.encode())


# ChooseSetting("fit", ...) values: use / keep carry the proposal's 3-digit tag.
FIT_USE, FIT_KEEP, FIT_RESET = "1", "0", "2"


def settings_menu(paused: bool, personal_schedule: bool) -> InlineKeyboardMarkup:
    pause = (_button("▶️ Resume reminders", ChooseSetting("pause", "0")) if paused
             else _button("⏸ Pause reminders", ChooseSetting("pause", "1")))
    fit = [_button("🧠 Re-fit schedule" if personal_schedule else "🧠 Personalise schedule",
                   OpenSetting("fit"))]
    if personal_schedule:
        fit.append(_button("↩️ Reset to defaults", ChooseSetting("fit", FIT_RESET)))
    return InlineKeyboardMarkup([
        [_button("🌍 Time zone", OpenSetting("tz")),
         _button("⏰ Reminder time", OpenSetting("time"))],
        [_button("🆕 New cards/day", OpenSetting("new")),
         _button("🎯 Retention", OpenSetting("ret"))],
        [pause],
        fit,
    ])


def fit_choice(tag: str, *, better: bool, personal: bool) -> InlineKeyboardMarkup:
    """Use or keep a proposed fit; both name the proposal, so an older fit's buttons go stale."""
    return InlineKeyboardMarkup([[
        _button("✅ Use them" if better else "Use them", ChooseSetting("fit", FIT_USE + tag)),
        _button("Keep current" if personal else "Keep defaults",
                ChooseSetting("fit", FIT_KEEP + tag)),
    ]])


def setting_choices(name: str) -> InlineKeyboardMarkup | None:
    if name == "time":
        row = [_button(f"{v[:2]}:{v[2:]}", ChooseSetting("time", v)) for v in TIME_CHOICES]
        return InlineKeyboardMarkup([row[:3], row[3:]])
    if name == "new":
        return InlineKeyboardMarkup([[_button(v, ChooseSetting("new", v)) for v in NEW_CHOICES]])
    if name == "ret":
        return InlineKeyboardMarkup(
            [[_button(f"{v}%", ChooseSetting("ret", v)) for v in RETENTION_CHOICES]])
    return None


def deck_toggles(listing: DeckListPage) -> InlineKeyboardMarkup:
    """One toggle per deck on this page (personal decks also get 🗑), then ◀ page ▶."""
    rows = []
    for deck in listing.decks:
        mark = "✅" if deck.enabled else "⬜️"
        title = deck.title if len(deck.title) <= 40 else deck.title[:39] + "…"
        mine = "👤 " if deck.personal else ""
        row = [InlineKeyboardButton(f"{mark} {mine}{title}", callback_data=ToggleDeck(
            deck.deck_id, listing.page).encode())]
        if deck.personal:
            row.append(InlineKeyboardButton("🗑", callback_data=DeleteDeck(
                deck.deck_id, listing.page).encode()))
        rows.append(row)
    if listing.pages > 1:
        nav = []
        if listing.page > 0:
            nav.append(InlineKeyboardButton("◀", callback_data=DeckPage(listing.page - 1).encode()))
        nav.append(InlineKeyboardButton(f"{listing.page + 1}/{listing.pages}",
                                        callback_data=DeckPage(listing.page).encode()))
        if listing.page + 1 < listing.pages:
            nav.append(InlineKeyboardButton("▶", callback_data=DeckPage(listing.page + 1).encode()))
        rows.append(nav)
    return InlineKeyboardMarkup(rows)


def confirm_delete(deck_id: int, page: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("🗑 Yes, delete it",
                             callback_data=DeleteDeck(deck_id, page, confirmed=True).encode()),
        InlineKeyboardButton("Cancel", callback_data=DeckPage(page).encode()),
    ]])


def cancel_demo() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("✖️ Cancel",
                                                       callback_data=CancelDemo().encode())]])


def retry_demo(request: DemoRequest) -> InlineKeyboardMarkup | None:
    """A Retry button, unless the job carried a photo (the learner must send it again)."""
    payload = RetryDemo(request.kind, request.args)
    if request.image is not None or not payload.fits():
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton("🔁 Try again",
                                                       callback_data=payload.encode())]])
