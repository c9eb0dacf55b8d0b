"""/settings: time zone, reminder time, daily new cards, retention, pausing reminders, and
personalising the schedule (its flow lives in bot.telegram.fitting)."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot import preferences
from bot.preferences import InvalidPreference
from bot.telegram import fitting, render
from bot.telegram.callback_data import ChooseSetting, OpenSetting, SettingName, decode
from bot.telegram.context import BotContext

_USAGE_KEYS = {"tz": "timezone", "timezone": "timezone", "zone": "timezone", "time": "push_time",
               "reminder": "push_time", "new": "new_per_day", "retention": "desired_retention",
               "ret": "desired_retention"}


def _parse(name: str, value: str) -> dict[str, object]:
    """Turn `/settings <name> <value>` (or a button's pair) into validated field values."""
    field = _USAGE_KEYS.get(name)
    if name in {"pause", "resume"} and not value:
        return {"reminders_paused": name == "pause"}
    if field is None:
        raise InvalidPreference(f"There is no setting called “{name[:30]}”.")
    if field == "timezone":
        return {field: preferences.parse_timezone(value)}
    if field == "push_time":
        return {field: preferences.parse_push_time(value)}
    if field == "new_per_day":
        return {field: preferences.parse_new_per_day(value)}
    return {field: preferences.parse_retention(value)}


async def _apply(update: Update, context: BotContext, values: dict[str, object]) -> None:
    assert update.effective_user is not None and update.effective_message is not None
    prefs = await context.run_db(
        preferences.update_preferences, telegram_id=update.effective_user.id,
        **values,  # type: ignore[arg-type]
    )
    if prefs is None:
        return
    changed = context.state.schedule_changed
    if changed is not None and {"timezone", "push_time", "reminders_paused"} & values.keys():
        await changed(update.effective_user.id)
    reply = render.settings(prefs, note="✅ Saved.",
                            fit_min_reviews=context.state.config.fsrs_fit_min_reviews,
                            now=context.state.clock())
    await update.effective_message.reply_text(reply.text, reply_markup=reply.keyboard)


async def settings_command(update: Update, context: BotContext) -> None:
    """Show the settings, or change one given as arguments."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    args = context.args or []
    if not args:
        prefs = await context.run_db(preferences.get_preferences,
                                     telegram_id=user.id)
        if prefs is not None:
            reply = render.settings(prefs,
                                    fit_min_reviews=context.state.config.fsrs_fit_min_reviews,
                                    now=context.state.clock())
            await message.reply_text(reply.text, reply_markup=reply.keyboard)
        return
    try:
        values = _parse(args[0].lower()[:20], " ".join(args[1:])[:100])
    except InvalidPreference as exc:
        reply = render.invalid_setting(str(exc))
        await message.reply_text(reply.text)
        return
    await _apply(update, context, values)


async def open_setting(update: Update, context: BotContext) -> None:
    """Offer the choices for the pressed setting."""
    query = update.callback_query
    assert query is not None
    payload = decode(query.data)
    assert isinstance(payload, OpenSetting)
    if payload.name is SettingName.FIT:
        await fitting.start_fit(update, context)
        return
    await query.answer()
    reply = render.setting_choices(payload.name)
    if query.message is not None:
        await context.bot.send_message(query.message.chat.id, reply.text,
                                       reply_markup=reply.keyboard)


async def choose_setting(update: Update, context: BotContext) -> None:
    """Store the value the learner picked from the buttons."""
    query = update.callback_query
    assert query is not None
    payload = decode(query.data)
    assert isinstance(payload, ChooseSetting)
    value = payload.value
    try:
        if payload.name is SettingName.FIT:  # a fit is decided by DecideFit buttons
            raise InvalidPreference("not a value")
        if payload.name is SettingName.PAUSE:
            values: dict[str, object] = {"reminders_paused": value == "1"}
        elif payload.name is SettingName.TIME:
            values = _parse("time", f"{value[:2]}:{value[2:]}")
        else:
            suffix = "%" if payload.name is SettingName.RETENTION else ""
            values = _parse(payload.name, value + suffix)
    except InvalidPreference:
        await query.answer(render.stale_button())
        return
    await query.answer("Saved")
    await _apply(update, context, values)


async def location(update: Update, context: BotContext) -> None:
    """Set the time zone from a shared location, looked up offline."""
    message = update.effective_message
    assert message is not None and message.location is not None
    zone = await asyncio.to_thread(_zone_at, message.location.latitude,
                                   message.location.longitude)
    if zone is None:
        reply = render.invalid_setting("I couldn't find a time zone for that place.")
        await message.reply_text(reply.text)
        return
    await _apply(update, context, {"timezone": zone})


def _zone_at(lat: float, lon: float) -> str | None:
    # Runs in a thread: the lookup reads a data file and must not block the event loop.
    from timezonefinder import TimezoneFinder

    zone: str | None = TimezoneFinder().timezone_at(lat=lat, lng=lon)
    return zone
