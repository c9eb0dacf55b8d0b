"""Import of plain notes: a title line, then questions and answers on alternating lines.

Notes like these wrap long answers and write lists over several lines, so a line continues the
previous answer when it is a list item, or when the line before cannot end a sentence (it ends
in "the", "of", a comma...). Code keeps its lines: an indented line after a code line, or a
block keyword (`except:`, `else:`) after an indented one, continues the answer and is joined
with its newline and indentation. Everything else alternates question / answer. A `;` ends a
clause, not a line: "prophase; metaphase;" does not swallow the next question.
"""

from __future__ import annotations

import re

from bot.decks.errors import DeckError
from bot.decks.model import CardSpec, DeckSpec
from bot.decks.parser import slugify

_LIST_ITEM = re.compile(r"^\s*([-–—•*]|\d+[.)])\s+")
_DANGLING = re.compile(
    r"(\b(the|a|an|of|to|for|and|or|with|in|on|by|from|as|than|that|which|at|into)|[,:(–-])$",
    re.IGNORECASE,
)


_BLOCK_KEYWORD = re.compile(r"^(except|else|elif|finally|catch)\b.*:$")


def _is_code_line(raw: str) -> bool:
    """An indented line or one that opens a block (`try:`, `def f(x):`)."""
    return raw[:1] in {" ", "\t"} or raw.rstrip().endswith(":")


def _continues(previous: str, raw: str) -> bool:
    line = raw.strip()
    if _LIST_ITEM.match(line) or _DANGLING.search(previous.rstrip()):
        return True
    if raw[:1] in {" ", "\t"} and _is_code_line(previous):
        return True  # the body of a block
    return bool(_BLOCK_KEYWORD.match(line)) and previous[:1] in {" ", "\t"}


def parse_plain_text(text: str, path: str) -> DeckSpec:
    # Answer lines keep their indentation (code); questions and the title are stripped.
    lines = [(n, raw.rstrip().lstrip("\ufeff")) for n, raw in enumerate(text.splitlines(), 1)]
    lines = [(n, s) for n, s in lines if s.strip()]
    if not lines:
        raise DeckError(path, 1, "file is empty")
    title = lines[0][1].strip()
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
            pairs.append((number, line.strip(), []))
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
    """Re-join wrapped lines with a space; keep list items and code on their own lines."""
    out: list[str] = []
    code = False
    for raw in lines:
        line = raw.strip()
        code = code or (bool(out) and _is_code_line(out[-1]))
        if code and out:
            out.append(raw.rstrip())
        elif out and not _LIST_ITEM.match(line):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(raw.rstrip() if raw[:1] in {" ", "\t"} and code else line)
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
