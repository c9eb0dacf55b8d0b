"""CSV/TSV tables into cards for a learner's personal deck (rules: docs/deck-format.md).

Pure: bytes in, cards plus per-row problems out. A learner's spreadsheet export is messy, so
a bad row is reported by its line number and skipped while the good rows still count; only
problems with the whole file (encoding, size, broken quoting, no usable row) refuse it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from enum import Enum

from bot.decks.model import CardSpec
from bot.decks.parser import MAX_FIELD_CHARS, slugify, split_groups

# Checked against Telegram's `file_size` before downloading; 2,000 long cards fit easily.
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_TITLE_CHARS = 100
_EXTENSION = re.compile(r"[A-Za-z0-9]{1,8}")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


class Column(Enum):
    QUESTION = "question"
    ANSWER = "answer"
    KEYS = "keys"


HEADER_NAMES = {
    "question": Column.QUESTION, "q": Column.QUESTION, "front": Column.QUESTION,
    "term": Column.QUESTION, "prompt": Column.QUESTION,
    "answer": Column.ANSWER, "a": Column.ANSWER, "back": Column.ANSWER,
    "definition": Column.ANSWER, "keys": Column.KEYS,
}


class RowUnit(Enum):
    """What a problem's number counts: a text file's lines, or an Anki package's notes."""

    LINE = "line"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    reason: str
    unit: RowUnit = RowUnit.LINE

    @property
    def label(self) -> str:
        """Where the learner finds it: "line 4", or "note 4" in an .apkg."""
        return f"{self.unit.value} {self.line}"


@dataclass(frozen=True, slots=True)
class TableImport:
    cards: tuple[CardSpec, ...]
    problems: tuple[RowProblem, ...]
    delimiter: str
    has_header: bool


