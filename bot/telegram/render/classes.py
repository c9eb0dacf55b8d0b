"""Shared decks and classes: links, invitations, leaving, removal and /class."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup

from bot.classes import ClassReport
from bot.telegram.render.common import Reply, _short
from bot.wording import plural


def share_link(title: str, cards: int, members: int, url: str, keyboard: InlineKeyboardMarkup
               ) -> Reply:
    return Reply(
        f"🔗 <b>Share “{escape(_short(title, 100))}”</b> ({plural(cards, 'card')})\n\n"
        f"{escape(url)}\n\n"
        "Whoever opens this link sees the deck's title, its size and your name, and can join. "
        "They study this deck itself: when you send the same file again, their cards change "
        "with it and their progress stays. "
        f"{plural(members, 'learner')} joined so far; /class shows how they do.", keyboard)


def link_revoked(title: str, members: int) -> Reply:
    return Reply(
        f"🚫 The link to “{escape(_short(title, 100))}” no longer works: nobody new can join. "
        f"The {plural(members, 'learner')} already in keep studying (remove one in /class). "
        "🔗 in /decks draws a new link.")


def invitation(title: str, cards: int, owner: str, keyboard: InlineKeyboardMarkup | None,
               *, note: str = "") -> Reply:
    head = (f"📚 <b>{escape(_short(title, 200))}</b>\n{plural(cards, 'card')} · shared by "
            f"<b>{escape(_short(owner, 64)) or 'a teacher'}</b>")
    body = note or (
        "Join to study it with /study. Your progress is your own; its owner sees your name "
        "as Telegram shows it, your reviews and how much you remember, in their class view. "
        "You can leave any time with 🚪 in /decks, and your progress on it goes with you.")
    return Reply(f"{head}\n\n{body}", keyboard)


def invitation_member() -> str:
    return "You are already in this class: /study asks its cards."


def invitation_owner() -> str:
    return ("This is your own deck: this is the link your learners open to join. /class shows "
            "who did and how they are doing.")


def invitation_full(limit: int) -> str:
    return f"You are in {limit} classes already: leave one with 🚪 in /decks to join this one."


def link_unknown() -> Reply:
    return Reply("🤷 That link doesn't open any deck: it may be mistyped or cut short, or its "
                 "deck was deleted. Ask whoever sent it for the link again.")


def link_revoked_for_learner() -> Reply:
    return Reply("🚫 That link no longer works: its owner has revoked it. Ask them for a new one.")


def joined_class(title: str, cards: int, owner: str) -> str:
    return (f"✅ You joined “{escape(_short(title, 100))}” by "
            f"{escape(_short(owner, 64)) or 'a teacher'}: {plural(cards, 'card')}. /study asks "
            "them; /decks switches the deck off or leaves the class (🚪).")


def leave_confirm(title: str, reviews: int, keyboard: InlineKeyboardMarkup) -> Reply:
    return Reply(f"Leave the class “{escape(_short(title, 100))}”? Your progress on its cards "
                 f"({plural(reviews, 'review')}) is deleted, and its owner no longer sees you. "
                 "This can't be undone.", keyboard)


def left_class_note(title: str) -> str:
    """Plain text: `decks()` escapes it."""
    return f"🚪 Left the class “{_short(title, 100)}”."


def no_class() -> Reply:
    return Reply("You have no class yet. Send me a .csv file of questions and answers, press 🔗 "
                 "next to that deck in /decks and send the link to your learners. /class then "
                 "shows who joined and how they do.")


def class_choice(keyboard: InlineKeyboardMarkup) -> Reply:
    return Reply("👥 Which class?", keyboard)


SHOWN_LEARNERS = 30


def _percent(value: float | None, n: int) -> str:
    return "–" if value is None else f"{value:.0%} of {n}"


def class_report(report: ClassReport, keyboard: InlineKeyboardMarkup) -> Reply:
    retention, mature = report.retention
    link = "link open" if report.link_open else "link revoked"
    lines = [
        f"👥 <b>Class: {escape(_short(report.title, 100))}</b> "
        f"({plural(report.cards, 'card')}, {link})",
        f"Learners: <b>{len(report.learners)}</b> · active today {report.active_today} · "
        f"this week {report.active_week}",
        f"Reviews: <b>{report.reviews}</b> ({report.reviews_week} this week) · true retention "
        + (f"<b>{_percent(retention, mature)}</b> mature reviews, last 30 days" if mature
           else "not measured yet (no learnt card reviewed in the last 30 days)"),
    ]
    if not report.learners:
        lines.append("\nNobody has joined yet: send your learners the link (🔗 Link below).")
        return Reply("\n".join(lines), keyboard)
    lines.append("\n<b>Learners</b> (reviews · this week · true retention)")
    ranked = sorted(report.learners, key=lambda p: (-p.reviews_week, -p.reviews, p.name))
    for p in ranked[:SHOWN_LEARNERS]:
        today = " · today ✓" if p.active_today else ""
        lines.append(f"• {escape(_short(p.name, 40)) or '(no name)'}: {p.reviews} · "
                     f"{p.reviews_week} · {_percent(p.retention, p.retention_reviews)}{today}")
    if len(ranked) > SHOWN_LEARNERS:
        lines.append(f"…and {len(ranked) - SHOWN_LEARNERS} more")
    sections = (
        ("Hardest cards (most lapses)",
         [f"{c.count} · {escape(_short(c.question, 70))}" for c in report.hardest]),
        ("Lowest retention by card (mature reviews, 30 days)",
         [f"{_percent(r, n)} · {escape(_short(q, 60))}" for q, r, n in report.weakest]),
        ("Most disputed grades",
         [f"{c.count} ({c.detail}) · {escape(_short(c.question, 60))}" for c in report.disputed]),
    )
    for head, rows in sections:
        lines.append(f"\n<b>{head}</b>")
        lines.extend(rows or ["none yet"])
    return Reply("\n".join(lines), keyboard)


def remove_whom(title: str, keyboard: InlineKeyboardMarkup) -> Reply:
    return Reply(f"Remove whom from “{escape(_short(title, 100))}”? Their progress on this deck "
                 "is deleted and they can join again only by a live link.", keyboard)


def remove_confirm(name: str, title: str, keyboard: InlineKeyboardMarkup) -> Reply:
    return Reply(f"Remove {escape(_short(name, 64)) or 'this learner'} from "
                 f"“{escape(_short(title, 100))}”? Their progress on this deck is deleted. "
                 "This can't be undone.", keyboard)


def removed_member(name: str, title: str) -> Reply:
    return Reply(f"Removed {escape(_short(name, 64)) or 'the learner'} from "
                 f"“{escape(_short(title, 100))}”. /class shows the class as it is now.")
