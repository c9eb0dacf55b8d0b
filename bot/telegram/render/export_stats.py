"""/export and /stats texts."""

from __future__ import annotations

from html import escape

from bot.stats import Stats
from bot.telegram.render.common import Reply
from bot.wording import plural


def export_caption(count: int) -> str:
    return f"Your review history: {plural(count, 'review')} (CSV)."


def export_empty() -> Reply:
    return Reply("You have no reviews yet. Study a few cards with /study first.")


def stats_text(stats: Stats) -> Reply:
    retention = ("not enough reviews yet" if stats.true_retention is None
                 else f"{stats.true_retention:.0%} of {stats.retention_reviews} mature reviews")
    week = sum(stats.forecast[:7])
    lines = [
        "<b>Your progress</b>",
        f"🔥 Streak: <b>{stats.streak}</b> day{'' if stats.streak == 1 else 's'}",
        f"📅 Reviews today: <b>{stats.reviews_today}</b> · all time: {stats.total_reviews}",
        f"🧠 True retention (30 days): <b>{escape(retention)}</b>",
        f"🗂 Cards started: {stats.cards_started}",
        f"⏭ Due today: <b>{stats.forecast[0]}</b> · next 7 days: {week}",
    ]
    return Reply("\n".join(lines))
