"""Anki's "Notes in Plain Text" export (.txt) into notes (Anki: File → Export).

The export is a CSV file with a head of `#key:value` lines that say how to read it::

    #separator:tab
    #html:true
    #notetype column:1
    #tags column:4
    Basic	<b>to eat</b>	comer<br>(verb)	spanish

The head names the separator, whether fields are HTML, and which columns hold a note's
guid, note type, deck and tags; the other columns are the note's fields in order, so the
first two are front and back. Any later line starting with `#` is a comment, as Anki reads it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from bot.decks.anki_html import looks_like_html
from bot.decks.anki_notes import CLOZE_MARK, AnkiImport, AnkiNote, notes_to_import
from bot.decks.table_import import (
    HEADER_NAMES,
    Column,
    RowUnit,
    TableRefused,
    decode,
    sniff_delimiter,
)

SEPARATORS = {"tab": "\t", "comma": ",", "semicolon": ";", "space": " ", "pipe": "|",
              "colon": ":"}
# The head keys whose value is a 1-based column that holds no field of the note.
META_COLUMNS = ("guid column", "notetype column", "deck column", "tags column")
HEAD_KEYS = ("separator", "html", "tags", "columns", "notetype", "deck", *META_COLUMNS)


@dataclass(slots=True)
class Head:
    """What the `#key:value` lines said, and how many lines they took."""

    lines: int = 0
    separator: str | None = None
    html: bool | None = None
    columns: str | None = None
    notetype: str = ""
    meta: dict[str, int] = field(default_factory=dict)


def looks_like_anki_text(text: str) -> bool:
    """True when the file starts with a head line that Anki writes or reads."""
    first = text.lstrip("\ufeff").split("\n", 1)[0].strip()
    if not first.startswith("#") or ":" not in first:
        return False
    return first[1:].split(":", 1)[0].strip().casefold() in HEAD_KEYS


def read_head(lines: list[str]) -> Head:
    head = Head()
    for index, line in enumerate(lines):
        text = line.rstrip("\r\n")
        if index == 0 and text.startswith("tags:"):  # older exports' global tags
            head.lines += 1
            continue
        if not text.startswith("#"):
            break
        head.lines += 1
        key, colon, value = text[1:].partition(":")
        if colon:
            _read_head_line(head, key.strip().casefold(), value)
    return head


def _read_head_line(head: Head, key: str, value: str) -> None:
    if key == "separator":
        named = SEPARATORS.get(value.strip().casefold())
        head.separator = named or (value if value in SEPARATORS.values() else head.separator)
    elif key == "html" and value.strip().casefold() in ("true", "false"):
        head.html = value.strip().casefold() == "true"
    elif key == "columns":
        head.columns = value
    elif key == "notetype":
        head.notetype = value.strip()
    elif key in META_COLUMNS and value.strip().isdigit() and int(value) > 0:
        head.meta[key] = int(value)


def _field_columns(labels: list[str], meta: set[int], width: int) -> tuple[int, int]:
    """0-based columns of the front and back: named ones first, else the first two fields."""
    fields = [i for i in range(max(width, len(labels))) if i + 1 not in meta]
    named = {HEADER_NAMES.get(labels[i].strip().casefold()): i for i in reversed(fields)
             if i < len(labels)}
    question = named.get(Column.QUESTION, fields[0] if fields else 0)
    rest = [i for i in fields if i != question]
    answer = named.get(Column.ANSWER, rest[0] if rest else question + 1)
    return question, answer


def _records(body: list[str], delimiter: str, first_line: int
             ) -> Iterator[tuple[int, list[str]]]:
    """(file line, cells) of each record; comments and blank records left out."""
    reader = csv.reader(iter(body), delimiter=delimiter, strict=True)
    end = 0
    while True:
        start = end
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            line = first_line + start
            if "end of data" in str(exc):
                raise TableRefused(f'line {line}: a quoted field is never closed (a " is '
                                   "missing)") from exc
            raise TableRefused(f"line {first_line + reader.line_num - 1}: broken quoting "
                               f"({exc})") from exc
        end = reader.line_num
        if body[start].startswith("#") or not any(cell.strip() for cell in record):
            continue
        yield first_line + start, record


def _notes(text: str) -> Iterator[AnkiNote]:
    lines = io.StringIO(text, newline="").readlines()
    head = read_head(lines)
    body = lines[head.lines:]
    body_text = "".join(body)
    delimiter = head.separator or sniff_delimiter(body_text, preferred="\t")
    html = head.html if head.html is not None else looks_like_html(body_text)
    meta = set(head.meta.values())
    notetype_column = head.meta.get("notetype column")
    labels = (next(csv.reader([head.columns], delimiter=delimiter), [])
              if head.columns is not None else [])
    columns: tuple[int, int] | None = None
    for line, cells in _records(body, delimiter, head.lines + 1):
        if columns is None:
            columns = _field_columns(labels, meta, len(cells))
            if not labels and {HEADER_NAMES.get(cells[i].strip().casefold())
                               for i in columns if i < len(cells)} == {Column.QUESTION,
                                                                       Column.ANSWER}:
                continue  # a "front, back" header row, as in a CSV file
        question, answer = columns
        front = cells[question] if question < len(cells) else ""
        back = cells[answer] if answer < len(cells) else ""
        notetype = (cells[notetype_column - 1] if notetype_column is not None
                    and notetype_column <= len(cells) else head.notetype)
        cloze = "cloze" in notetype.casefold() or CLOZE_MARK.search(front) is not None
        yield AnkiNote(line, front, back, cloze, html)


def parse_anki_text(data: bytes, *, file_name: str | None, max_rows: int) -> AnkiImport:
    """Front and back of each basic note; raise TableRefused when none can be imported."""
    del file_name  # the head, not the name, says how to read it
    return notes_to_import(_notes(decode(data)), unit=RowUnit.LINE, max_rows=max_rows)
