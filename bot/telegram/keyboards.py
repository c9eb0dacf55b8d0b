"""Inline keyboards. Button payloads come from the typed codec, never ad-hoc strings."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.deck_choice import DeckListPage
from bot.demos.types import DemoRequest
from bot.disputes import Claim
from bot.grading import Rating as SuggestedRating
from bot.scheduling import Rating
from bot.telegram.callback_data import (
    CancelDemo,
    CardAction,
    CardAside,
    ChooseSetting,
    ConfirmDeleteDeck,
    ConfirmLeaveClass,
    ConfirmRemoveMember,
    DecideFit,
    DeckPage,
    DeleteDeck,
    DisputeGrade,
    FitAction,
    JoinClass,
    LeaveClass,
    ListMembers,
    OpenSetting,
    Payload,
    PushAction,
    PushButton,
    RateCard,
    RemoveMember,
    RetryDemo,
    RevokeLink,
    SettingName,
    ShareDeck,
    ShowClass,
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
        InlineKeyboardButton("🙈 Bury",
                             callback_data=CardAction(prompt_id, CardAside.BURY).encode()),
        InlineKeyboardButton("⏸ Suspend",
                             callback_data=CardAction(prompt_id, CardAside.SUSPEND).encode()),
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


PUSH_QUIZ_BUTTONS = (("⏭ Skip", PushAction.SKIP), ("💤 Later", PushAction.LATER),
                     ("⏸ Pause reminders", PushAction.PAUSE))


def push_quiz(prompt_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(text, callback_data=PushButton(prompt_id, action).encode())
        for text, action in PUSH_QUIZ_BUTTONS
    ]])


def push_quiz_json(prompt_id: int) -> dict[str, Any]:
    """`push_quiz(prompt_id)` as the Bot API's JSON (what its `to_dict()` gives), built
    without PTB's objects: the daily push sends one per learner, and building the objects
    only to serialize them again cost more CPU than the rest of its message."""
    return {"inline_keyboard": [[
        {"text": text, "callback_data": PushButton(prompt_id, action).encode()}
        for text, action in PUSH_QUIZ_BUTTONS
    ]]}


SNOOZE_LABELS = {PushAction.HOUR: "In 1 hour", PushAction.EVENING: "This evening",
                 PushAction.TOMORROW: "Tomorrow"}


def snooze_choices(prompt_id: int, choices: tuple[str, ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(SNOOZE_LABELS[PushAction(c)],
                             callback_data=PushButton(prompt_id, PushAction(c)).encode())
        for c in choices
    ]])


def push_checkin() -> InlineKeyboardMarkup:
    """Yes: a question now (the study loop); no: reminders paused (prompt 0: none open)."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("📚 Yes, ask me now", callback_data=StudyNow().encode()),
        InlineKeyboardButton("⏸ Pause reminders",
                             callback_data=PushButton(0, PushAction.PAUSE).encode()),
    ]])


TIME_CHOICES = ("0700", "0800", "1200", "1800", "2000", "2100")
NEW_CHOICES = ("5", "10", "15", "20", "30")
RETENTION_CHOICES = ("80", "85", "90", "95")


def _button(text: str, payload: Payload) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=payload.encode())




def settings_menu(paused: bool, personal_schedule: bool) -> InlineKeyboardMarkup:
    pause = (_button("▶️ Resume reminders", ChooseSetting(SettingName.PAUSE, "0")) if paused
             else _button("⏸ Pause reminders", ChooseSetting(SettingName.PAUSE, "1")))
    fit = [_button("🧠 Re-fit schedule" if personal_schedule else "🧠 Personalise schedule",
                   OpenSetting(SettingName.FIT))]
    if personal_schedule:
        fit.append(_button("↩️ Reset to defaults", DecideFit(FitAction.RESET)))
    return InlineKeyboardMarkup([
        [_button("🌍 Time zone", OpenSetting(SettingName.TIME_ZONE)),
         _button("⏰ Reminder time", OpenSetting(SettingName.TIME))],
        [_button("🆕 New cards/day", OpenSetting(SettingName.NEW_PER_DAY)),
         _button("🎯 Retention", OpenSetting(SettingName.RETENTION))],
        [pause],
        fit,
    ])


