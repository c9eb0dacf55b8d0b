"""Typed inline-button payloads with a compact codec (Telegram allows 64 bytes).

Anything that does not decode (old formats, forged data) becomes None, and the handler answers
it as an expired button instead of raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bot.demos.types import DemoKind
from bot.disputes import Claim
from bot.scheduling import Rating
from bot.telegram.text_limits import CALLBACK_DATA_BYTES

MAX_BYTES = CALLBACK_DATA_BYTES


@dataclass(frozen=True, slots=True)
class RateCard:
    prefix: ClassVar[str] = "r"
    prompt_id: int
    rating: Rating

    def encode(self) -> str:
        return f"r:{self.prompt_id}:{int(self.rating)}"


@dataclass(frozen=True, slots=True)
class StudyNow:
    prefix: ClassVar[str] = "s"

    def encode(self) -> str:
        return "s"


@dataclass(frozen=True, slots=True)
class ShowDemo:
    prefix: ClassVar[str] = "d"
    prompt_id: int

    def encode(self) -> str:
        return f"d:{self.prompt_id}"


@dataclass(frozen=True, slots=True)
class CancelDemo:
    prefix: ClassVar[str] = "c"

    def encode(self) -> str:
        return "c"


@dataclass(frozen=True, slots=True)
class OpenSetting:
    """Show the choices for one setting."""

    prefix: ClassVar[str] = "so"
    name: str

    def encode(self) -> str:
        return f"so:{self.name}"


@dataclass(frozen=True, slots=True)
class ChooseSetting:
    prefix: ClassVar[str] = "sv"
    name: str
    value: str

    def encode(self) -> str:
        return f"sv:{self.name}:{self.value}"


@dataclass(frozen=True, slots=True)
class ToggleDeck:
    """Switch a deck on or off; `page` keeps the /decks list on the page it was pressed on."""

    prefix: ClassVar[str] = "dk"
    deck_id: int
    page: int = 0

    def encode(self) -> str:
        return f"dk:{self.deck_id}:{self.page}"


@dataclass(frozen=True, slots=True)
class DeleteDeck:
    """Delete a personal deck: first press asks (`dd`), the confirmation deletes (`dx`)."""

    prefix: ClassVar[str] = "dd"
    deck_id: int
    page: int = 0
    confirmed: bool = False

    def encode(self) -> str:
        return f"{'dx' if self.confirmed else 'dd'}:{self.deck_id}:{self.page}"


@dataclass(frozen=True, slots=True)
class CardAction:
    """Suspend or bury the card of a prompt."""

    prefix: ClassVar[str] = "ca"
    prompt_id: int
    action: str

    def encode(self) -> str:
        return f"ca:{self.prompt_id}:{self.action}"


@dataclass(frozen=True, slots=True)
class RetryDemo:
    """Run a failed demo again; its arguments ride along when they fit in 64 bytes."""

    prefix: ClassVar[str] = "rt"
    kind: DemoKind
    args: tuple[str, ...] = ()

    def encode(self) -> str:
        return f"rt:{self.kind.value}:{' '.join(self.args)}"

    def fits(self) -> bool:
        return len(self.encode().encode()) <= MAX_BYTES


@dataclass(frozen=True, slots=True)
class DeckPage:
    """Show one page of the /decks list."""

    prefix: ClassVar[str] = "dp"
    page: int

    def encode(self) -> str:
        return f"dp:{self.page}"


@dataclass(frozen=True, slots=True)
class DisputeGrade:
    """The learner says the grade of their answer was wrong: "right" or "wrong" is their claim."""

    prefix: ClassVar[str] = "gd"
    prompt_id: int
    claim: Claim

    def encode(self) -> str:
        return f"gd:{self.prompt_id}:{self.claim.value[0]}"


@dataclass(frozen=True, slots=True)
class PushButton:
    """A button under a quiz push: skip its card, show the snooze choices ("later"), snooze
    (h1 / eve / tmr, bot.reminders.Snooze), or pause reminders."""

    prefix: ClassVar[str] = "pq"
    prompt_id: int
    action: str

    def encode(self) -> str:
        return f"pq:{self.prompt_id}:{self.action}"


Payload = (PushButton | RetryDemo | RateCard | StudyNow | ShowDemo | CancelDemo | OpenSetting
           | ChooseSetting | ToggleDeck | CardAction | DeckPage | DeleteDeck | DisputeGrade)
SETTING_NAMES = ("tz", "time", "new", "ret", "pause", "fit")
CARD_ACTIONS = ("suspend", "bury")
PUSH_ACTIONS = ("skip", "later", "pause", "h1", "eve", "tmr")

_RATE = re.compile(r"^r:(\d{1,18}):([1-4])$")
_DEMO = re.compile(r"^d:(\d{1,18})$")
_OPEN = re.compile(r"^so:([a-z]{1,8})$")
_CHOOSE = re.compile(r"^sv:([a-z]{1,8}):([0-9]{1,4})$")
# Buttons sent before pagination carry no page ("dk:7"): they still work, on page 0.
_DECK = re.compile(r"^dk:(\d{1,18})(?::(\d{1,4}))?$")
_DELETE = re.compile(r"^(dd|dx):(\d{1,18}):(\d{1,4})$")
_ACTION = re.compile(r"^ca:(\d{1,18}):([a-z]{1,8})$")
_PAGE = re.compile(r"^dp:(\d{1,4})$")
_DISPUTE = re.compile(r"^gd:(\d{1,18}):([rw])$")
_CLAIMS = {"r": Claim.RIGHT, "w": Claim.WRONG}
_PUSH = re.compile(r"^pq:(\d{1,18}):([a-z0-9]{1,8})$")


def decode(data: str | None) -> Payload | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    if match := _RATE.match(data):
        return RateCard(int(match[1]), Rating(int(match[2])))
    if match := _DEMO.match(data):
        return ShowDemo(int(match[1]))
    if (match := _OPEN.match(data)) and match[1] in SETTING_NAMES:
        return OpenSetting(match[1])
    if (match := _CHOOSE.match(data)) and match[1] in SETTING_NAMES:
        return ChooseSetting(match[1], match[2])
    if match := _DECK.match(data):
        return ToggleDeck(int(match[1]), int(match[2] or 0))
    if match := _DELETE.match(data):
        return DeleteDeck(int(match[2]), int(match[3]), confirmed=match[1] == "dx")
    if (match := _ACTION.match(data)) and match[2] in CARD_ACTIONS:
        return CardAction(int(match[1]), match[2])
    if match := _PAGE.match(data):
        return DeckPage(int(match[1]))
    if (match := _PUSH.match(data)) and match[2] in PUSH_ACTIONS:
        return PushButton(int(match[1]), match[2])
    if match := _DISPUTE.match(data):
        return DisputeGrade(int(match[1]), _CLAIMS[match[2]])
    if data.startswith("rt:"):
        _, name, args = [*data.split(":", 2), ""][:3]
        try:
            return RetryDemo(DemoKind(name), tuple(args.split()))
        except ValueError:
            return None
    if data == "s":
        return StudyNow()
    if data == "c":
        return CancelDemo()
    return None
