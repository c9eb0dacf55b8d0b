"""/decks and personal-deck imports (CSV/TSV, Anki): lists, reports, refusals."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from telegram import InlineKeyboardMarkup

from bot.deck_choice import DeckListPage
from bot.decks.anki_notes import Skipped
from bot.telegram import keyboards
from bot.telegram.render.common import Reply, _short
from bot.wording import plural


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
