"""Anki deck packages (.apkg, and whole-collection .colpkg) into notes.

A package is a zip holding a SQLite collection and the media files. Which collection depends
on the Anki that wrote it: `collection.anki21b` (Anki 2.1.50+, zstd-compressed, note types in
a `notetypes` table), `collection.anki21` or `collection.anki2` (plain SQLite, note types as
JSON in `col.models`); a new package also carries a stub `collection.anki2` that only says
"please update Anki", so the newest collection present is the one read.

The file comes from a stranger, so nothing in it is trusted: the entry count and the
collection's unpacked size are checked before anything is unpacked and again while it is,
no entry name may climb out of a folder, media is never unpacked at all, and the collection
is written to a private temporary folder and opened read-only, with a cap on the work any
query may do. Its SQL reads a file format, not the bot's database, so it lives with the
parser and not in bot/store.
"""

from __future__ import annotations

import io
import json
import re
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

import zstandard

from bot.decks.anki_notes import CLOZE_MARK, AnkiImport, AnkiNote, notes_to_import
from bot.decks.table_import import MAX_IMPORT_BYTES, RowUnit, TableRefused

# Newest first: the first one present is read.
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
ZSTD_COLLECTIONS = frozenset({"collection.anki21b"})
# A real package of an importable size has a collection and a few hundred media files.
MAX_ENTRIES = 5000
# The unpacked collection: room for the notes of a 2 MB package and their review history,
# far below what a zip or zstd bomb would write to disk.
MAX_COLLECTION_BYTES = 16 * MAX_IMPORT_BYTES
CHUNK_BYTES = 64 * 1024
# zstd's decoder allocates the window the frame asks for; Anki's level needs a few MiB, so a
# frame asking for more is refused instead of taking 128 MiB of memory.
MAX_ZSTD_WINDOW_BYTES = 16 * 1024 * 1024
# SQLite virtual machine steps (checked every PROGRESS_STEPS) before a query is stopped; a
# collection with a view or a trigger posing as a table must not keep the worker busy.
PROGRESS_STEPS = 10_000
MAX_PROGRESS_CALLS = 5_000
SEPARATOR = "\x1f"  # between a note's fields in `notes.flds`
MODEL_CLOZE = 1  # `type` of a note type in `col.models`
NOTETYPE_KIND_FIELD = 1  # protobuf field number of `kind` in NotetypeConfig
NOTETYPE_KIND_CLOZE = 1
_DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True, slots=True)
class NoteType:
    name: str
    cloze: bool


def _unsafe_name(name: str) -> bool:
    path = PurePosixPath(name.replace("\\", "/"))
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in path.parts


