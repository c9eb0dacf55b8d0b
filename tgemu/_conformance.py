"""Every bot call checked against the official Bot API specification before it is served.

Real Telegram refuses a call that breaks its rules (a 4,097-character text, 65 bytes of
callback data, an unclosed ``<b>``), and the learner then gets nothing. The emulator checks
each call against `botapi_spec/api.json` (see `_spec.py`): the method and its parameters,
required fields, the types of every value down to nested objects (a reply_markup must be an
InlineKeyboardMarkup, ReplyKeyboardMarkup, ReplyKeyboardRemove or ForceReply, with buttons of
the right shape), the limits the specification states (text length counted after entity
parsing in UTF-16 code units, bytes of callback data, command names...) and the HTML or
Markdown of formatted text, parsed as Telegram parses it.

A call Telegram would refuse gets Telegram's answer (400 and its wording); everything found is
also recorded, so a test fails on a call that Telegram would have quietly mangled or ignored.
The check walks only what the call carries, with rules compiled once: a few microseconds for
a typical message, so the playground and the benchmarks keep it on.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._formatting import parse_formatted, utf16_len
from ._models import ApiError, JsonDict, Violation
from ._spec import SCALARS, FieldRule, ObjectRule, Spec, TypeRef, Unit, load_spec


class Kind(enum.Enum):
    UNKNOWN_METHOD = "unknown method"
    UNKNOWN_FIELD = "unknown field"
    MISSING = "missing"
    TYPE = "type"
    ENCODING = "encoding"
    LENGTH = "length"
    RANGE = "range"
    ITEMS = "items"
    CHARSET = "charset"
    CHOICE = "choice"
    BUTTON_KIND = "button kind"
    ENTITIES = "entities"


# Telegram lets these through (an unknown parameter is ignored, an out-of-range limit is
# clamped); the bot is still wrong to send them, so they are recorded, not refused.
_TOLERATED = frozenset({Kind.UNKNOWN_FIELD, Kind.RANGE})


@dataclass(slots=True)
class Problem:
    kind: Kind
    path: tuple[str | int, ...]
    detail: str
    owner: str  # the method or object type that declares the field
    error: str | None = None  # Telegram's own answer where the parser already knows it


@dataclass(slots=True)
class CheckResult:
    violations: list[Violation] = field(default_factory=list)
    # Top-level formatted fields already parsed here: (plain text, entities), so the method
    # that stores the message need not parse them again.
    parsed: dict[str, tuple[str, list[JsonDict]]] = field(default_factory=dict)

    @property
    def refusal(self) -> ApiError | None:
        """Telegram's answer to the first problem Telegram refuses, if any."""
        for v in self.violations:
            if v.error is not None:
                code = 404 if v.error == "Not Found" else 400
                return ApiError(code, v.error)
        return None


