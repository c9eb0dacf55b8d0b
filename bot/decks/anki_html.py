"""Anki field HTML into the plain text a Telegram question shows and the grader compares.

Anki keeps every field as an HTML fragment: line breaks are `<br>` or `<div>`, `&nbsp;` pads
words, formatting is `<b>`/`<span style>`, pictures are `<img>` and sounds `[sound:x.mp3]`.
Cards here are plain text, so tags go, blocks become lines, entities are unescaped, and the
media a card cannot show is counted so that the learner is told what was left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

# Tags that start a new line in a browser; everything else is inline.
_BLOCKS = frozenset({
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "ol", "p",
    "pre", "section", "table", "tr", "ul",
})
# Whose text is not shown at all.
_HIDDEN = frozenset({"script", "style", "template", "head", "title"})
_SOUND = re.compile(r"\[sound:[^\]]*\]")
# Anki's text import guesses HTML the same way: any tag or entity.
_LOOKS_LIKE_HTML = re.compile(r"</?[A-Za-z][^<>]*>|&(?:[A-Za-z]+|#\d+|#[xX][0-9A-Fa-f]+);")


@dataclass(frozen=True, slots=True)
class FieldText:
    text: str
    pictures: int = 0
    sounds: int = 0


def looks_like_html(text: str) -> bool:
    return _LOOKS_LIKE_HTML.search(text) is not None


class _TextCollector(HTMLParser):
    """Collects the visible text; newlines only where the markup breaks a line."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.pictures = 0
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag == "img":
            self.pictures += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HIDDEN:  # <script/> hides nothing
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            # Source whitespace, newlines included, is one space in HTML.
            self.parts.append(re.sub(r"\s+", " ", data.replace("\xa0", " ")))


def _tidy(text: str) -> str:
    """Each line trimmed, runs of blank lines (from nested blocks) kept to none."""
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _without_sounds(text: str) -> tuple[str, int]:
    return _SOUND.subn(" ", text)


def html_field(html: str) -> FieldText:
    """The text of an Anki HTML field, with its pictures and sounds counted, not kept."""
    html, sounds = _without_sounds(html)
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return FieldText(_tidy("".join(collector.parts)), collector.pictures, sounds)


def plain_field(text: str) -> FieldText:
    """A field exported without HTML: only sound references are markup there."""
    text, sounds = _without_sounds(text.replace("\r\n", "\n").replace("\r", "\n"))
    return FieldText(_tidy(text), 0, sounds)