def fit_choice(tag: str, *, better: bool, personal: bool) -> InlineKeyboardMarkup:
    """Use or keep a proposed fit; both name the proposal, so an older fit's buttons go stale."""
    return InlineKeyboardMarkup([[
        _button("✅ Use them" if better else "Use them", DecideFit(FitAction.USE, tag)),
        _button("Keep current" if personal else "Keep defaults",
                DecideFit(FitAction.KEEP, tag)),
    ]])


def setting_choices(name: str) -> InlineKeyboardMarkup | None:
    if name == SettingName.TIME:
        row = [_button(f"{v[:2]}:{v[2:]}", ChooseSetting(SettingName.TIME, v))
               for v in TIME_CHOICES]
        return InlineKeyboardMarkup([row[:3], row[3:]])
    if name == SettingName.NEW_PER_DAY:
        return InlineKeyboardMarkup(
            [[_button(v, ChooseSetting(SettingName.NEW_PER_DAY, v)) for v in NEW_CHOICES]])
    if name == SettingName.RETENTION:
        return InlineKeyboardMarkup([[_button(f"{v}%", ChooseSetting(SettingName.RETENTION, v))
                                      for v in RETENTION_CHOICES]])
    return None


def deck_toggles(listing: DeckListPage) -> InlineKeyboardMarkup:
    """One toggle per deck on this page (own decks also get 🔗 share and 🗑 delete, joined
    ones 🚪 leave), then ◀ page ▶."""
    rows = []
    for deck in listing.decks:
        mark = "✅" if deck.enabled else "⬜️"
        title = deck.title if len(deck.title) <= 40 else deck.title[:39] + "…"
        mine = "👥 " if deck.joined else "👤 " if deck.personal else ""
        row = [InlineKeyboardButton(f"{mark} {mine}{title}", callback_data=ToggleDeck(
            deck.deck_id, listing.page).encode())]
        if deck.joined:
            row.append(InlineKeyboardButton("🚪", callback_data=LeaveClass(
                deck.deck_id, listing.page).encode()))
        elif deck.personal:
            row.append(InlineKeyboardButton("🔗", callback_data=ShareDeck(
                deck.deck_id).encode()))
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
                             callback_data=ConfirmDeleteDeck(deck_id, page).encode()),
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


# --- Classes (bot.classes) -----------------------------------------------------------------


def share_link(deck_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("🚫 Revoke link", callback_data=RevokeLink(deck_id).encode()),
        InlineKeyboardButton("👥 Class", callback_data=ShowClass(deck_id).encode()),
    ]])


def join_class(code: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        "✅ Join", callback_data=JoinClass(code).encode())]])


def confirm_leave(deck_id: int, page: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("🚪 Yes, leave",
                             callback_data=ConfirmLeaveClass(deck_id, page).encode()),
        InlineKeyboardButton("Cancel", callback_data=DeckPage(page).encode()),
    ]])


def class_view(deck_id: int, *, link_open: bool, members: int) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton("🔗 Link" if link_open else "🔗 New link",
                                callback_data=ShareDeck(deck_id).encode())]
    if members:
        row.append(InlineKeyboardButton("👤 Remove a learner",
                                        callback_data=ListMembers(deck_id).encode()))
    return InlineKeyboardMarkup([row])


def class_choice(decks: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(
        title if len(title) <= 40 else title[:39] + "…",
        callback_data=ShowClass(deck_id).encode())] for deck_id, title in decks])


# Telegram shows at most 100 buttons in one keyboard; the last row is Cancel.
MAX_MEMBER_BUTTONS = 90


def member_list(deck_id: int, members: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(
        f"👤 {name if len(name) <= 40 else name[:39] + '…'}",
        callback_data=RemoveMember(deck_id, learner_id).encode())]
        for learner_id, name in members]
    rows.append([InlineKeyboardButton("Cancel", callback_data=ShowClass(deck_id).encode())])
    return InlineKeyboardMarkup(rows)


def confirm_remove(deck_id: int, learner_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton("Yes, remove", callback_data=ConfirmRemoveMember(
            deck_id, learner_id).encode()),
        InlineKeyboardButton("Cancel", callback_data=ShowClass(deck_id).encode()),
    ]])
