"""How the playground shows the chat: each new or changed bot message once, every live button
numbered, pictures and files saved under names no later run reuses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TextIO

from tgemu import CallbackAnswer, ShownMessage


@dataclass(frozen=True, slots=True)
class Button:
    number: int
    message_id: int
    label: str
    data: str


class ButtonNumbers:
    """A number for every button still on screen, kept while its message keeps it.

    Telegram lets a person press any button in the chat, not only the newest message's. A
    number stays with its button until the message loses its keyboard, and freed numbers are
    reused smallest first, so the numbers stay short and what was printed stays true.
    """

    def __init__(self) -> None:
        self._by_message: dict[int, list[Button]] = {}

    def assign(self, message_id: int, buttons: list[tuple[str, str]]) -> list[Button]:
        """Number a message's (new) keyboard; an unchanged keyboard keeps its numbers."""
        old = self._by_message.pop(message_id, [])
        if [(b.label, b.data) for b in old] == buttons:
            self._by_message[message_id] = old
            return old
        taken = {b.number for row in self._by_message.values() for b in row}
        free = (n for n in range(1, len(taken) + len(buttons) + 1) if n not in taken)
        numbered = [Button(next(free), message_id, label, data) for label, data in buttons]
        if numbered:
            self._by_message[message_id] = numbered
        return numbered

    def drop(self, message_id: int) -> None:
        self._by_message.pop(message_id, None)

    def get(self, number: int) -> Button | None:
        return next((b for row in self._by_message.values() for b in row if b.number == number),
                    None)

    def live(self) -> list[Button]:
        return sorted((b for row in self._by_message.values() for b in row),
                      key=lambda b: b.number)

    def describe(self) -> str:
        """"1-7, 9" for the numbers in use."""
        numbers = [b.number for b in self.live()]
        spans: list[str] = []
        start = prev = numbers[0] if numbers else 0
        for n in [*numbers[1:], None]:
            if n is not None and n == prev + 1:
                prev = n
                continue
            spans.append(str(start) if start == prev else f"{start}-{prev}")
            if n is not None:
                start = prev = n
        return ", ".join(spans) if numbers else "none"


def run_prefix(folder: Path, now: datetime) -> str:
    """A file-name prefix for this run that no earlier run's files start with."""
    stamp = now.strftime("%Y%m%d-%H%M%S")
    taken = {p.name for p in folder.glob(f"{stamp}*")} if folder.is_dir() else set()
    prefix, n = stamp, 1
    while any(name.startswith(prefix + "-msg") for name in taken):
        n += 1
        prefix = f"{stamp}.{n}"
    return prefix


class ChatPrinter:
    """Prints each new or changed bot message once, with its buttons numbered."""

    def __init__(self, out: TextIO, picture_dir: Path, prefix: str) -> None:
        self.out = out
        self.picture_dir = picture_dir
        self.prefix = prefix
        self.buttons = ButtonNumbers()
        self._seen: dict[int, tuple[object, ...]] = {}
        self._bodies: dict[int, str] = {}
        self._answers_seen = 0

    def show(self, messages: list[ShownMessage], answers: list[CallbackAnswer]) -> bool:
        """Print what changed since the last call; True if anything was printed."""
        changed = False
        for msg in messages:
            if not msg.from_bot:
                continue
            key = (msg.text, msg.caption, msg.photo_file_id, str(msg.buttons), msg.deleted)
            if self._seen.get(msg.message_id) == key:
                continue
            edited = msg.message_id in self._seen
            self._seen[msg.message_id] = key
            changed = True
            self._print(msg, edited)
        for answer in answers[self._answers_seen:]:
            if answer.text:  # Telegram shows a pressed button's answer as a short toast
                self.out.write(f"\nbot (notice): {answer.text}\n")
                changed = True
        self._answers_seen = len(answers)
        if changed:
            self.out.flush()
        return changed

    def list_buttons(self, messages: list[ShownMessage]) -> None:
        live = self.buttons.live()
        if not live:
            self.out.write("(no buttons on screen)\n")
            return
        bodies = {m.message_id: m.body for m in messages}
        for message_id in dict.fromkeys(b.message_id for b in live):
            first = (bodies.get(message_id) or "").strip().splitlines()[:1]
            where = (first[0][:60] + ("…" if len(first[0]) > 60 else "")) if first else "…"
            choices = "  ".join(f"[{b.number}] {b.label}" for b in live
                                if b.message_id == message_id)
            self.out.write(f"  on “{where}”: {choices}\n")

    def _print(self, msg: ShownMessage, edited: bool) -> None:
        head = "bot (edited)" if edited else "bot"
        if msg.deleted:
            self.buttons.drop(msg.message_id)
            self.out.write(f"\n[{head}: message removed]\n")
            return
        body = msg.body.strip()
        previous = self._bodies.get(msg.message_id)
        self._bodies[msg.message_id] = body
        if edited and previous and body.startswith(previous):
            # An edit that appends (a rating saved, progress) shows only what it added.
            flat_now = [b for row in msg.buttons for b in row]
            body = body[len(previous):].strip() or (
                "(buttons changed)" if flat_now else "(buttons removed)")
        self.out.write(f"\n{head}: " + body.replace("\n", "\n     ") + "\n")
        if msg.photo is not None:
            path = self._save(f"{msg.message_id}.png", msg.photo)
            self.out.write(f"     [picture saved: {path}]\n")
        if msg.document_bytes is not None and msg.document is not None:
            name = Path(str(msg.document.get("file_name") or "document")).name
            path = self._save(f"{msg.message_id}-{name}", msg.document_bytes)
            self.out.write(f"     [file saved: {path}]\n")
        flat = [(label, data) for row in msg.buttons for label, data in row if data]
        numbered = self.buttons.assign(msg.message_id, flat)
        if numbered:
            self.out.write("     " + "  ".join(f"[{b.number}] {b.label}" for b in numbered)
                           + "\n")

    def _save(self, name: str, data: bytes) -> Path:
        self.picture_dir.mkdir(parents=True, exist_ok=True)
        path = self.picture_dir / f"{self.prefix}-msg{name}"
        path.write_bytes(data)
        return path
