"""The session type use cases take, so that they name it without importing SQLModel: the
store is the one layer that knows which database library sits underneath."""

from sqlmodel import Session as Session

__all__ = ["Session"]
