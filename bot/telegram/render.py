"""Every message the learner sees is produced here: HTML-escaped and within Telegram's limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from telegram import InlineKeyboardMarkup

from bot.classes import ClassReport
from bot.deck_choice import DeckListPage
from bot.decks.anki_notes import Skipped
from bot.demos.catalogue import CATALOGUE
from bot.demos.types import DemoKind, DemoRequest, FitReport
from bot.disputes import Claim
from bot.grading import MAX_ANSWER_CHARS, Grade, Label
from bot.preferences import Preferences
from bot.stats import Stats
from bot.study import Graded, NothingDue, Question
from bot.telegram import keyboards
from bot.telegram.text_limits import CAPTION_LIMIT, TEXT_LIMIT, shorten, visible_units
from bot.telegram.text_limits import clip as clip
from bot.telegram.text_limits import visible_text as visible_text
from bot.timezones import label, local_clock, zone
from bot.wording import duration, plural

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


def question(q: Question) -> Reply:
    tag = "🆕 New card" if q.is_new else ("Still open" if q.repeated else "Review")
    deck = f" · {escape(q.deck_title)}" if q.deck_title else ""
    head = f"<i>{tag}{deck}</i>\n\n"
    foot = "\n\nType your answer. /skip moves on, /stop ends the session."
    # A long question (a CSV cell holds up to 4,000 characters) gives way before the hint.
    room = TEXT_LIMIT - visible_units(head + foot)
    return Reply(f"{head}<b>{escape(shorten(q.card.question, room))}</b>{foot}")


def nothing_due(result: NothingDue) -> Reply:
    tz = result.tz
    if result.all_decks_off:
        return Reply("All your decks are switched off, so there is nothing to study. "
                     "Open /decks and tap a deck to switch it on.")
    limit = ""
    if result.new_waiting:
        count = plural(result.new_waiting, "new card")
        verb = "waits" if result.new_waiting == 1 else "wait"
        limit = (f"\n\n{count} {verb}, but you've had today's {result.new_per_day} new "
                 f"{'card' if result.new_per_day == 1 else 'cards'}. To get more today, raise "
                 f"the daily limit, e.g. <code>/settings new {result.new_per_day + 10}</code>.")
    if result.next_due is None:
        if limit:
            return Reply("Nothing is due right now." + limit)
        return Reply("🎉 Nothing is due right now, and there are no new cards left for today.")
    when = result.next_due.astimezone(zone(tz)).strftime("%a %d %b, %H:%M")
    return Reply(
        "🎉 You're done for now: nothing is due.\n"
        f"Next card due: <b>{escape(when)}</b> ({escape(label(tz))})." + limit
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
# A reference longer than this is shown folded, so the rating question stays in view.
_FOLD_CHARS = 800


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
        parts.append(f"(Your answer was long; I graded the first {MAX_ANSWER_CHARS:,} characters.)")
    ask = "How well did you recall it? My suggestion is marked ✓."
    # The reference gets what the rest leaves: a long one is shortened, never the question
    # that the buttons answer. Past a screenful it starts folded (an expandable quote).
    room = TEXT_LIMIT - visible_units("\n".join([*parts, "\nReference answer", "", ask]))
    reference = shorten(result.card.answer, room)
    quote = "<blockquote expandable>" if len(reference) > _FOLD_CHARS else "<blockquote>"
    parts.append(f"\n<b>Reference answer</b>\n{quote}{escape(reference)}</blockquote>")
    parts.append(ask)
    demo = result.card.demo if offer_demo else None
    return Reply("\n".join(parts),
                 keyboards.ratings(result.prompt_id, g.rating, demo, dispute_claims(g.label)))


# Which disputes a grade invites: the learner contests the side the grade came down on.
_DISPUTES: dict[Label, tuple[Claim, ...]] = {
    Label.CORRECT: (Claim.WRONG,), Label.PARTIAL: (Claim.RIGHT,), Label.WRONG: (Claim.RIGHT,)}


def dispute_claims(label: Label) -> tuple[Claim, ...]:
    return _DISPUTES[label]


def dispute_noted(claim: Claim) -> str:
    said = "right" if claim is Claim.RIGHT else "wrong"
    return (f"Noted: you say your answer was {said}. Your rating is still yours to choose; "
            "this tells the deck's teacher which cards to look at.")


def dispute_already_noted() -> str:
    return "You already flagged this grade. Thanks!"


def rated_note(rating_name: str, due: datetime, now: datetime) -> str:
    return (f"Saved: <b>{escape(rating_name)}</b>. You'll see this card again in about "
            f"{duration(due - now)}.")


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


def undone(question_text: str, rating_name: str, *, card_open: bool) -> Reply:
    # Say what /study will do: the open card comes first, the undone one waits its turn.
    then = ("It's back in your queue as it was before; answer the open card first (or /skip "
            "it)." if card_open else "It's back in your queue as it was before: send /study "
            "to go on.")
    return Reply(
        f"↩️ Undone: your <b>{escape(rating_name)}</b> rating of "
        f"“{escape(_short(question_text, 200))}”. {then}"
    )


def already_set_aside(action: str) -> str:
    return "Already buried until tomorrow." if action == "bury" else "Already suspended."


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


def database_unavailable() -> Reply:
    return Reply("⚠️ I can't reach my database right now, so I can't show or save your "
                 "progress. Please try again in a minute; nothing you saved before is lost.")


def push_question(q: Question, due_count: int) -> Reply:
    """The daily push: the first due card's question, answered by typing."""
    tag = "🆕 New card" if q.is_new else ("Still open" if q.repeated else "Review")
    deck = f" · {escape(q.deck_title)}" if q.deck_title else ""
    head = f"⏰ <i>Time to study · {tag}{deck}</i>\n\n"
    more = due_count - 1
    after = (f"{plural(more, 'more card')} {'is' if more == 1 else 'are'} due today."
             if more > 0 else "It's the only card due today.")
    foot = f"\n\nType your answer. {after}"
    room = TEXT_LIMIT - visible_units(head + foot)
    return Reply(f"{head}<b>{escape(shorten(q.card.question, room))}</b>{foot}",
                 keyboards.push_quiz(q.prompt_id))


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


