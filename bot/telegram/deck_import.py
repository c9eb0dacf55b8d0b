"""A CSV/TSV document or an Anki deck becomes (or updates) the sender's personal deck."""

from __future__ import annotations

import asyncio

from telegram import Message, Update
from telegram.error import TelegramError
from telegram.ext import filters

from bot.decks.anki_import import parse_deck_file
from bot.decks.anki_notes import AnkiImport
from bot.decks.personal import TooManyDecks, save_personal_deck
from bot.decks.table_import import MAX_IMPORT_BYTES, TableRefused, deck_title
from bot.grading.deckcheck import loose_questions
from bot.telegram import render
from bot.telegram.context import BotContext
from bot.telegram.downloads import download_at_most

TABLES = (
    filters.Document.FileExtension("csv") | filters.Document.FileExtension("tsv")
    | filters.Document.MimeType("text/csv")
    | filters.Document.MimeType("text/tab-separated-values")
)
# Spreadsheets are not read; their senders are told how to save a CSV instead.
SPREADSHEET_EXTENSIONS = ("xlsx", "xls", "ods", "numbers")
SPREADSHEETS = (
    filters.Document.FileExtension("xlsx") | filters.Document.FileExtension("xls")
    | filters.Document.FileExtension("ods") | filters.Document.FileExtension("numbers")
)
# Anki's deck packages and its "Notes in Plain Text" export (bot/decks/anki_import.py).
ANKI = (filters.Document.FileExtension("apkg") | filters.Document.FileExtension("colpkg")
        | filters.Document.FileExtension("txt"))
# Edits are left out: editing the caption of a file already imported would import it again.
DOCUMENTS = (TABLES | SPREADSHEETS | ANKI) & ~filters.UpdateType.EDITED
# Files above this size get a "reading…" message first, edited into the result.
STATUS_BYTES = 64 * 1024


async def _send(message: Message, status: Message | None, reply: render.Reply) -> None:
    if status is not None:
        await status.edit_text(reply.text)
    else:
        await message.reply_text(reply.text)


async def import_document(update: Update, context: BotContext) -> None:
    """Import the sent table into the learner's own deck and report rows it skipped."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.document is not None
    document = message.document
    name = document.file_name or "table.csv"
    if name.lower().endswith(tuple(f".{ext}" for ext in SPREADSHEET_EXTENSIONS)):
        await _send(message, None, render.import_spreadsheet(name))
        return
    if document.file_size is not None and document.file_size > MAX_IMPORT_BYTES:
        await _send(message, None, render.import_too_large(MAX_IMPORT_BYTES))
        return
    status = None
    if (document.file_size or 0) > STATUS_BYTES:
        started = render.import_started(name)
        status = await message.reply_text(started.text)
    try:
        file = await context.bot.get_file(document.file_id)
        data = (None if file.file_size is not None and file.file_size > MAX_IMPORT_BYTES
                else await download_at_most(file, MAX_IMPORT_BYTES))
    except (TelegramError, OSError, ValueError):
        await _send(message, status, render.import_download_failed())
        return
    if data is None:
        await _send(message, status, render.import_too_large(MAX_IMPORT_BYTES))
        return
    state = context.state
    try:
        table = await asyncio.to_thread(parse_deck_file, data, file_name=name,
                                        max_rows=state.config.import_max_rows)
    except TableRefused as refused:
        problems = [(p.label, p.reason) for p in refused.problems]
        await _send(message, status, render.import_refused(name, refused.reason, problems))
        return
    loose = await asyncio.to_thread(loose_questions, table.cards)
    saved = await context.run_db(save_personal_deck, telegram_id=user.id,
                                 title=deck_title(name), cards=table.cards, now=state.clock())
    if saved is None:
        await _send(message, status, render.internal_error())
        return
    if isinstance(saved, TooManyDecks):
        await _send(message, status, render.import_too_many_decks(saved.limit))
        return
    await _send(message, status, render.import_done(
        saved.title, cards=saved.cards, added=saved.added, updated=saved.updated,
        retired=saved.retired, replaced=saved.replaced,
        problems=[(p.label, p.reason) for p in table.problems],
        skipped=table.skipped if isinstance(table, AnkiImport) else None, loose=loose))
