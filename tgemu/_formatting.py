"""Telegram's text formatting rules: parse_mode parsing into (text, entities), and entity helpers.

Bots break in production mostly on formatting: an unescaped ``.`` in MarkdownV2 or an
unclosed ``<b>`` makes Telegram reject the whole message with "can't parse entities".
Emulating that strictly is what lets tests catch it before users do. Offsets are in
UTF-16 code units, as in the Bot API, and errors quote UTF-8 byte offsets, as Telegram does.
"""

from __future__ import annotations

import re
from typing import Any

from ._models import ApiError, JsonDict, bad_request

__all__ = ["command_entities", "parse_formatted", "utf16_len"]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _entity_error(detail: str) -> ApiError:
    return bad_request(f"can't parse entities: {detail}")


class _Builder:
    """Accumulates plain text while tracking UTF-16 and UTF-8 positions."""

    __slots__ = ("entities", "parts", "pos16")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos16 = 0
        self.entities: list[JsonDict] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos16 += utf16_len(chunk)

    def entity(self, etype: str, start: int, **extra: Any) -> None:
        length = self.pos16 - start
        if length > 0:
            ent: JsonDict = {"type": etype, "offset": start, "length": length}
            ent.update(extra)
            self.entities.append(ent)

    def result(self) -> tuple[str, list[JsonDict]]:
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))
        return "".join(self.parts), self.entities


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


class _LazyOffset:
    """A byte offset worked out only if an error message prints it."""

    __slots__ = ("index", "text")

    def __init__(self, text: str, index: int) -> None:
        self.text, self.index = text, index

    def __format__(self, spec: str) -> str:
        return format(_byte_offset(self.text, self.index), spec)


# ---------------------------------------------------------------------------------------------
# HTML, as Telegram's own parser reads it: a tag name runs to the first space or ">", only the
# tags of the "Formatting options" list exist, every start tag needs its end tag in order, and
# "&" starts a character reference only when one follows (otherwise it is a plain "&").

_HTML_SIMPLE = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
}
HTML_TAGS = frozenset({*_HTML_SIMPLE, "span", "a", "blockquote", "tg-emoji", "tg-time"})
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL = re.compile("[<&]")
_SPACES = " \t\n\r\f\v"


def _char_ref(text: str, i: int) -> tuple[str, int] | None:
    """The character a reference at ``text[i] == "&"`` stands for, and where it ends.

    Numeric references of any code point and the four named ones are decoded, with or
    without the closing ";"; anything else leaves the "&" as a plain character.
    """
    n, j = len(text), i + 1
    if j < n and text[j] == "#":
        j += 1
        hexadecimal = j < n and text[j] in "xX"
        if hexadecimal:
            j += 1
        start = j
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        while j < n and text[j] in digits:
            j += 1
        if j == start or j - start > 8:
            return None
        code = int(text[start:j], 16 if hexadecimal else 10)
        if not 0 < code < 0x10FFFF:
            return None
        if 0xD800 <= code <= 0xDFFF:
            raise bad_request("Text contains invalid Unicode characters after decoding HTML "
                              "entities, check for unmatched surrogate code units")
        char = chr(code)
    else:
        start = j
        while j < n and text[j].isascii() and text[j].isalpha():
            j += 1
        found = _NAMED_ENTITIES.get(text[start:j])
        if found is None:
            return None
        char = found
    if j < n and text[j] == ";":
        j += 1
    return char, j


def _skip_spaces(text: str, i: int) -> int:
    while i < len(text) and text[i] in _SPACES:
        i += 1
    return i


def _attribute_value(text: str, i: int, tag: str, off: _LazyOffset) -> tuple[str, int]:
    """A quoted string (references decoded) or a name token (lower-cased), from ``i``."""
    n = len(text)
    if i >= n:
        raise _entity_error(f'Unclosed start tag "{tag}" at byte offset {off}')
    if text[i] in "'\"":
        quote, i = text[i], i + 1
        parts: list[str] = []
        while i < n and text[i] != quote:
            if text[i] == "&" and (ref := _char_ref(text, i)) is not None:
                parts.append(ref[0])
                i = ref[1]
                continue
            parts.append(text[i])
            i += 1
        return "".join(parts), i + 1 if i < n else i
    start = i
    while i < n and ((text[i].isascii() and text[i].isalnum()) or text[i] in ".-"):
        i += 1
    if i < n and text[i] not in _SPACES and text[i] != ">":
        raise _entity_error(f"Unexpected end of name token at byte offset "
                            f"{_byte_offset(text, start)}")
    return text[start:i].lower(), i