def export_caption(count: int) -> str:
    return f"Your review history: {plural(count, 'review')} (CSV)."


def export_empty() -> Reply:
    return Reply("You have no reviews yet. Study a few cards with /study first.")


def decks(listing: DeckListPage, note: str | None = None) -> Reply:
    if not listing.total:
        return Reply("There are no decks yet. A teacher adds deck files to the cards folder, "
                     "or send me a .csv or .tsv file of questions and answers to make your own.")
    page = f", page {listing.page + 1} of {listing.pages}" if listing.pages > 1 else ""
    lines = [f"<b>Decks</b> (tap to switch one on or off{page})"]
    if note:
        lines.insert(0, f"{escape(note)}\n")
    for deck in listing.decks:
        mark = "✅" if deck.enabled else "⬜️"
        mine = "👥 " if deck.joined else "👤 " if deck.personal else ""
        lines.append(f"{mark} {mine}{escape(_short(deck.title, 200))}: "
                     f"{deck.seen}/{deck.cards} cards started")
    if any(deck.personal and not deck.joined for deck in listing.decks):
        lines.append("\n👤 = your own deck (🔗 shares it with a class, 🗑 deletes it).")
    if any(deck.joined for deck in listing.decks):
        lines.append("👥 = a class you joined (🚪 leaves it).")
    return Reply("\n".join(lines), keyboards.deck_toggles(listing))


def demos_off() -> Reply:
    return Reply("Demos are switched off on this bot.")


def demos_unavailable() -> Reply:
    return Reply("⚠️ Demos are unavailable right now; please try again in a minute. This one "
                 "was not counted against your demo limit.")


