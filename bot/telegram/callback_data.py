"""Typed inline-button payloads with a compact codec (Telegram allows 64 bytes).

Anything that does not decode (old formats, forged data) becomes None, and the handler answers
it as an expired button instead of raising.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from bot.scheduling import Rating

MAX_BYTES = 64


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


Payload = RateCard | StudyNow | ShowDemo | CancelDemo

_RATE = re.compile(r"^r:(\d{1,18}):([1-4])$")
_DEMO = re.compile(r"^d:(\d{1,18})$")


def decode(data: str | None) -> Payload | None:
    if not data or len(data.encode()) > MAX_BYTES:
        return None
    if match := _RATE.match(data):
        return RateCard(int(match[1]), Rating(int(match[2])))
    if match := _DEMO.match(data):
        return ShowDemo(int(match[1]))
    if data == "s":
        return StudyNow()
    if data == "c":
        return CancelDemo()
    return None
