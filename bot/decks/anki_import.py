"""Which reader a sent deck file needs: Anki's package or text export, or a CSV/TSV table.

The name decides for `.apkg`/`.colpkg` and `.txt` (Anki's "Notes in Plain Text" export);
a `.csv` or `.tsv` that starts with Anki's `#separator:`-style head was exported from Anki
too, and reading it as a plain table would turn that head into bad rows.
"""

from __future__ import annotations

from bot.decks.anki_notes import AnkiImport
from bot.decks.anki_text import looks_like_anki_text, parse_anki_text
from bot.decks.table_import import MAX_IMPORT_BYTES, TableImport, TableRefused, parse_table

PACKAGE_EXTENSIONS = ("apkg", "colpkg")
TEXT_EXTENSIONS = ("txt",)
ANKI_EXTENSIONS = PACKAGE_EXTENSIONS + TEXT_EXTENSIONS


def _extension(file_name: str) -> str:
    return file_name.rpartition(".")[2].casefold() if "." in file_name else ""


def parse_deck_file(data: bytes, *, file_name: str | None, max_rows: int
                    ) -> TableImport | AnkiImport:
    """Cards and per-row problems of a sent file; raise TableRefused when none can be read."""
    if len(data) > MAX_IMPORT_BYTES:
        raise TableRefused(f"it is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    extension = _extension(file_name or "")
    if extension in PACKAGE_EXTENSIONS:
        # zstandard and sqlite3 load only when a package actually arrives.
        from bot.decks.anki_package import parse_anki_package

        return parse_anki_package(data, file_name=file_name, max_rows=max_rows)
    if extension in TEXT_EXTENSIONS or looks_like_anki_text(data[:4096].decode("utf-8",
                                                                               "replace")):
        return parse_anki_text(data, file_name=file_name, max_rows=max_rows)
    return parse_table(data, file_name=file_name, max_rows=max_rows)
