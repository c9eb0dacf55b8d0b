"""The official Bot API specification, compiled once into rules the conformance check applies.

`botapi_spec/api.json` (Bot API 10.1, see `botapi_spec/SOURCE.md`) lists every method and type
with its fields, their types and whether they are required. The limits live in the prose of
each field ("1-4096 characters after entities parsing", "1-64 bytes", "Values between 1-100
are accepted", "Can contain only lowercase English letters, digits and underscores", "must be
photo"); they are read out of it here with a few patterns, so a newer copy of the
specification brings its own limits with it instead of a hand-kept table going stale.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).with_name("botapi_spec") / "api.json"

SCALARS = frozenset({"Integer", "Float", "String", "Boolean", "InputFile"})


class Unit(enum.Enum):
    """How the specification counts a length: "characters" are UTF-16 code units, as in every
    offset of the Bot API; "bytes" are UTF-8 bytes."""

    CHARACTERS = "characters"
    BYTES = "bytes"


@dataclass(frozen=True, slots=True)
class Length:
    low: int
    high: int
    unit: Unit


@dataclass(frozen=True, slots=True)
class TypeRef:
    """One accepted type of a field: a scalar or object type name, inside `arrays` Arrays."""

    name: str
    arrays: int = 0

    def __str__(self) -> str:
        return "Array of " * self.arrays + self.name


@dataclass(frozen=True, slots=True)
class FieldRule:
    name: str
    types: tuple[TypeRef, ...]
    required: bool
    length: Length | None = None
    int_range: tuple[int, int] | None = None
    items: tuple[int, int] | None = None
    charset: re.Pattern[str] | None = None
    charset_text: str = ""
    one_of: frozenset[str] | None = None
    # For text that Telegram parses (text, caption, question...): the sibling fields naming
    # its parse mode and its explicit entities. Its length counts after parsing.
    parse_mode_field: str | None = None
    entities_field: str | None = None


@dataclass(frozen=True, slots=True)
class ObjectRule:
    """A method's parameters or an object type's fields."""

    name: str
    fields: dict[str, FieldRule]
    subtypes: tuple[str, ...] = ()
    # "Exactly one of the fields other than text, ... must be used" (InlineKeyboardButton).
    exactly_one_besides: frozenset[str] | None = None
    required: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Spec:
    version: str
    methods: dict[str, ObjectRule]  # keyed by lower-case name: Telegram ignores the case
    types: dict[str, ObjectRule]


_LENGTH = re.compile(r"(\d+)-(\d+) (characters|bytes)", re.IGNORECASE)
_INT_RANGE = re.compile(r"(?:Values between |[;,] )(\d+)-(\d+)(?=$|[.,]| are accepted)")
_ITEMS = re.compile(r"(?:list of|include) (\d+)-(\d+) ")
_MUST_BE = re.compile(r"\bmust be ([a-z_]+)$")
_ONE_OF = re.compile(r"Must be one of ((?:\"[^\"]+\"(?: \([^)]*\))?(?:, | or )?)+)")
_QUOTED = re.compile(r"\"([^\"]+)\"")
_EXACTLY_ONE = re.compile(r"Exactly one of the fields other than ([^.]+?) must be used")
_CHARSETS = (
    (re.compile(r"Can contain only lowercase English letters, digits and underscores"),
     re.compile(r"[a-z0-9_]*"), "lowercase English letters, digits and underscores"),
    (re.compile(r"Only characters A-Z, a-z, 0-9, _ and - are allowed"),
     re.compile(r"[A-Za-z0-9_-]*"), "A-Z, a-z, 0-9, _ and -"),
)
_FORMATTED_NAMES = ("text", "caption", "message_text")


def _type_ref(text: str) -> TypeRef:
    arrays = 0
    while text.startswith("Array of "):
        text, arrays = text[len("Array of "):], arrays + 1
    return TypeRef(text, arrays)


def _field(raw: dict[str, Any], siblings: set[str]) -> FieldRule:
    name: str = raw["name"]
    desc: str = raw.get("description", "")
    types = tuple(_type_ref(t) for t in raw["types"])
    scalar = {t.name for t in types if t.arrays == 0}
    length = int_range = items = None
    if "String" in scalar and (m := _LENGTH.search(desc)):
        length = Length(int(m[1]), int(m[2]), Unit(m[3].lower()))
    if scalar & {"Integer", "Float"} and (m := _INT_RANGE.search(desc)):
        int_range = (int(m[1]), int(m[2]))
    if any(t.arrays for t in types) and (m := _ITEMS.search(desc)):
        items = (int(m[1]), int(m[2]))
    charset, charset_text = None, ""
    for marker, pattern, text in _CHARSETS:
        if marker.search(desc):
            charset, charset_text = pattern, text
    one_of: frozenset[str] | None = None
    if name == "type" and (m := _MUST_BE.search(desc.rstrip("."))):
        one_of = frozenset({m[1]})
    elif m := _ONE_OF.search(desc):
        one_of = frozenset(_QUOTED.findall(m[1]))
    parse_mode_field = entities_field = None
    if "String" in scalar:
        if f"{name}_parse_mode" in siblings:
            parse_mode_field = f"{name}_parse_mode"
        elif name in _FORMATTED_NAMES and "parse_mode" in siblings:
            parse_mode_field = "parse_mode"
        if parse_mode_field is not None:
            for candidate in (f"{name}_entities", "entities", "caption_entities"):
                if candidate in siblings:
                    entities_field = candidate
                    break
    return FieldRule(name, types, bool(raw.get("required")), length, int_range, items,
                     charset, charset_text, one_of, parse_mode_field, entities_field)


def _object(raw: dict[str, Any]) -> ObjectRule:
    fields_raw = raw.get("fields", [])
    siblings = {f["name"] for f in fields_raw}
    fields = {f["name"]: _field(f, siblings) for f in fields_raw}
    exactly: frozenset[str] | None = None
    description = " ".join(raw.get("description", []))
    if m := _EXACTLY_ONE.search(description):
        exactly = frozenset(re.split(r",\s*(?:and\s+)?|\s+and\s+", m[1].strip()))
    required = tuple(name for name, rule in fields.items() if rule.required)
    return ObjectRule(raw["name"], fields, tuple(raw.get("subtypes", ())), exactly, required)


def compile_spec(data: dict[str, Any]) -> Spec:
    methods = {name.lower(): _object(m) for name, m in data["methods"].items()}
    types = {name: _object(t) for name, t in data["types"].items()}
    return Spec(str(data.get("version", "")), methods, types)


@functools.cache
def load_spec() -> Spec:
    """The specification shipped with the emulator, compiled on first use (tens of ms)."""
    with SPEC_PATH.open(encoding="utf-8") as fh:
        return compile_spec(json.load(fh))