def demos_unavailable_short() -> str:
    """For a button's answer (at most 200 characters, no markup)."""
    return "Demos are unavailable right now; please try again in a minute."


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
        if kind.is_lesson:
            lines.append(f"<code>/demo {kind.value}</code>: {escape(info.title)}")
    lines.append("\n/lrfind and /augment are shortcuts.")
    return Reply("\n".join(lines))


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


def card_set_aside(action: str) -> str:
    if action == "suspend":
        return "⏸ Suspended: this card won't come up again."
    return "🙈 Buried until tomorrow."


# --- Decks: pages, CSV/TSV and Anki import, reload ---

IMPORT_FORMAT = (
    "Send a <b>.csv</b> or <b>.tsv</b> file with two columns: question, answer. A first row "
    "<code>question,answer</code> is read as a header; add a <code>keys</code> column to tell "
    "me the key points of each answer. Sending a file with the same name again updates that "
    "deck and keeps your progress on unchanged cards. From Anki, send a deck package "
    "(<b>.apkg</b>) or its <i>Notes in Plain Text</i> export (<b>.txt</b>)."
)
SHOWN_PROBLEMS = 10


def _row_problems(problems: list[tuple[str, str]]) -> list[str]:
    """`problems`: (where, reason), where is "line 4" (or "note 4" in an Anki package)."""
    lines = [f"• {escape(where)}: {escape(reason)}" for where, reason in problems[:SHOWN_PROBLEMS]]
    if len(problems) > SHOWN_PROBLEMS:
        lines.append(f"…and {len(problems) - SHOWN_PROBLEMS} more.")
    return lines


def import_started(file_name: str) -> Reply:
    return Reply(f"⏳ Reading “{escape(_short(file_name, 100))}”…")


def import_too_large(limit_bytes: int) -> Reply:
    return Reply(f"⚠️ That file is too large: send a table of up to "
                 f"{limit_bytes // (1024 * 1024)} MB, or split it into several files.")


def import_spreadsheet(file_name: str) -> Reply:
    return Reply(f"📄 I can't read spreadsheets like “{escape(_short(file_name, 100))}” "
                 "directly. Save it as CSV first (Excel: <i>File → Save As → CSV UTF-8</i>; "
                 "LibreOffice or Google Sheets: <i>CSV</i>) and send me that file.\n\n"
                 + IMPORT_FORMAT)


def import_download_failed() -> Reply:
    return Reply("⚠️ I couldn't download that file from Telegram. Please send it again.")


def import_refused(file_name: str, reason: str, problems: list[tuple[str, str]]) -> Reply:
    lines = [f"⚠️ I couldn't import “{escape(_short(file_name, 100))}”: {escape(reason)}."]
    if problems:
        lines.append("")
        lines.extend(_row_problems(problems))
    lines.append("\n" + IMPORT_FORMAT)
    return Reply("\n".join(lines))


def import_too_many_decks(limit: int) -> Reply:
    return Reply(f"⚠️ You already have {plural(limit, 'deck')} of your own, the most I keep. "
                 "Delete one "
                 "in /decks (🗑), or send a file with the name of an existing deck to update it.")


LOOSE_SHOWN = 3


def _loose_note(loose: Sequence[str]) -> list[str]:
    """Cards the grader can only grade loosely, and how a `keys` column fixes that."""
    if not loose:
        return []
    shown = ", ".join(f"“{escape(_short(q, 60))}”" for q in loose[:LOOSE_SHOWN])
    more = f" and {len(loose) - LOOSE_SHOWN} more" if len(loose) > LOOSE_SHOWN else ""
    return [f"\n📝 {plural(len(loose), 'card')} will be graded loosely (the answer is one "
            f"term, a bare list or only code): {shown}{more}. To grade them strictly, add a "
            "<code>keys</code> column: the ideas an answer must name, separated by "
            "<code>;</code>, with accepted wordings separated by <code>|</code> "
            "(e.g. <code>limits | caps ; exploding gradients</code>)."]


