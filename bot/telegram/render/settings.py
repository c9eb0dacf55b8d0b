"""/settings: the settings view, its choices and what it refuses."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.preferences import Preferences
from bot.telegram import keyboards
from bot.telegram.render.common import Reply
from bot.telegram.render.fitting import fit_setting_line
from bot.timezones import label, local_clock

SETTINGS_USAGE = (
    "Change a setting with buttons, or type it:\n"
    "<code>/settings tz Europe/Berlin</code> (or a city, UTC+5:30, CET; or share your "
    "location)\n"
    "<code>/settings time 07:30</code>: daily reminder time\n"
    "<code>/settings new 15</code>: new cards per day (0-100)\n"
    "<code>/settings retention 90%</code>: desired retention (70-97%)\n"
    "<code>/settings pause</code> / <code>/settings resume</code>: reminders"
)


def settings(prefs: Preferences, note: str | None = None, *,
             fit_min_reviews: int | None = None, now: datetime | None = None) -> Reply:
    reminders = "paused" if prefs.reminders_paused else f"daily at {prefs.push_time}"
    clock = f" (your time now: {local_clock(prefs.timezone, now)})" if now is not None else ""
    lines = [
        "<b>Your settings</b>",
        f"🌍 Time zone: <b>{escape(label(prefs.timezone))}</b>{escape(clock)}",
        f"⏰ Reminders: <b>{escape(reminders)}</b>",
        f"🆕 New cards per day: <b>{prefs.new_per_day}</b>",
        f"🎯 Desired retention: <b>{prefs.desired_retention:.0%}</b>",
    ]
    lines.append(fit_setting_line(prefs, fit_min_reviews))
    if note:
        lines.insert(0, f"{escape(note)}\n")
    lines.append("\n" + SETTINGS_USAGE)
    return Reply("\n".join(lines), keyboards.settings_menu(prefs.reminders_paused,
                                                         prefs.personal_schedule))


def setting_choices(name: str) -> Reply:
    prompts = {
        "tz": "Send <code>/settings tz Europe/Berlin</code> (or a city such as "
              "<code>Tokyo</code>, an offset such as <code>UTC+5:30</code>, or <code>CET</code>),"
              " or share your location 📍.",
        "time": "When should I remind you each day? Pick one, or send "
                "<code>/settings time 07:30</code>.",
        "new": "How many new cards per day?",
        "ret": "How much do you want to remember? Higher means more reviews.",
    }
    return Reply(prompts.get(name, SETTINGS_USAGE), keyboards.setting_choices(name))


def invalid_setting(message: str) -> Reply:
    return Reply(f"⚠️ {escape(message)}\n\n{SETTINGS_USAGE}")
