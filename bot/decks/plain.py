"""Import of plain notes: a title line, then questions and answers on alternating lines.

Notes like these wrap long answers and write lists over several lines, so a line continues the
previous answer when it is a list item, or when the line before cannot end a sentence (it ends
in "the", "of", a comma...). Everything else alternates question / answer.
"""

from __future__ import annotations

import re

from bot.decks.errors import DeckError
from bot.decks.model import CardSpec, DeckSpec
from bot.decks.parser import slugify

_LIST_ITEM = re.compile(r"^\s*([-–—•*]|\d+[.)])\s+")
_DANGLING = re.compile(
    r"(\b(the|a|an|of|to|for|and|or|with|in|on|by|from|as|than|that|which|at|into)|[,:;(–-])$",
    re.IGNORECASE,
)


def _continues(previous: str, line: str) -> bool:
    return bool(_LIST_ITEM.match(line)) or bool(_DANGLING.search(previous.rstrip()))


def parse_plain_text(text: str, path: str) -> DeckSpec:
    lines = [(n, raw.strip()) for n, raw in enumerate(text.splitlines(), start=1)]
    lines = [(n, s.lstrip("\ufeff")) for n, s in lines if s.strip("\ufeff")]
    if not lines:
        raise DeckError(path, 1, "file is empty")
    title = lines[0][1]
    pairs: list[tuple[int, str, list[str]]] = []
    expecting_answer = False
    for number, line in lines[1:]:
        if expecting_answer:
            pairs[-1][2].append(line)
            expecting_answer = False
        elif pairs and _continues(pairs[-1][2][-1], line):
            # A dash item following the question line itself would still be an answer line.
            pairs[-1][2].append(line)
        else:
            pairs.append((number, line, []))
            expecting_answer = True
    if not pairs:
        raise DeckError(path, lines[0][0], "no questions after the title line")
    number, question, answer = pairs[-1]
    if not answer:
        raise DeckError(path, number, f'answer missing for question "{question[:60]}"')
    cards: list[CardSpec] = []
    used: set[str] = set()
    for number, question, answer_lines in pairs:
        key = slugify(question)
        base, i = key, 2
        while key in used:
            key, i = f"{base}-{i}", i + 1
        used.add(key)
        cards.append(CardSpec(key=key, question=question, answer=_join(answer_lines), line=number))
    return DeckSpec(slug=slugify(title), title=title, path=path, cards=tuple(cards))


def _join(lines: list[str]) -> str:
    """Re-join wrapped lines with a space but keep list items on their own lines."""
    out: list[str] = []
    for line in lines:
        if out and not _LIST_ITEM.match(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
    return "\n".join(out)


def format_deck(deck: DeckSpec) -> str:
    """Write a deck in the native format (used by `tutorbot check-deck --convert`)."""
    parts = [f"title: {deck.title}", ""]
    for card in deck.cards:
        parts.append(f"## {card.key}")
        parts.append(f"Q: {card.question}")
        answer_lines = card.answer.splitlines()
        parts.append(f"A: {answer_lines[0]}")
        parts.extend(answer_lines[1:])
        if card.keys:
            parts.append("keys: " + " ; ".join(" | ".join(g) for g in card.keys))
        if card.alts:
            parts.append("alts: " + " ; ".join(" = ".join(g) for g in card.alts))
        if card.demo:
            parts.append(f"demo: {card.demo}")
        parts.append("")
    return "\n".join(parts)