def left_out(skipped: Skipped) -> str:
    """"3 cloze notes, 12 pictures and 1 sound": what an Anki deck had that cards can't ask."""
    parts = [plural(n, noun) for n, noun in ((skipped.cloze_notes, "cloze note"),
                                             (skipped.pictures, "picture"),
                                             (skipped.sounds, "sound")) if n]
    return parts[-1] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def import_done(title: str, *, cards: int, added: int, updated: int, retired: int,
                replaced: bool, problems: list[tuple[str, str]],
                skipped: Skipped | None = None, loose: Sequence[str] = ()) -> Reply:
    name = escape(_short(title, 100))
    if replaced:
        changes = f"{added} new, {updated} changed, {retired} removed"
        lines = [f"✅ Updated your deck “{name}”: {plural(cards, 'card')} "
                 f"({changes}). Progress on unchanged cards is kept."]
    else:
        lines = [f"✅ Imported your deck “{name}”: {plural(cards, 'card')}."]
    if skipped:
        lines.append(f"\nSkipped {left_out(skipped)}: cards here are typed text, a front "
                     "and a back.")
    if problems:
        rows = len(problems)
        lines.append(f"\nSkipped {plural(rows, 'note' if skipped is not None else 'row')}:")
        lines.extend(_row_problems(problems))
    lines.extend(_loose_note(loose))
    lines.append("\n/study asks its cards; /decks switches it off, deletes it, or shares it "
                 "with a class (🔗): learners who joined see your changes at once.")
    return Reply("\n".join(lines))


def delete_deck_confirm(title: str, cards: int, keyboard: InlineKeyboardMarkup) -> Reply:
    return Reply(f"Delete your deck “{escape(_short(title, 100))}” with its "
                 f"{plural(cards, 'card')} and your review history for them? "
                 "This can't be undone.", keyboard)


def deck_deleted_note(title: str) -> str:
    """Plain text: `decks()` escapes it."""
    return f"🗑 Deleted “{_short(title, 100)}”."


def deck_page_moved() -> str:
    return "That page no longer exists; here is the last one."



# --- FSRS parameter fitting ---

def fit_setting_line(prefs: Preferences, needed: int | None) -> str:
    if prefs.personal_schedule:
        return "🧠 Schedule: <b>personalised</b> (FSRS parameters fitted to your reviews)"
    line = "🧠 Schedule: <b>default FSRS parameters</b>"
    if needed is not None and prefs.reviews < needed:
        line += f" · personalising needs {plural(needed, 'review')} (you have {prefs.reviews})"
    return line


def fit_needs_reviews(reviews: int, needed: int) -> Reply:
    return Reply(f"🧠 Personalising your schedule needs more history: you have {reviews} of the "
                 f"{plural(needed, 'review')} needed. Keep studying with /study and try again "
                 "later.")


def fit_unavailable() -> Reply:
    return Reply("🧠 Personalising your schedule needs the bot's workers, which are switched "
                 "off here. Your schedule uses the default parameters.")


def fit_busy() -> Reply:
    return Reply("⏳ Your fit (or a demo) is already running; its result comes in this chat.")


def fit_failed() -> Reply:
    return Reply("😕 Sorry, the fit didn't finish. Your schedule is unchanged; try again later "
                 "from /settings.")


def fit_too_few_spaced(spaced: int) -> Reply:
    return Reply(f"🧠 Only {spaced} of your reviews came a day or more after the card's previous "
                 "one, and those are what a fit learns from. Keep reviewing over the next days "
                 "and try again.")


def _pct(value: float) -> str:
    return f"{value:.1%}"