def _start_tag(text: str, i: int) -> tuple[str, dict[str, str], int]:
    """Parse ``<name attr=value ...>`` at ``i``; return name, attributes and the end."""
    n, off = len(text), _LazyOffset(text, i)
    j = i + 1
    while j < n and text[j] not in _SPACES and text[j] != ">":
        j += 1
    if j >= n:
        raise _entity_error(f"Unclosed start tag at byte offset {off}")
    name = text[i + 1 : j].lower()
    if name not in HTML_TAGS:
        raise _entity_error(f'Unsupported start tag "{name}" at byte offset {off}')
    attrs: dict[str, str] = {}
    while True:
        j = _skip_spaces(text, j)
        if j >= n:
            raise _entity_error(f"Unclosed start tag at byte offset {off}")
        if text[j] == ">":
            return name, attrs, j + 1
        k = j
        while k < n and text[k] not in _SPACES and text[k] not in "=>":
            k += 1
        attribute = text[j:k].lower()
        if not attribute:
            raise _entity_error(f'Empty attribute name in the tag "{name}" at byte offset {off}')
        k = _skip_spaces(text, k)
        if k < n and text[k] != "=":
            if name == "blockquote" and attribute == "expandable":
                attrs[attribute] = ""
                j = k
                continue
            raise _entity_error(f'Expected equal sign in declaration of an attribute of the '
                                f'tag "{name}" at byte offset {off}')
        value, j = _attribute_value(text, _skip_spaces(text, k + 1), name, off)
        attrs[attribute] = value


def _parse_html(text: str) -> tuple[str, list[JsonDict]]:
    out = _Builder()
    stack: list[tuple[str, int, dict[str, str]]] = []  # (tag, start in UTF-16, attributes)
    i, n = 0, len(text)
    while i < n:
        special = _SPECIAL.search(text, i)
        nxt = special.start() if special is not None else n
        if nxt > i:
            out.add(text[i:nxt])
            i = nxt
            continue
        if text[i] == "&":
            ref = _char_ref(text, i)
            if ref is None:
                out.add("&")
                i += 1
            else:
                out.add(ref[0])
                i = ref[1]
            continue
        if i + 1 < n and text[i + 1] == "/":
            off = _LazyOffset(text, i)
            if not stack:
                raise _entity_error(f"Unexpected end tag at byte offset {off}")
            j = i + 2
            while j < n and text[j] not in _SPACES and text[j] != ">":
                j += 1
            name = text[i + 2 : j].lower()
            j = _skip_spaces(text, j)
            if j >= n or text[j] != ">":
                raise _entity_error(f"Unclosed end tag at byte offset {off}")
            tag, start, attrs = stack.pop()
            if name and name != tag:
                raise _entity_error(f'Unmatched end tag at byte offset {off}, expected '
                                    f'"</{tag}>", found "</{name}>"')
            _close_html(out, stack, tag, start, attrs)
            i = j + 1
            continue
        start_at = i
        name, attrs, i = _start_tag(text, i)
        if name == "span" and attrs.get("class") != "tg-spoiler":
            raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset '
                                f"{_byte_offset(text, start_at)}")
        stack.append((name, out.pos16, attrs))
    if stack:
        raise _entity_error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return out.result()


