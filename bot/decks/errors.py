"""Deck errors carry the file and line so a teacher can jump straight to the problem."""

from __future__ import annotations


class DeckError(Exception):
    def __init__(self, path: str, line: int, message: str) -> None:
        super().__init__(f"{path}:{line}: {message}")
        self.path = path
        self.line = line
        self.message = message
