"""Anki packages for the import tests, written by genanki (never by hand).

genanki writes what Anki 2.1 before 2.1.50 writes: a zip with `collection.anki2` (SQLite,
note types as JSON in `col.models`), a `media` JSON map and the media files named 0, 1, …
Newer Anki packages are derived from those the way Anki itself builds them, see
`as_anki21b` and `with_notetypes_table`.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Sequence
from pathlib import Path

import genanki
import zstandard

BASIC = genanki.Model(
    1607392319, "Basic (tutorbot test)",
    fields=[{"name": "Front"}, {"name": "Back"}],
    templates=[{"name": "Card 1", "qfmt": "{{Front}}",
                "afmt": "{{FrontSide}}<hr id=answer>{{Back}}"}],
)
DECK_ID = 2059400110


def write_package(folder: Path, *, basic: list[tuple[str, str]], cloze: Sequence[str] = (),
                  media: dict[str, bytes] | None = None, name: str = "deck") -> bytes:
    """An .apkg from genanki: basic notes (front, back), cloze notes, and media files."""
    deck = genanki.Deck(DECK_ID, name)
    for front, back in basic:
        deck.add_note(genanki.Note(model=BASIC, fields=[front, back]))
    for text in cloze:
        deck.add_note(genanki.Note(model=genanki.CLOZE_MODEL, fields=[text, ""]))
    package = genanki.Package(deck)
    media_paths = []
    for file_name, data in (media or {}).items():
        path = folder / file_name
        path.write_bytes(data)
        media_paths.append(str(path))
    package.media_files = media_paths
    out = folder / f"{name}.apkg"
    package.write_to_file(str(out))
    return out.read_bytes()


def entries(package: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(files: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zstd_stream(data: bytes) -> bytes:
    """Compressed as Anki's Rust code does it, as a stream: the frame header then has no
    content size, so a reader must stream it rather than ask for the size up front."""
    compressor = zstandard.ZstdCompressor().compressobj()
    return compressor.compress(data) + compressor.flush()


def as_anki21b(folder: Path, package: bytes) -> bytes:
    """The package as Anki 2.1.50+ exports it: the collection zstd-compressed as
    `collection.anki21b`, and beside it a stub `collection.anki2` whose one note tells older
    Anki versions to update (here also written by genanki), which a reader must not pick."""
    files = entries(package)
    collection = files.pop("collection.anki2")
    stub = write_package(folder, basic=[("Please update to the latest Anki version, then "
                                         "import the .colpkg/.apkg file again.", "")],
                         name="stub")
    files["collection.anki21b"] = zstd_stream(collection)
    files["collection.anki2"] = entries(stub)["collection.anki2"]
    return zipped(files)


def kind_config(cloze: bool) -> bytes:
    """A NotetypeConfig protobuf as Anki stores it: `kind` (field 1, varint) only when not
    the default, then a string field (3: css) that a reader must skip."""
    css = b".card { font-family: arial; }"
    kind = b"\x08\x01" if cloze else b""
    return kind + b"\x1a" + bytes([len(css)]) + css


def with_notetypes_table(folder: Path, collection: bytes) -> bytes:
    """The collection with its note types moved from `col.models` JSON into a `notetypes`
    table with protobuf configs, the schema 18 layout of `collection.anki21b`."""
    path = folder / "schema18.sqlite"
    path.write_bytes(collection)
    with sqlite3.connect(path) as db:
        (models,) = db.execute("SELECT models FROM col").fetchone()
        db.execute("CREATE TABLE notetypes (id integer NOT NULL PRIMARY KEY, name text NOT "
                   "NULL, mtime_secs integer NOT NULL, usn integer NOT NULL, config blob NOT "
                   "NULL)")
        for key, model in json.loads(models).items():
            db.execute("INSERT INTO notetypes VALUES (?, ?, 0, 0, ?)",
                       (int(key), model["name"], kind_config(model["type"] == 1)))
        db.execute("UPDATE col SET models = ''")
    db.close()
    return path.read_bytes()