def _close_html(
    out: _Builder, stack: list[tuple[str, int, dict[str, str]]], tag: str, start: int,
    attrs: dict[str, str],
) -> None:
    if tag == "a":
        href = attrs.get("href", "")
        m = re.match(r"tg://user\?id=(\d+)$", href)
        if m:
            out.entity("text_mention", start, user={"id": int(m.group(1)), "is_bot": False,
                                                     "first_name": ""})
        elif href:
            out.entity("text_link", start, url=href)
    elif tag == "span":
        out.entity("spoiler", start)
    elif tag == "blockquote":
        out.entity("expandable_blockquote" if "expandable" in attrs else "blockquote", start)
    elif tag == "tg-emoji":
        emoji_id = attrs.get("emoji-id", "")
        if not emoji_id.isdigit() or int(emoji_id) == 0:
            raise bad_request("Invalid custom emoji identifier specified")
        out.entity("custom_emoji", start, custom_emoji_id=emoji_id)
    elif tag == "tg-time":
        unix = attrs.get("unix", "")
        if not unix.lstrip("-").isdigit():
            raise bad_request("can't parse entities: Invalid Unix time specified")
        out.entity("date_time", start, unix_time=int(unix),
                   **({"date_time_format": attrs["format"]} if attrs.get("format") else {}))
    elif tag == "code" and stack and stack[-1][0] == "pre" and attrs.get("class", "").startswith(
        "language-"
    ):
        # <pre><code class="language-x"> is one pre entity with a language, not two entities.
        pattrs = stack[-1][2]
        pattrs["language"] = attrs["class"][len("language-") :]
    elif tag == "pre" and attrs.get("language"):
        out.entity("pre", start, language=attrs["language"])
    else:
        out.entity(_HTML_SIMPLE[tag], start)


# ---------------------------------------------------------------------------------------------
# MarkdownV2

_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MDV2_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "text_link": "TextUrl",
}


def _parse_markdown_v2(text: str) -> tuple[str, list[JsonDict]]:
    out = _Builder()
    stack: list[tuple[str, int, _LazyOffset]] = []  # (type, start16, byte offset)
    i, n = 0, len(text)
    line_start = True
    quote_start: int | None = None
    while i < n:
        c = text[i]
        off = _LazyOffset(text, i)
        if line_start and c == ">":
            if quote_start is None:
                quote_start = out.pos16
            i += 1
            line_start = False
            continue
        if line_start and quote_start is not None:
            out.entity("blockquote", quote_start)
            quote_start = None
        line_start = False
        if c == "\\":
            if i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                out.add(text[i + 1])
                i += 2
                continue
            raise _entity_error(
                f"Character '\\' is reserved and must be escaped at byte offset {off}")
        if c == "\n":
            out.add(c)
            line_start = True
            i += 1
            continue
        if c == "`":
            is_pre = text.startswith("```", i)
            fence = "```" if is_pre else "`"
            j = i + len(fence)
            language = ""
            if is_pre:
                nl = text.find("\n", j)
                first = text[j:nl] if nl != -1 else ""
                if nl != -1 and re.fullmatch(r"[\w+#.-]*", first):
                    language, j = first, nl + 1
            start = out.pos16
            while True:
                if j >= n:
                    name = "Pre" if is_pre else "Code"
                    raise _entity_error(f"Can't find end of {name} entity at byte offset {off}")
                if text[j] == "\\" and j + 1 < n:
                    out.add(text[j + 1])
                    j += 2
                    continue
                if text.startswith(fence, j):
                    break
                out.add(text[j])
                j += 1
            if is_pre:
                out.entity("pre", start, **({"language": language} if language else {}))
            else:
                out.entity("code", start)
            i = j + len(fence)
            continue
        if c == "[" or (c == "!" and text.startswith("![", i)):
            stack.append(("text_link" if c == "[" else "custom_emoji", out.pos16, off))
            i += 1 if c == "[" else 2
            continue
        if c == "]" and stack and stack[-1][0] in ("text_link", "custom_emoji"):
            etype, start, _ = stack.pop()
            if not text.startswith("(", i + 1):
                raise _entity_error(f"Can't find end of {_MDV2_NAMES.get(etype, etype)} entity "
                                    f"at byte offset {off}")
            j = i + 2
            url_chars: list[str] = []
            while j < n and text[j] != ")":
                if text[j] == "\\" and j + 1 < n:
                    j += 1
                url_chars.append(text[j])
                j += 1
            if j >= n:
                raise _entity_error(f"Can't find end of a URL at byte offset {off}")
            url = "".join(url_chars)
            if etype == "custom_emoji":
                out.entity("custom_emoji", start, custom_emoji_id=url.rsplit("=", 1)[-1])
            else:
                m = re.match(r"tg://user\?id=(\d+)$", url)
                if m:
                    out.entity("text_mention", start,
                               user={"id": int(m.group(1)), "is_bot": False, "first_name": ""})
                else:
                    out.entity("text_link", start, url=url)
            i = j + 1
            continue
        marker: str | None = None
        width = 1
        if c == "*":
            marker = "bold"
        elif c == "_":
            if text.startswith("__", i):
                marker, width = "underline", 2
            else:
                marker = "italic"
        elif c == "~":
            marker = "strikethrough"
        elif c == "|" and text.startswith("||", i):
            marker, width = "spoiler", 2
        if marker is not None:
            if stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                out.entity(marker, start)
            elif any(s[0] == marker for s in stack):
                inner = stack[-1]
                raise _entity_error(f"Can't find end of {_MDV2_NAMES.get(inner[0], inner[0])} "
                                    f"entity at byte offset {inner[2]}")
            else:
                stack.append((marker, out.pos16, off))
            i += width
            continue
        if c in _MDV2_RESERVED:
            raise _entity_error(
                f"Character '{c}' is reserved and must be escaped with the preceding '\\'"
            )
        out.add(c)
        i += 1
    if quote_start is not None:
        out.entity("blockquote", quote_start)
    if stack:
        etype, _, off = stack[-1]
        raise _entity_error(
            f"Can't find end of {_MDV2_NAMES.get(etype, etype)} entity at byte offset {off}"
        )
    return out.result()


