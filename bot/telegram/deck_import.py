"""CSV/TSV documents into a personal deck (issue 4). STUB: filled in by the decks work."""

from __future__ import annotations

from telegram import Update
from telegram.ext import filters

from bot.telegram.context import BotContext

DOCUMENTS = filters.Document.FileExtension("csv") | filters.Document.FileExtension("tsv")


async def import_document(update: Update, context: BotContext) -> None:
    return None
