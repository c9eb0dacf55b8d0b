"""Anki notes into cards: front and back of basic notes, the rest counted as left out.

Both Anki readers (the "Notes in Plain Text" export and .apkg packages) end here, so a note
is judged the same whichever way it came: cloze notes and media are skipped and counted,
because a typed-answer card can ask neither, and a bad note is reported by its line or note
number while the good ones are still imported, as for CSV.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.decks.anki_html import FieldText, html_field, plain_field
from bot.decks.model import CardSpec
from bot.decks.parser import MAX_FIELD_CHARS
from bot.decks.table_import import RowProblem, RowUnit, TableRefused, card_key

# A field this long in HTML cannot come down to MAX_FIELD_CHARS of text a card would keep,
# and parsing it would only cost time.
MAX_RAW_FIELD_CHARS = 25 * MAX_FIELD_CHARS
CLOZE_MARK = re.compile(r"\{\{c\d+::")


@dataclass(frozen=True, slots=True)
class AnkiNote:
    """One note as a reader found it: its first two fields, still as Anki stored them."""

    number: int
    front: str
    back: str
    cloze: bool
    html: bool


@dataclass(frozen=True, slots=True)
class Skipped:
    """What the deck had that cards here cannot ask, told to the learner as counts."""

    cloze_notes: int = 0
    pictures: int = 0
    sounds: int = 0

    def __bool__(self) -> bool:
        return bool(self.cloze_notes or self.pictures or self.sounds)


@dataclass(frozen=True, slots=True)
class AnkiImport:
    cards: tuple[CardSpec, ...]
    problems: tuple[RowProblem, ...]
    skipped: Skipped


def _field(raw: str, html: bool) -> FieldText:
    if len(raw) > MAX_RAW_FIELD_CHARS:
        return FieldText(raw[: MAX_FIELD_CHARS + 1])  # too long whatever its markup
    return html_field(raw) if html else plain_field(raw)


def _side_problem(side: str, field: FieldText) -> str | None:
    if len(field.text) > MAX_FIELD_CHARS:
        return f"the {side} is longer than {MAX_FIELD_CHARS:,} characters"
    if field.text:
        return None
    if field.pictures:
        return f"the {side} is only a picture"
    if field.sounds:
        return f"the {side} is only a sound"
    return f"the {side} is empty"


def notes_to_import(notes: Iterable[AnkiNote], *, unit: RowUnit, max_rows: int) -> AnkiImport:
    """Cards from the basic notes; raise TableRefused when not one note makes a card."""
    cards: list[CardSpec] = []
    problems: list[RowProblem] = []
    seen: dict[str, int] = {}
    count = cloze = pictures = sounds = 0
    for note in notes:
        count += 1
        if count > max_rows:
            raise TableRefused(f"it has more than {max_rows:,} notes; export a smaller deck")
        if note.cloze:
            cloze += 1
            continue
        front, back = _field(note.front, note.html), _field(note.back, note.html)
        pictures += front.pictures + back.pictures
        sounds += front.sounds + back.sounds
        reason = _side_problem("question", front) or _side_problem("answer", back)
        key = card_key(front.text)
        if reason is None and key in seen:
            reason = f"the same question as {unit.value} {seen[key]}"
        if reason is not None:
            problems.append(RowProblem(note.number, reason, unit))
            continue
        seen[key] = note.number
        cards.append(CardSpec(key=key, question=front.text, answer=back.text, line=note.number))
    if not cards:
        if count == 0:
            raise TableRefused("it has no notes")
        if cloze == count:
            raise TableRefused("it has only cloze notes, and I can only ask questions with a "
                               "front and a back")
        raise TableRefused("none of its notes could be imported", tuple(problems))
    return AnkiImport(tuple(cards), tuple(problems), Skipped(cloze, pictures, sounds))