def fit_result(report: FitReport, tag: str, *, personal: bool) -> Reply:
    """The fit's comparison in plain words, within a photo caption, with the yes/no buttons."""
    lines = [
        "🧠 <b>Your own FSRS parameters are ready</b>",
        f"Fitted to your reviews of {plural(report.cards - report.checked_cards, 'card')}, then "
        f"checked on {plural(report.checked_reviews, 'review')} of "
        f"{plural(report.checked_cards, 'other card')} the fit never saw.",
    ]
    better = False
    if (report.default is not None and report.fitted is not None
            and report.actual_recall is not None):
        better = report.fitted.log_loss < report.default.log_loss
        lines += [
            "",
            f"You recalled <b>{_pct(report.actual_recall)}</b> of those reviews.",
            "Predicted recall at your review times: "
            f"{_pct(report.default.predicted)} with the default parameters → "
            f"<b>{_pct(report.fitted.predicted)}</b> with yours.",
            f"Log loss {report.default.log_loss:.3f} → <b>{report.fitted.log_loss:.3f}</b> "
            "(how surprised each set was by your real answers; lower is better).",
            "",
            "➡️ Yours predict your memory better. Use them?" if better else
            "➡️ These don't predict your memory better than the defaults yet, so I'd not "
            "use them.",
        ]
    else:
        lines += ["", f"Only {plural(report.checked_reviews, 'spaced review')} "
                  f"{'was' if report.checked_reviews == 1 else 'were'} left to check them on, too "
                  "few to tell whether they beat the defaults. Use them anyway?"]
    lines.append("\nThe picture (grey = defaults, green = yours): how a new card fades, and the "
                 "gaps between reviews of a card you always answer Good.")
    keyboard = keyboards.fit_choice(tag, better=better, personal=personal)
    return Reply("\n".join(lines), keyboard, limit=CAPTION_LIMIT)


def fit_accepted() -> Reply:
    return Reply("✅ Your schedule now uses your own FSRS parameters: intervals follow how you "
                 "actually remember. /settings has “Reset to defaults” if you change your mind.")


def fit_kept(personal: bool) -> Reply:
    which = "your current parameters" if personal else "the default parameters"
    return Reply(f"👍 Kept {which}; nothing changed.")


def fit_reset() -> Reply:
    return Reply("↩️ Back to the default FSRS parameters for your schedule.")


def fit_already_used() -> str:
    return "Already in use."


def fit_already_default() -> str:
    return "You're already on the default parameters."


def fit_stale() -> str:
    return "That fit is no longer open; run a new one from /settings."


# --- Abuse limits: flood throttle, demo quota ---


def _ceil(value: float) -> int:
    return -int(-value // 1)


def _wait_phrase(seconds: float) -> str:
    """A short human wait, rounded up: "40 s", "12 min", "2 h"."""
    if seconds < 90:
        return f"{max(1, _ceil(seconds))} s"
    if seconds < 90 * 60:
        return f"{_ceil(seconds / 60)} min"
    return f"{_ceil(seconds / 3600)} h"


def _per_window(seconds: float) -> str:
    return {3600.0: "hour", 86400.0: "day"}.get(seconds, _wait_phrase(seconds))


def flood_notice(retry_in_s: int) -> Reply:
    return Reply("🐢 Slow down a little, please: that's a lot of messages at once. "
                 f"I'll listen again in {_wait_phrase(retry_in_s)}.")


def flood_toast(retry_in_s: int) -> str:
    """The answer to a button pressed while flooding (a toast: at most 200 characters)."""
    return f"Slow down a little: I'll listen again in {_wait_phrase(retry_in_s)}."


def demo_quota_reached(limit: int, window_s: float, next_at: datetime, now: datetime,
                       tz: str) -> Reply:
    local = next_at.astimezone(zone(tz)).strftime("%H:%M")
    return Reply(
        f"⏳ You've reached the demo limit: {limit} per {_per_window(window_s)}. Demos run "
        f"real models, so I share them out. Your next demo is available in "
        f"{_wait_phrase((next_at - now).total_seconds())} (at {local}). Studying works as usual."
    )


# --- Classes: share links, joining, /class ---


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
