"""Typed inline-button payloads; the codec is derived from their fields, in one place.

A payload is a frozen dataclass declared with its prefix (`class RateCard(Payload,
prefix="r")`). `encode` writes the prefix and each field, ":"-separated: ints as digits,
enums by value, bools as 0/1, a trailing `tuple[str, ...]` space-joined; it refuses anything
over Telegram's 64 bytes. `decode` reads the prefix, looks the class up and converts each part
back by the field's type, so a class never writes its own packing. Anything that does not
decode (old formats, forged data, values out of range) becomes None, and the handler answers
it as an expired button instead of raising.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from enum import Enum, IntEnum, StrEnum
from typing import Annotated, Any, ClassVar

from bot.demos.types import DemoKind
from bot.disputes import Claim
from bot.scheduling import Rating
from bot.telegram.text_limits import CALLBACK_DATA_BYTES

MAX_BYTES = CALLBACK_DATA_BYTES
_INT = re.compile(r"\d{1,18}")



@dataclasses.dataclass(frozen=True)
class Digits:
    """At most this many digits for an int field (`Annotated[int, Digits(4)]`)."""

    most: int


# A /decks page: 10 decks a page, so four digits are more than any real list needs.
Page = Annotated[int, Digits(4)]
_TEXT = re.compile(r"[A-Za-z0-9_.+-]{0,32}")  # a str field: no separator, nothing exotic


class SettingName(StrEnum):
    TIME_ZONE = "tz"
    TIME = "time"
    NEW_PER_DAY = "new"
    RETENTION = "ret"
    PAUSE = "pause"
    FIT = "fit"  # opens the schedule fit; its decisions are DecideFit


class FitAction(StrEnum):
    USE = "use"
    KEEP = "keep"
    RESET = "reset"


class CardAside(StrEnum):
    BURY = "bury"
    SUSPEND = "suspend"


class Payload:
    """Base of every button payload; subclasses are frozen dataclasses that give `prefix=`
    and typed fields."""

    __slots__ = ()
    prefix: ClassVar[str] = ""
    _by_prefix: ClassVar[dict[str, type[Payload]]] = {}

    def __init_subclass__(cls, *, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # @dataclass(slots=True) builds the class again from the first one's namespace, with
        # no class keywords: that copy keeps the prefix and replaces the first in the registry.
        prefix = prefix if prefix is not None else cls.__dict__.get("prefix")
        if not prefix or ":" in prefix:
            raise TypeError(f"{cls.__name__}: a payload needs a prefix without ':'")
        taken = Payload._by_prefix.get(prefix)
        if taken is not None and taken.__qualname__ != cls.__qualname__:
            raise TypeError(f"callback prefix {prefix!r} is taken by {taken.__name__}")
        cls.prefix = prefix
        Payload._by_prefix[prefix] = cls

    def encode(self) -> str:
        parts = [self.prefix, *(_dump(getattr(self, f.name)) for f in _fields(type(self)))]
        data = ":".join(parts)
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def fits(self) -> bool:
        """Whether the payload encodes within Telegram's limit (variable-length fields)."""
        try:
            self.encode()
        except ValueError:
            return False
        return True


def _fields(cls: type[Payload]) -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(cls)  # type: ignore[arg-type]  # every subclass is a dataclass


