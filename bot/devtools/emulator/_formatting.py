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


# ---------------------------------------------------------------------------------------------
# HTML

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
_HTML_ALLOWED = {*_HTML_SIMPLE, "span", "a", "blockquote", "tg-emoji"}
_ATTR_RE = re.compile(r"""([A-Za-z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|lt|gt|amp|quot);")


def _parse_html(text: str) -> tuple[str, list[JsonDict]]:
    out = _Builder()
    # (tag, start16, attrs, byte offset)
    stack: list[tuple[str, int, dict[str, str]]] = []
    i, n = 0, len(text)
    while i < n:
        lt = text.find("<", i)
        amp = text.find("&", i)
        nxt = min(x for x in (lt, amp, n) if x != -1)
        if nxt > i:
            out.add(text[i:nxt])
            i = nxt
            continue
        if text[i] == "&":
            m = _CHAR_REF_RE.match(text, i)
            if m is None:
                out.add("&")
                i += 1
                continue
            ref = m.group(1)
            if ref.startswith("#"):
                code = int(ref[2:], 16) if ref[1:2] in "xX" and len(ref) > 1 else int(ref[1:])
                out.add(chr(code) if 0 < code < 0x110000 else "")
            else:
                out.add(_NAMED_ENTITIES[ref])
            i = m.end()
            continue
        # text[i] == "<"
        close = text.find(">", i)
        off = _byte_offset(text, i)
        if close == -1:
            raise _entity_error(f"Unclosed start tag at byte offset {off}")
        inner = text[i + 1 : close]
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            if not stack:
                raise _entity_error(f'Unexpected end tag at byte offset {off}')
            tag, start, attrs = stack.pop()
            if name and name != tag:
                raise _entity_error(
                    f'Unmatched end tag at byte offset {off}, expected "</{tag}>", '
                    f'found "</{name}>"'
                )
            _close_html(out, stack, tag, start, attrs)
        else:
            m2 = re.match(r"\s*([A-Za-z][\w-]*)", inner)
            name = m2.group(1).lower() if m2 else ""
            if name not in _HTML_ALLOWED:
                raise _entity_error(f'Unsupported start tag "{name}" at byte offset {off}')
            attrs = {
                a.group(1).lower(): next((g for g in a.groups()[1:] if g is not None), "")
                for a in _ATTR_RE.finditer(inner, m2.end() if m2 else 0)
            }
            if name == "span" and attrs.get("class") != "tg-spoiler":
                raise _entity_error(f'Tag "span" must have class "tg-spoiler" at byte offset {off}')
            stack.append((name, out.pos16, attrs))
        i = close + 1
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
        out.entity("custom_emoji", start, custom_emoji_id=attrs.get("emoji-id", ""))
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
    stack: list[tuple[str, int, int]] = []  # (type, start16, byte offset)
    i, n = 0, len(text)
    line_start = True
    quote_start: int | None = None
    while i < n:
        c = text[i]
        off = _byte_offset(text, i)
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
        off = _byte_offset(text, i)
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