class TableRefused(Exception):
    """The whole file is refused; `problems` lists the rows when none of them was usable."""

    def __init__(self, reason: str, problems: tuple[RowProblem, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.problems = problems


def deck_title(file_name: str | None) -> str:
    """The learner's file name without its extension: what they will recognise in /decks.

    A file name is a name, not a path: "Verbs 1/2.csv" is the deck "Verbs 1/2", not "2".
    """
    name = file_name or ""
    base, dot, extension = name.rpartition(".")
    stem = base if dot and base and _EXTENSION.fullmatch(extension) else name
    stem = " ".join(stem.split())[:MAX_TITLE_CHARS]
    return stem or "My deck"


def deck_name(title: str) -> str:
    """The part of a personal deck's slug that a re-import of the same file name matches.

    The hash of the whole name keeps apart names that slugify alike: "Глаголы" and "単語" both
    slugify to "card", and "Verbs (1)" and "Verbs 1" to "verbs-1". Case and spacing still
    match, as a learner would expect of "the same file".
    """
    digest = hashlib.sha256(" ".join(title.casefold().split()).encode()).hexdigest()[:12]
    return f"{slugify(title)}-{digest}"


def card_key(question: str) -> str:
    """A stable key from the question, so re-importing an edited file keeps review history
    of every card whose question did not change (case and spacing are ignored)."""
    normal = " ".join(question.casefold().split())
    return "q-" + hashlib.sha256(normal.encode()).hexdigest()[:24]


def decode(data: bytes) -> str:
    if not data.strip():
        raise TableRefused("the file is empty")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise TableRefused("it starts like UTF-16 text but is not valid UTF-16") from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise TableRefused(
                f"line {line} is not UTF-8 text. Save it as “CSV UTF-8” (Excel) or with "
                "UTF-8 encoding (other editors) and send it again"
            ) from exc
    if "\x00" in text:
        raise TableRefused("it contains NUL characters, so it looks like a binary file")
    return text


def _cells(record: list[str]) -> list[str]:
    """Trimmed cells without the trailing empty ones spreadsheets like to add."""
    cells = [cell.strip() for cell in record]
    while cells and not cells[-1]:
        cells.pop()
    return cells


def sniff_delimiter(text: str, *, preferred: str = ",") -> str:
    """Pick the delimiter that splits the first rows most consistently into 2+ cells.

    csv.Sniffer guesses wildly on short rows of prose; consistency of the cell count is the
    signal that holds up, and the file's extension breaks ties.
    """
    sample = text[:65536]
    order = [preferred, *(d for d in DELIMITER_NAMES if d != preferred)]

    def score(delimiter: str) -> tuple[int, int]:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        try:
            rows = [n for r in itertools.islice(reader, 50) if (n := len(_cells(r)))]
        except csv.Error:
            return (0, 0)
        if len(sample) < len(text) and len(rows) > 1:
            rows.pop()  # possibly cut in half by the sample
        counts = Counter(n for n in rows if n >= 2)
        if not counts:
            return (0, 0)
        modal, consistent = counts.most_common(1)[0]
        return (consistent, -abs(modal - 2))

    return max(order, key=lambda d: (score(d), -order.index(d)))


def _header(cells: list[str]) -> dict[Column, int] | None:
    names = [HEADER_NAMES.get(cell.casefold()) for cell in cells]
    if Column.QUESTION not in names[:3] or Column.ANSWER not in names[:3]:
        return None
    columns: dict[Column, int] = {}
    for index, name in enumerate(names):
        if name is not None and name not in columns:
            columns[name] = index
    return columns


def parse_table(data: bytes, *, file_name: str | None, max_rows: int) -> TableImport:
    """Read question/answer rows; raise TableRefused when nothing can be imported."""
    if len(data) > MAX_IMPORT_BYTES:
        raise TableRefused(f"it is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB")
    text = decode(data)
    preferred = "\t" if (file_name or "").lower().endswith(".tsv") else ","
    delimiter = sniff_delimiter(text, preferred=preferred)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns: dict[Column, int] | None = None
    cards: list[CardSpec] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    rows = one_column = 0
    end = 0
    while True:
        start = end + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "end of data" in str(exc):
                raise TableRefused(f'line {start}: a quoted cell is never closed (a " is '
                                   "missing)") from exc
            raise TableRefused(f"line {reader.line_num}: broken quoting ({exc})") from exc
        end = reader.line_num
        cells = [c.replace("\r\n", "\n").replace("\r", "\n") for c in _cells(record)]
        if not cells:
            continue
        if columns is None and rows == 0 and (found := _header(cells)) is not None:
            columns = found
            continue
        rows += 1
        if rows > max_rows:
            raise TableRefused(f"it has more than {max_rows:,} rows; split it into smaller "
                               "files")
        one_column += len(record) == 1  # no delimiter at all, not just empty cells
        card = _row(cells, columns, start, delimiter, seen)
        if isinstance(card, RowProblem):
            problems.append(card)
        else:
            cards.append(card)
    if rows == 0:
        raise TableRefused("it has no rows with a question and an answer")
    if not cards:
        if one_column == rows:
            raise TableRefused("I found only one column. Separate the question and the "
                               "answer with a comma, a semicolon or a tab")
        raise TableRefused("none of its rows could be imported", tuple(problems))
    return TableImport(tuple(cards), tuple(problems), delimiter, columns is not None)


def _row(cells: list[str], columns: dict[Column, int] | None, line: int, delimiter: str,
         seen: dict[str, int]) -> CardSpec | RowProblem:
    if columns is None:
        if len(cells) > 2:
            return RowProblem(line, f"{len(cells)} columns where 2 were expected; put quotes "
                                    f"around a question or answer that contains a "
                                    f"{DELIMITER_NAMES[delimiter]}")
        columns = {Column.QUESTION: 0, Column.ANSWER: 1}

    def cell(column: Column) -> str:
        index = columns.get(column)
        return cells[index] if index is not None and index < len(cells) else ""

    question, answer = cell(Column.QUESTION), cell(Column.ANSWER)
    if not question:
        return RowProblem(line, "the question is empty")
    if not answer:
        return RowProblem(line, "the answer is empty")
    for name, value in (("question", question), ("answer", answer)):
        if len(value) > MAX_FIELD_CHARS:
            return RowProblem(line, f"the {name} is longer than {MAX_FIELD_CHARS:,} characters")
    key = card_key(question)
    if key in seen:
        return RowProblem(line, f"the same question as line {seen[key]}")
    seen[key] = line
    return CardSpec(key=key, question=question, answer=answer,
                    keys=split_groups(cell(Column.KEYS).replace("\n", " ")), line=line)
