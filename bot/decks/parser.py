"""The deck file format (see docs/deck-format.md).

A deck is a plain UTF-8 text file that reads like notes and diffs line by line::

    title: Neural Network Basics 2

    ## data-augmentation
    Q: What is data augmentation?
    A: Technique used to artificially increase the size ...
    keys: increase | enlarge ; size ; transformations
    alts: dataset = data set
    demo: augment

`## <id>` opens a card; the id is what review history hangs on, so rewording the question or
answer keeps a learner's progress. An answer runs until the next field or card; its extra lines
are kept as written, so lists stay lists.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.decks.errors import DeckError
from bot.decks.model import CardSpec, DeckSpec

_CARD = re.compile(r"^##(?!#)\s*(?P<key>.*?)\s*$")
_FIELD = re.compile(r"^(?P<name>[A-Za-z]+):(?:\s|$)(?P<value>.*)$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_CARD_FIELDS = {"q", "a", "keys", "alts", "demo"}
MAX_FIELD_CHARS = 4000


def slugify(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:64].rstrip("-") or "card"


def split_groups(raw: str) -> tuple[tuple[str, ...], ...]:
    """`a | b ; c` -> (("a", "b"), ("c",)): `;` separates concepts, `|` alternatives."""
    groups = []
    for group in raw.split(";"):
        alternatives = tuple(a.strip() for a in re.split(r"\||=", group) if a.strip())
        if alternatives:
            groups.append(alternatives)
    return tuple(groups)


class _CardDraft:
    def __init__(self, key: str, line: int) -> None:
        self.key = key
        self.line = line
        self.fields: dict[str, list[str]] = {}
        self.field_lines: dict[str, int] = {}


def parse_deck_text(text: str, path: str) -> DeckSpec:
    """Parse a deck, raising DeckError(path, line, ...) at the first problem."""
    title: str | None = None
    drafts: list[_CardDraft] = []
    current: _CardDraft | None = None
    open_field: str | None = None
    for number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.rstrip()
        if number == 1:
            line = line.lstrip("\ufeff")
        stripped = line.strip()
        if stripped.startswith("#") and not stripped.startswith("##"):
            continue  # a comment for teachers
        card_match = _CARD.match(stripped)
        if card_match:
            key = card_match["key"]
            if not _KEY.match(key):
                raise DeckError(path, number, f"card id {key!r} must be lower-case letters, "
                                "digits, '-' or '_' (e.g. '## data-augmentation')")
            current = _CardDraft(key, number)
            drafts.append(current)
            open_field = None
            continue
        field_match = _FIELD.match(stripped)
        if field_match and field_match["name"].lower() in (_CARD_FIELDS | {"title"}):
            name = field_match["name"].lower()
            value = field_match["value"].strip()
            if name == "title":
                if current is not None:
                    raise DeckError(path, number, "'title:' belongs at the top, before any card")
                title = value
                continue
            if current is None:
                raise DeckError(path, number, f"'{field_match['name']}:' outside a card; "
                                "start a card with '## card-id'")
            if name in current.fields:
                raise DeckError(path, number, f"card '{current.key}' has a second "
                                f"'{field_match['name']}:' line")
            current.fields[name] = [value] if value else []
            current.field_lines[name] = number
            open_field = name
            continue
        if current is None or open_field is None:
            if stripped:
                raise DeckError(path, number, f"unexpected text {stripped[:40]!r}; "
                                "expected 'title:', '## card-id' or a comment")
            continue
        if open_field in {"q", "a"}:
            current.fields[open_field].append(line)
        elif stripped:
            raise DeckError(path, number, f"'{open_field}:' takes one line")
    if title is None or not title.strip():
        raise DeckError(path, 1, "deck has no 'title:' line")
    return DeckSpec(slug=slugify(Path(path).stem), title=title, path=path,
                    cards=_finish(drafts, path))


def _finish(drafts: list[_CardDraft], path: str) -> tuple[CardSpec, ...]:
    cards: list[CardSpec] = []
    seen: dict[str, int] = {}
    for draft in drafts:
        if draft.key in seen:
            raise DeckError(path, draft.line, f"card id '{draft.key}' already used on line "
                            f"{seen[draft.key]}")
        seen[draft.key] = draft.line
        question = "\n".join(draft.fields.get("q", [])).strip()
        answer = "\n".join(draft.fields.get("a", [])).strip()
        if not question:
            raise DeckError(path, draft.line, f"question missing for card '{draft.key}' "
                            "(add a 'Q:' line)")
        if not answer:
            line = draft.field_lines.get("a", draft.field_lines.get("q", draft.line))
            raise DeckError(path, line, f'answer missing for question "{question[:60]}"')
        for name in ("q", "a"):
            if len("\n".join(draft.fields[name])) > MAX_FIELD_CHARS:
                raise DeckError(path, draft.field_lines[name],
                                f"'{name.upper()}:' is longer than {MAX_FIELD_CHARS} characters")
        demo = " ".join(draft.fields.get("demo", [])).strip() or None
        cards.append(CardSpec(
            key=draft.key, question=question, answer=answer,
            keys=split_groups(" ".join(draft.fields.get("keys", []))),
            alts=split_groups(" ".join(draft.fields.get("alts", []))),
            demo=demo, line=draft.line,
        ))
    if not cards:
        raise DeckError(path, 1, "deck has no cards; start one with '## card-id'")
    return tuple(cards)


def read_deck(path: Path) -> DeckSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DeckError(str(path), line, "not valid UTF-8 text") from exc
    except OSError as exc:
        raise DeckError(str(path), 0, f"cannot read the file: {exc.strerror}") from exc
    return parse_deck_text(text, str(path))