def _dump(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return " ".join(value)
    return str(value)


def _load(kind: Any, text: str) -> object:
    """One field back from its text, or ValueError."""
    if typing.get_origin(kind) is Annotated:
        kind, *meta = typing.get_args(kind)
        for rule in meta:
            if isinstance(rule, Digits) and not re.fullmatch(rf"\d{{1,{rule.most}}}", text):
                raise ValueError(text)
    if kind is bool:
        if text not in ("0", "1"):
            raise ValueError(text)
        return text == "1"
    if kind is int:
        if not _INT.fullmatch(text):
            raise ValueError(text)
        return int(text)
    if isinstance(kind, type) and issubclass(kind, IntEnum):
        if not _INT.fullmatch(text):
            raise ValueError(text)
        return kind(int(text))
    if isinstance(kind, type) and issubclass(kind, Enum):
        return kind(text)
    if typing.get_origin(kind) is tuple:
        return tuple(text.split())
    if kind is str and _TEXT.fullmatch(text):
        return text
    raise ValueError(text)


def decode(data: str | None) -> Payload | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    if (legacy := _legacy(data)) is not None:
        return legacy
    prefix, colon, rest = data.partition(":")
    cls = Payload._by_prefix.get(prefix)
    if cls is None:
        return None
    fields = _fields(cls)
    if not fields:
        return None if colon else cls()
    hints = typing.get_type_hints(cls, include_extras=True)
    # The last field takes the rest, so a space-joined tuple may hold anything but nothing.
    parts = rest.split(":", len(fields) - 1) if colon else []
    values: dict[str, object] = {}
    for field, text in zip(fields, parts, strict=False):
        try:
            values[field.name] = _load(hints[field.name], text)
        except (ValueError, KeyError):
            return None
    missing = fields[len(parts):]
    if any(f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
           for f in missing):
        return None
    return cls(**values)


def _legacy(data: str) -> Payload | None:
    """Buttons already in chats from before a format changed keep working."""
    if match := re.fullmatch(r"sv:fit:([012])(\d{3})?", data):
        action = {"1": FitAction.USE, "0": FitAction.KEEP, "2": FitAction.RESET}[match[1]]
        return DecideFit(action, match[2] or "")
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class RateCard(Payload, prefix="r"):
    prompt_id: int
    rating: Rating


@dataclasses.dataclass(frozen=True, slots=True)
class StudyNow(Payload, prefix="s"):
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class ShowDemo(Payload, prefix="d"):
    prompt_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class CancelDemo(Payload, prefix="c"):
    pass


@dataclasses.dataclass(frozen=True, slots=True)
class OpenSetting(Payload, prefix="so"):
    """Show the choices for one setting."""

    name: SettingName


@dataclasses.dataclass(frozen=True, slots=True)
class ChooseSetting(Payload, prefix="sv"):
    """A value picked from a setting's buttons (digits: "0700", "15", "90", "1")."""

    name: SettingName
    value: str


@dataclasses.dataclass(frozen=True, slots=True)
class DecideFit(Payload, prefix="fd"):
    """Use or keep a proposed fit (its 3-digit tag), or reset to the defaults (no tag)."""

    action: FitAction
    tag: str = ""


@dataclasses.dataclass(frozen=True, slots=True)
class ToggleDeck(Payload, prefix="dk"):
    """Switch a deck on or off; `page` keeps the /decks list on the page it was pressed on."""

    deck_id: int
    page: Page = 0  # buttons sent before pagination carry none ("dk:7"): page 0


@dataclasses.dataclass(frozen=True, slots=True)
class DeleteDeck(Payload, prefix="dd"):
    """Ask before deleting a personal deck."""

    deck_id: int
    page: Page = 0


@dataclasses.dataclass(frozen=True, slots=True)
class ConfirmDeleteDeck(Payload, prefix="dx"):
    """The confirmation: delete it."""

    deck_id: int
    page: Page = 0


@dataclasses.dataclass(frozen=True, slots=True)
class CardAction(Payload, prefix="ca"):
    """Suspend or bury the card of a prompt."""

    prompt_id: int
    action: CardAside


@dataclasses.dataclass(frozen=True, slots=True)
class RetryDemo(Payload, prefix="rt"):
    """Run a failed demo again; its arguments ride along when they fit in 64 bytes."""

    kind: DemoKind
    args: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class DeckPage(Payload, prefix="dp"):
    """Show one page of the /decks list."""

    page: Page


@dataclasses.dataclass(frozen=True, slots=True)
class DisputeGrade(Payload, prefix="gd"):
    """The learner says the grade of their answer was wrong: "right" or "wrong" is their claim."""

    prompt_id: int
    claim: Claim


# --- Classes (bot.classes) ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class ShareDeck(Payload, prefix="sh"):
    """Show (drawing if need be) the join link of one's own personal deck."""

    deck_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class RevokeLink(Payload, prefix="rv"):
    """Stop new joins by the deck's link."""

    deck_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class JoinClass(Payload, prefix="jc"):
    """Join the deck a link opened. The code itself rides along, not the deck id, so a forged
    button gets in no further than a guessed link would."""

    code: str


@dataclasses.dataclass(frozen=True, slots=True)
class LeaveClass(Payload, prefix="lc"):
    """Ask before leaving a class (from /decks)."""

    deck_id: int
    page: Page = 0


@dataclasses.dataclass(frozen=True, slots=True)
class ConfirmLeaveClass(Payload, prefix="lx"):
    """The confirmation: leave it, with the learner's history on the deck."""

    deck_id: int
    page: Page = 0


@dataclasses.dataclass(frozen=True, slots=True)
class ShowClass(Payload, prefix="cv"):
    """The owner's /class view of one shared deck."""

    deck_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class ListMembers(Payload, prefix="cm"):
    """The members of the owner's class, one button each, to pick whom to remove."""

    deck_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class RemoveMember(Payload, prefix="cr"):
    """Ask before removing this learner from the class."""

    deck_id: int
    learner_id: int


@dataclasses.dataclass(frozen=True, slots=True)
class ConfirmRemoveMember(Payload, prefix="cx"):
    """The confirmation: remove them, with their history on the deck."""

    deck_id: int
    learner_id: int


class PushAction(StrEnum):
    """What a button under a quiz push does; h1 / eve / tmr are bot.pushes.rules.Snooze."""

    SKIP = "skip"
    LATER = "later"  # shows the snooze choices
    PAUSE = "pause"
    HOUR = "h1"
    EVENING = "eve"
    TOMORROW = "tmr"


@dataclasses.dataclass(frozen=True, slots=True)
class PushButton(Payload, prefix="pq"):
    """A button under a quiz push, naming the prompt it asked (0 under a check-in)."""

    prompt_id: int
    action: PushAction
