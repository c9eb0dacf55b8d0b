"""Find and parse every deck file in CARDS_DIR, all or nothing."""

from __future__ import annotations

from pathlib import Path

from bot.decks.errors import DeckError
from bot.decks.model import DeckSpec
from bot.decks.parser import parse_deck_text
from bot.decks.plain import parse_plain_text


def is_native(text: str) -> bool:
    for line in text.splitlines():
        stripped = line.strip().lstrip("\ufeff")
        if stripped and not (stripped.startswith("#") and not stripped.startswith("##")):
            return stripped.lower().startswith("title:") or stripped.startswith("##")
    return True


def parse_any(path: Path) -> DeckSpec:
    """Read a deck in the native format, or import the plain alternating-lines format."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise DeckError(str(path), line, "not valid UTF-8 text") from exc
    except OSError as exc:
        raise DeckError(str(path), 0, f"cannot read the file: {exc.strerror}") from exc
    if is_native(text):
        return parse_deck_text(text, str(path))
    return parse_plain_text(text, str(path))


def load_decks(cards_dir: Path) -> list[DeckSpec]:
    """Parse every `*.txt` deck; raise on the first bad file before anything is stored."""
    if not cards_dir.is_dir():
        raise DeckError(str(cards_dir), 0, "cards directory not found (set CARDS_DIR)")
    decks = [parse_any(path) for path in sorted(cards_dir.glob("*.txt"))]
    seen: dict[str, str] = {}
    for deck in decks:
        if deck.slug in seen:
            raise DeckError(deck.path, 1, f"deck name clashes with {seen[deck.slug]}")
        seen[deck.slug] = deck.path
    return decks
