"""Telegram's limits on what the bot sends, and the one way the bot keeps within them.

Telegram counts a message's length *after* entity parsing, in UTF-16 code units: ``<b>`` costs
nothing, ``&lt;`` costs one, an emoji outside the Basic Multilingual Plane costs two. A text
cut by its HTML source is both wrong twice over: too short for plain text, and, where the cut
falls after an opening tag, refused outright ("can't parse entities"), so the learner gets
nothing. `clip` therefore cuts the visible text, never the markup, and closes every tag that
is still open where it cut.

The markup read here is the bot's own (`render` writes it, `html.escape` escapes every value
in it), so a small tokenizer is enough: tags, the character references ``escape`` writes, and
text.
"""

from __future__ import annotations

import re
from html import unescape

# The Bot API's limits ("1-4096 characters after entities parsing", "0-1024 characters",
# "1-64 bytes", "0-200 characters"...). The emulator reads the same numbers from the
# specification itself, so a change there fails the tests rather than going unnoticed.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_BYTES = 64

ELLIPSIS = "…"
# How far back from the cut a line break or space is worth looking for, in code units: a
# cut between words reads better, but not at the price of losing a paragraph.
_WORD_BACKTRACK = 80
_TOKEN = re.compile(r"<(/?)([A-Za-z][\w-]*)[^>]*>|&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]+);")


def units(text: str) -> int:
    """Length in UTF-16 code units, as Telegram counts it."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def visible_text(html: str) -> str:
    """The text a learner sees for ``html``: tags dropped, character references decoded."""
    return unescape(re.sub(r"<[^>]*>", "", html))


def visible_units(html: str) -> int:
    return units(visible_text(html))


def shorten(text: str, limit: int) -> str:
    """Plain ``text`` within ``limit`` code units, ending in "…" (between words if it can)."""
    if units(text) <= limit:
        return text
    if limit <= 0:
        return ""
    cut = _fit_prefix(text, limit - 1)
    return _word_cut(text[:cut]) + ELLIPSIS


def clip(html: str, limit: int = TEXT_LIMIT) -> str:
    """``html`` within ``limit`` visible code units: the text is cut, the markup kept whole.

    A cut ends in "…" inside the innermost open tag, and every open tag is then closed, so
    Telegram parses the result exactly as it parses the bot's other messages.
    """
    if 2 * len(html) <= limit or visible_units(html) <= limit:
        return html  # the first test is cheap: no text has more units than twice its length
    budget = limit - 1  # room for the ellipsis
    out: list[str] = []
    open_tags: list[str] = []
    used = 0
    pos = 0
    for match in _TOKEN.finditer(html):
        text = html[pos : match.start()]
        if text:
            fitted, used, full = _take(text, budget, used)
            out.append(fitted)
            if not full:
                return _finish(out, open_tags)
        token = match.group(0)
        if match.group(2):  # a tag
            name = match.group(2).lower()
            if match.group(1):
                if open_tags and open_tags[-1] == name:
                    open_tags.pop()
            else:
                open_tags.append(name)
            out.append(token)
        else:  # a character reference: one character, or two units outside the BMP
            cost = units(unescape(token))
            if used + cost > budget:
                return _finish(out, open_tags)
            used += cost
            out.append(token)
        pos = match.end()
    fitted, used, _ = _take(html[pos:], budget, used)
    out.append(fitted)
    return _finish(out, open_tags)


def _take(text: str, budget: int, used: int) -> tuple[str, int, bool]:
    """As much of ``text`` as fits in what is left of ``budget``; True if all of it did."""
    need = units(text)
    if used + need <= budget:
        return text, used + need, True
    cut = _fit_prefix(text, budget - used)
    return _word_cut(text[:cut]), budget, False


def _fit_prefix(text: str, room: int) -> int:
    """The longest prefix of ``text`` within ``room`` code units (never half a pair)."""
    taken = 0
    for i, ch in enumerate(text):
        taken += 2 if ord(ch) > 0xFFFF else 1
        if taken > room:
            return i
    return len(text)


def _word_cut(text: str) -> str:
    """Drop a trailing half word when a space or line break is close enough."""
    window = text[-_WORD_BACKTRACK:]
    at = max(window.rfind(" "), window.rfind("\n"))
    if at > 0:
        text = text[: len(text) - len(window) + at]
    return text.rstrip()


def _finish(out: list[str], open_tags: list[str]) -> str:
    while out and not out[-1].strip():
        out.pop()
    # A tag opened just before the cut would hold nothing but the ellipsis; drop it.
    while out and open_tags and out[-1].lower().startswith(f"<{open_tags[-1]}"):
        out.pop()
        open_tags.pop()
    body = "".join(out).rstrip()
    return body + ELLIPSIS + "".join(f"</{tag}>" for tag in reversed(open_tags))