def _path_text(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _has_surrogate(text: str) -> bool:
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class Checker:
    """Checks one call's parameters against the compiled specification."""

    def __init__(self, spec: Spec | None = None) -> None:
        self.spec = spec or load_spec()

    # -- entry -----------------------------------------------------------------------------

    def check(self, method: str, values: Mapping[str, Any], files: Mapping[str, Any]
              ) -> CheckResult:
        result = CheckResult()
        rule = self.spec.methods.get(method.lower())
        if rule is None:
            result.violations.append(Violation(
                method, "", f"no method {method!r} in {self.spec.version}", "Not Found"))
            return result
        problems: list[Problem] = []
        decoded: dict[str, Any] = {}
        for name, value in values.items():
            if name not in rule.fields:
                problems.append(Problem(Kind.UNKNOWN_FIELD, (name,),
                                        f"{rule.name} has no parameter {name!r}", rule.name))
                continue
            decoded[name] = self._decode_top(value, rule.fields[name])
        for name in rule.required:
            if name not in decoded and name not in files:
                problems.append(Problem(Kind.MISSING, (name,), "required parameter is missing",
                                        rule.name))
        for name, value in decoded.items():
            frule = rule.fields[name]
            problems.extend(self._value(value, frule, (name,), rule.name, top=True))
            if frule.parse_mode_field is not None and isinstance(value, str):
                problems.extend(self._formatted(value, frule, decoded, (name,), rule.name,
                                                result.parsed))
        result.violations = [self._violation(rule.name, p) for p in problems]
        return result

    @staticmethod
    def _decode_top(value: Any, rule: FieldRule) -> Any:
        """Form bodies carry objects and arrays as JSON text; undo that where a field wants one."""
        if isinstance(value, str) and any(t.arrays or t.name not in SCALARS for t in rule.types):
            stripped = value.lstrip()
            if stripped[:1] in ("{", "["):
                try:
                    return json.loads(value)
                except ValueError:
                    return value
        return value

    # -- values ----------------------------------------------------------------------------

    def _value(self, value: Any, rule: FieldRule, path: tuple[str | int, ...], owner: str,
               *, top: bool = False) -> list[Problem]:
        best: list[Problem] | None = None
        for ref in rule.types:
            found = self._typed(value, ref, rule, path, owner, top)
            if found is None:
                continue  # not this shape at all
            if not found:
                return []
            if best is None or len(found) < len(best):
                best = found
        if best is not None:
            return best
        wanted = " or ".join(str(t) for t in rule.types)
        return [Problem(Kind.TYPE, path, f"must be of type {wanted}, got {_json_kind(value)}",
                        owner)]

    def _typed(self, value: Any, ref: TypeRef, rule: FieldRule, path: tuple[str | int, ...],
               owner: str, top: bool) -> list[Problem] | None:
        """Problems of ``value`` read as ``ref``, or None when it is not that type at all."""
        if ref.arrays:
            if not isinstance(value, list):
                return None
            problems: list[Problem] = []
            if ref.arrays == 1 and rule.items is not None:
                low, high = rule.items
                if not low <= len(value) <= high:
                    problems.append(Problem(Kind.ITEMS, path,
                                            f"must hold {low}-{high} items, holds {len(value)}",
                                            owner))
            inner = TypeRef(ref.name, ref.arrays - 1)
            for i, item in enumerate(value):
                sub = self._typed(item, inner, rule, (*path, i), owner, False)
                if sub is None:
                    problems.append(Problem(Kind.TYPE, (*path, i),
                                            f"must be of type {inner}, got {_json_kind(item)}",
                                            owner))
                else:
                    problems.extend(sub)
            return problems
        name = ref.name
        if name == "String":
            if isinstance(value, str):
                return self._string(value, rule, path, owner)
            if top and isinstance(value, int | float) and not isinstance(value, bool):
                return self._string(str(value), rule, path, owner)
            return None
        if name == "Integer":
            number = _as_int(value, top)
            if number is None:
                return None
            return self._range(number, rule, path, owner)
        if name == "Float":
            if isinstance(value, int | float) and not isinstance(value, bool):
                return self._range(value, rule, path, owner)
            if top and isinstance(value, str):
                try:
                    return self._range(float(value), rule, path, owner)
                except ValueError:
                    return None
            return None
        if name == "Boolean":
            if isinstance(value, bool) or (top and value in ("true", "false", "True", "False",
                                                             "1", "0", 0, 1)):
                return []
            return None
        if name == "InputFile":
            return [] if top and isinstance(value, str) and value.startswith("attach://") \
                else None
        if not isinstance(value, dict):
            return None
        return self._object(value, name, path)

    def _string(self, value: str, rule: FieldRule, path: tuple[str | int, ...], owner: str
                ) -> list[Problem]:
        problems: list[Problem] = []
        if _has_surrogate(value):
            problems.append(Problem(Kind.ENCODING, path, "holds a lone surrogate code unit, "
                                    "which UTF-8 cannot encode", owner))
            return problems
        if rule.one_of is not None and value not in rule.one_of:
            problems.append(Problem(Kind.CHOICE, path, f"must be one of {sorted(rule.one_of)}, "
                                    f"got {value!r}", owner))
        if rule.charset is not None and rule.charset.fullmatch(value) is None:
            problems.append(Problem(Kind.CHARSET, path,
                                    f"may contain only {rule.charset_text}: {value!r}", owner))
        if rule.length is not None and rule.parse_mode_field is None:
            problems.extend(_length(value, rule, path, owner))
        return problems

    @staticmethod
    def _range(number: float, rule: FieldRule, path: tuple[str | int, ...], owner: str
               ) -> list[Problem]:
        if rule.int_range is not None and not rule.int_range[0] <= number <= rule.int_range[1]:
            low, high = rule.int_range
            return [Problem(Kind.RANGE, path, f"must be {low}-{high}, got {number}", owner)]
        return []

    def _object(self, value: JsonDict, type_name: str, path: tuple[str | int, ...]
                ) -> list[Problem]:
        rule = self.spec.types.get(type_name)
        if rule is None:
            return [Problem(Kind.TYPE, path, f"unknown type {type_name}", type_name)]
        if rule.subtypes:
            chosen = self._subtype(value, rule)
            if chosen is None:
                kinds = sorted(k for s in rule.subtypes
                               for k in (self._discriminators(self.spec.types[s]) or ()))
                return [Problem(Kind.CHOICE, (*path, "type"),
                                f"{type_name} needs a type of {kinds}, got "
                                f"{value.get('type')!r}", type_name)]
            rule = chosen
        problems: list[Problem] = []
        for key, item in value.items():
            frule = rule.fields.get(key)
            if frule is None:
                problems.append(Problem(Kind.UNKNOWN_FIELD, (*path, key),
                                        f"{rule.name} has no field {key!r}", rule.name))
                continue
            problems.extend(self._value(item, frule, (*path, key), rule.name))
            if frule.parse_mode_field is not None and isinstance(item, str):
                problems.extend(self._formatted(item, frule, value, (*path, key), rule.name,
                                                None))
        for key in rule.required:
            if key not in value:
                problems.append(Problem(Kind.MISSING, (*path, key),
                                        f"{rule.name} needs field {key!r}", rule.name))
        if rule.exactly_one_besides is not None:
            kinds = [k for k in value if k not in rule.exactly_one_besides and k in rule.fields]
            if len(kinds) != 1:
                problems.append(Problem(Kind.BUTTON_KIND, path,
                                        f"{rule.name} must use exactly one of its kind fields, "
                                        f"uses {kinds or 'none'}", rule.name))
        return problems

    def _subtype(self, value: JsonDict, rule: ObjectRule) -> ObjectRule | None:
        kind = value.get("type")
        for name in rule.subtypes:
            sub = self.spec.types[name]
            choices = self._discriminators(sub)
            if choices is not None and kind in choices:
                return sub
        return None

    @staticmethod
    def _discriminators(rule: ObjectRule) -> frozenset[str] | None:
        kind = rule.fields.get("type")
        return kind.one_of if kind is not None else None

    def _formatted(self, text: str, rule: FieldRule, siblings: Mapping[str, Any],
                   path: tuple[str | int, ...], owner: str,
                   parsed: dict[str, tuple[str, list[JsonDict]]] | None) -> list[Problem]:
        """Parse formatted text as Telegram would, then count what is left."""
        if _has_surrogate(text):
            return []  # reported by _string
        assert rule.parse_mode_field is not None
        mode = siblings.get(rule.parse_mode_field)
        entities = siblings.get(rule.entities_field) if rule.entities_field else None
        if isinstance(entities, str):
            try:
                entities = json.loads(entities)
            except ValueError:
                entities = None
        try:
            plain, found = parse_formatted(text, mode if isinstance(mode, str) else None,
                                           entities if isinstance(entities, list) else None)
        except ApiError as err:
            return [Problem(Kind.ENTITIES, path, err.description.removeprefix("Bad Request: "),
                            owner, err.description)]
        if parsed is not None and len(path) == 1:
            parsed[str(path[0])] = (plain, found)
        return _length(plain, rule, path, owner, after_parsing=True)

    # -- Telegram's words ------------------------------------------------------------------

    def _violation(self, method: str, p: Problem) -> Violation:
        where = _path_text(p.path)
        refused = p.kind not in _TOLERATED
        error = (p.error or _telegram_error(p)) if refused else None
        return Violation(method, where, p.detail, error)


def _length(text: str, rule: FieldRule, path: tuple[str | int, ...], owner: str,
            *, after_parsing: bool = False) -> list[Problem]:
    assert rule.length is not None
    low, high, unit = rule.length.low, rule.length.high, rule.length.unit
    size = len(text.encode("utf-8")) if unit is Unit.BYTES else utf16_len(text)
    if low <= size <= high:
        return []
    counted = unit.value + (" after entity parsing" if after_parsing else "")
    if unit is Unit.CHARACTERS:
        counted = "UTF-16 code units" + (" after entity parsing" if after_parsing else "")
    return [Problem(Kind.LENGTH, path, f"must be {low}-{high} {counted}, is {size}", owner)]


def _as_int(value: Any, top: bool) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if top and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "Array"
    return "Object"


# Telegram's answers, as its servers word them, for the problems bots run into; the rest get
# a plain "Bad Request: <what is wrong>".
def _telegram_error(p: Problem) -> str:
    field_name = str(next((x for x in reversed(p.path) if isinstance(x, str)), ""))
    top = str(p.path[0]) if p.path else ""
    if p.kind is Kind.ENCODING:
        return "Bad Request: strings must be encoded in UTF-8"
    if p.kind is Kind.LENGTH:
        if p.owner == "InlineKeyboardButton" and field_name == "callback_data":
            return "Bad Request: BUTTON_DATA_INVALID"
        if p.owner == "BotCommand":
            return ("Bad Request: BOT_COMMAND_DESCRIPTION_INVALID" if field_name == "description"
                    else "Bad Request: BOT_COMMAND_INVALID")
        if p.owner == "answerCallbackQuery":
            return "Bad Request: MESSAGE_TOO_LONG"
        if field_name in ("text", "message_text"):
            return ("Bad Request: message text is empty" if " is 0" in p.detail
                    else "Bad Request: message is too long")
        if field_name == "caption":
            return "Bad Request: message caption is too long"
        return f"Bad Request: {field_name} {p.detail}"
    if p.kind is Kind.CHARSET and p.owner == "BotCommand":
        return "Bad Request: BOT_COMMAND_INVALID"
    if p.kind is Kind.MISSING:
        if len(p.path) == 1:
            return ("Bad Request: message text is empty" if top == "text"
                    else f"Bad Request: {top} is empty")
        return f"Bad Request: can't parse {top}: {p.detail}"
    if top == "reply_markup":
        if len(p.path) == 1:
            return "Bad Request: can't parse reply keyboard markup JSON object"
        if p.owner == "InlineKeyboardButton" or "inline_keyboard" in p.path:
            if p.kind is Kind.BUTTON_KIND:
                return ("Bad Request: can't parse inline keyboard button: Text buttons are "
                        "unallowed in the inline keyboard")
            return (f"Bad Request: can't parse inline keyboard button: Field \"{field_name}\" "
                    f"{p.detail}")
        return f"Bad Request: can't parse reply keyboard markup JSON object: {p.detail}"
    if p.kind is Kind.TYPE and len(p.path) == 1:
        return f"Bad Request: invalid {top} specified"
    if len(p.path) > 1:
        return f"Bad Request: can't parse {top} JSON object: Field \"{field_name}\" {p.detail}"
    return f"Bad Request: {top} {p.detail}"