def _collection_entry(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise TableRefused(f"it holds more than {MAX_ENTRIES:,} files")
    for entry in entries:
        if _unsafe_name(entry.filename):
            raise TableRefused(f"it holds a file named “{entry.filename[:80]}” outside its "
                               "own folder, which I don't open")
    names = {entry.filename: entry for entry in entries}
    for name in COLLECTIONS:
        if name in names:
            entry = names[name]
            if entry.file_size > MAX_COLLECTION_BYTES:
                raise TableRefused(f"its collection unpacks to more than "
                                   f"{MAX_COLLECTION_BYTES // (1024 * 1024)} MB")
            return entry
    raise TableRefused("it is a zip file but not an Anki deck package (it has no "
                       "collection.anki2 or .anki21b inside)")


def _copy_at_most(source: IO[bytes], target: IO[bytes]) -> None:
    """Copy in chunks, refusing as soon as more than MAX_COLLECTION_BYTES come out."""
    written = 0
    while chunk := source.read(CHUNK_BYTES):
        written += len(chunk)
        if written > MAX_COLLECTION_BYTES:
            raise TableRefused(f"its collection unpacks to more than "
                               f"{MAX_COLLECTION_BYTES // (1024 * 1024)} MB")
        target.write(chunk)


def _unpack_collection(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, target: Path) -> None:
    try:
        with archive.open(entry) as packed, target.open("wb") as out:
            if entry.filename in ZSTD_COLLECTIONS:
                # Anki streams the frame, so its size is not in the header: read it as a stream.
                decompressor = zstandard.ZstdDecompressor(max_window_size=MAX_ZSTD_WINDOW_BYTES)
                with decompressor.stream_reader(packed) as unpacked:
                    _copy_at_most(unpacked, out)
            else:
                _copy_at_most(packed, out)
    except zstandard.ZstdError as exc:
        raise TableRefused("its compressed collection is damaged") from exc
    except RuntimeError as exc:  # zipfile: an encrypted entry
        raise TableRefused("it is password-protected") from exc
    except NotImplementedError as exc:
        raise TableRefused("it is compressed in a way I can't read") from exc
    except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
        raise TableRefused("the zip file is damaged") from exc


def _open_read_only(path: Path) -> sqlite3.Connection:
    # immutable: the file is ours alone and never changes, so SQLite takes no locks and looks
    # for no journal beside it.
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        # Functions in the file's own views and triggers may not run.
        connection.execute("PRAGMA trusted_schema = OFF")
    except sqlite3.Error:
        connection.close()
        raise
    calls = 0

    def budget() -> int:
        nonlocal calls
        calls += 1
        return int(calls > MAX_PROGRESS_CALLS)

    connection.set_progress_handler(budget, PROGRESS_STEPS)
    return connection


def _tables(connection: sqlite3.Connection) -> set[str]:
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    return {str(name) for (name,) in rows}


def _varint(data: bytes, at: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if at >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def notetype_is_cloze(config: bytes) -> bool:
    """Read `kind` (field 1, a varint) from a NotetypeConfig protobuf, skipping the rest.

    proto3 leaves out a field at its default, so no `kind` means a normal note type.
    """
    at = 0
    while at < len(config):
        tag, at = _varint(config, at)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, at = _varint(config, at)
            if number == NOTETYPE_KIND_FIELD:
                return value == NOTETYPE_KIND_CLOZE
        elif wire == 2:
            length, at = _varint(config, at)
            at += length
        elif wire == 1:
            at += 8
        elif wire == 5:
            at += 4
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")
    return False


def _note_types(connection: sqlite3.Connection, tables: set[str]) -> dict[int, NoteType]:
    if "notetypes" in tables:
        rows = connection.execute("SELECT id, name, config FROM notetypes")
        return {int(id_): NoteType(str(name), notetype_is_cloze(bytes(config or b"")))
                for id_, name, config in rows}
    (models,) = connection.execute("SELECT models FROM col").fetchone() or ("{}",)
    found: dict[int, NoteType] = {}
    for key, model in (json.loads(models or "{}") or {}).items():
        found[int(key)] = NoteType(str(model.get("name", "")),
                                   model.get("type") == MODEL_CLOZE)
    return found


def _notes(connection: sqlite3.Connection, types: dict[int, NoteType], max_rows: int
           ) -> Iterator[AnkiNote]:
    # One row past the limit is enough to refuse the package; the rest stays unread.
    rows = connection.execute("SELECT mid, flds FROM notes ORDER BY id LIMIT ?",
                              (max_rows + 1,))
    for number, (mid, flds) in enumerate(rows, start=1):
        fields = flds.split(SEPARATOR, 2) if isinstance(flds, str) else [""]
        front = fields[0]
        back = fields[1] if len(fields) > 1 else ""
        note_type = types.get(int(mid))
        cloze = note_type.cloze if note_type is not None else CLOZE_MARK.search(front) is not None
        yield AnkiNote(number, front, back, cloze, html=True)


def _read_collection(path: Path, max_rows: int) -> AnkiImport:
    try:
        connection = _open_read_only(path)
    except sqlite3.Error as exc:
        raise TableRefused("its collection cannot be opened") from exc
    try:
        tables = _tables(connection)
        if "notes" not in tables or not ({"col", "notetypes"} & tables):
            raise TableRefused("its collection is not an Anki collection (it has no notes "
                               "table)")
        return notes_to_import(_notes(connection, _note_types(connection, tables), max_rows),
                               unit=RowUnit.NOTE, max_rows=max_rows)
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise TableRefused("its collection takes too long to read") from exc
        raise TableRefused("its collection is damaged or not an Anki collection") from exc
    except (sqlite3.Error, ValueError, TypeError, AttributeError) as exc:
        # sqlite3.DatabaseError: "file is not a database"; the others: a col.models or a
        # notetypes row that is not what Anki writes.
        raise TableRefused("its collection is damaged or not an Anki collection") from exc
    finally:
        connection.close()


def parse_anki_package(data: bytes, *, file_name: str | None, max_rows: int) -> AnkiImport:
    """Front and back of each basic note; raise TableRefused with the reason otherwise."""
    del file_name  # the package says what it is
    if len(data) > MAX_IMPORT_BYTES:
        raise TableRefused(f"it is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise TableRefused("it is not an Anki deck package (.apkg files are zip archives; "
                           "export the deck again from Anki)") from exc
    with archive, tempfile.TemporaryDirectory(prefix="tutorbot-anki-") as folder:
        entry = _collection_entry(archive)
        path = Path(folder) / "collection.sqlite"
        _unpack_collection(archive, entry, path)
        return _read_collection(path, max_rows)