# ---------------------------------------------------------------------------------------------
# Legacy Markdown


def _parse_markdown(text: str) -> tuple[str, list[JsonDict]]:
    out = _Builder()
    i, n = 0, len(text)
    pairs = {"*": "bold", "_": "italic"}
    while i < n:
        c = text[i]
        off = _LazyOffset(text, i)
        if c == "\\" and i + 1 < n and text[i + 1] in "_*`[":
            out.add(text[i + 1])
            i += 2
            continue
        if c in pairs or c == "`":
            fence = "```" if text.startswith("```", i) else c
            end = text.find(fence, i + len(fence))
            if end == -1:
                raise _entity_error(
                    f"Can't find end of the entity starting at byte offset {off}"
                )
            start = out.pos16
            body = text[i + len(fence) : end]
            language = ""
            if fence == "```" and "\n" in body:
                first, rest = body.split("\n", 1)
                if re.fullmatch(r"[\w+#.-]+", first):
                    language, body = first, rest
            out.add(body)
            etype = pairs.get(c, "pre" if fence == "```" else "code")
            out.entity(etype, start, **({"language": language} if language else {}))
            i = end + len(fence)
            continue
        if c == "[":
            m = re.match(r"\[([^\]]*)\]\(([^)]*)\)", text[i:])
            if m is None:
                raise _entity_error(
                    f"Can't find end of the entity starting at byte offset {off}"
                )
            start = out.pos16
            out.add(m.group(1))
            out.entity("text_link", start, url=m.group(2))
            i += m.end()
            continue
        out.add(c)
        i += 1
    return out.result()


def parse_formatted(
    text: str, parse_mode: str | None, entities: list[JsonDict] | None
) -> tuple[str, list[JsonDict]]:
    """Return the plain text and entities Telegram would store for the given input."""
    if entities:
        return text, list(entities)
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode == "markdown":
        return _parse_markdown(text)
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")


_COMMAND_RE = re.compile(r"(?<![\w/])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")


def command_entities(text: str) -> list[JsonDict]:
    """``bot_command`` entities like the Telegram client marks them, so CommandHandler matches."""
    ents: list[JsonDict] = []
    for m in _COMMAND_RE.finditer(text):
        ents.append({
            "type": "bot_command",
            "offset": utf16_len(text[: m.start()]),
            "length": utf16_len(m.group(0)),
        })
    return ents
