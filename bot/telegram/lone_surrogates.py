"""Lone surrogates in what Telegram delivers become U+FFFD before any handler sees them.

JSON may escape half of a UTF-16 surrogate pair on its own (``"\\ud83d"``); Python decodes that
into a ``str`` that no UTF-8 encoder accepts, so a learner's answer, a file name or a time zone
typed that way failed wherever the text was stored or sent (UnicodeEncodeError, then "Sorry,
something went wrong"). Replacing them where updates are decoded, for polling and for the
webhook alike, makes every later step see ordinary text.
"""

from __future__ import annotations

import re
from typing import Any

_LONE = re.compile("[\ud800-\udfff]")
# Raw UTF-8 cannot carry a lone surrogate (PTB decodes bytes with errors="replace"); only a
# \u escape can, so payloads without one are left untouched at no cost.
_ESCAPES = (b"\\ud", b"\\uD")


def might_hold_one(payload: bytes) -> bool:
    return any(marker in payload for marker in _ESCAPES)


def scrub(value: Any) -> Any:
    """``value`` (decoded JSON) with every lone surrogate in its strings replaced."""
    if isinstance(value, str):
        return _LONE.sub("\ufffd", value) if _LONE.search(value) else value
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value
