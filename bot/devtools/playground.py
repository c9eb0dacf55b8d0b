"""The local playground: the real bot, talking over HTTP to the in-process Bot API emulator.

Nothing here re-implements bot behaviour. It starts `build_application()` against the emulator,
types what the person types into the emulator as a Telegram user would, and prints what the
chat shows. Buttons appear as numbered choices; pictures are saved to files.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.app import build_application, initialize, shutdown
from bot.config import Settings
from bot.devtools.emulator import BotApiEmulator, ShownMessage

PLAYGROUND_TOKEN = "1000000001:playground-local-token-not-secret"
USER_ID = 10_001
QUIET_S = 0.4

INTRO = """\
tutorbot playground: the real bot, running locally (no Telegram token set).
Type as you would in Telegram: /start, /study, then your answers.
A bare number presses that button; start a line with ' to send a number as text.
/photo PATH sends a picture. /quit (or Ctrl-D) leaves. Pictures are saved under {out}.
"""


class ChatPrinter:
    """Prints each new or changed message once, numbering the latest buttons."""

    def __init__(self, out: TextIO, picture_dir: Path) -> None:
        self.out = out
        self.picture_dir = picture_dir
        self.seen: dict[int, tuple[object, ...]] = {}
        self.bodies: dict[int, str] = {}
        self.buttons: list[tuple[int, str, str]] = []

    def show(self, messages: list[ShownMessage]) -> bool:
        changed = False
        for msg in messages:
            if not msg.from_bot:
                continue
            key = (msg.text, msg.caption, msg.photo_file_id, str(msg.buttons), msg.deleted)
            if self.seen.get(msg.message_id) == key:
                continue
            edited = msg.message_id in self.seen
            self.seen[msg.message_id] = key
            changed = True
            self._print(msg, edited)
        return changed

    def _print(self, msg: ShownMessage, edited: bool) -> None:
        head = "bot (edited)" if edited else "bot"
        if msg.deleted:
            self.out.write(f"[{head}: message removed]\n")
            return
        body = msg.body.strip()
        previous = self.bodies.get(msg.message_id)
        self.bodies[msg.message_id] = body
        if edited and previous and body.startswith(previous):
            # An edit that appends (a rating saved, progress) shows only what it added.
            body = body[len(previous):].strip() or "(buttons removed)"
        self.out.write(f"\n{head}: " + body.replace("\n", "\n     ") + "\n")
        if msg.photo is not None:
            self.picture_dir.mkdir(parents=True, exist_ok=True)
            path = self.picture_dir / f"picture-{msg.message_id}.png"
            path.write_bytes(msg.photo)
            self.out.write(f"     [picture saved: {path}]\n")
        if msg.document_bytes is not None and msg.document is not None:
            self.picture_dir.mkdir(parents=True, exist_ok=True)
            name = Path(str(msg.document.get("file_name") or "document")).name
            path = self.picture_dir / f"{msg.message_id}-{name}"
            path.write_bytes(msg.document_bytes)
            self.out.write(f"     [file saved: {path}]\n")
        flat = [(label, data) for row in msg.buttons for label, data in row if data]
        if flat:
            self.buttons = [(msg.message_id, label, data) for label, data in flat]
            choices = "  ".join(f"[{i}] {label}" for i, (_, label, _) in
                                enumerate(self.buttons, start=1))
            self.out.write(f"     {choices}\n")
        self.out.flush()


async def _until_quiet(emu: BotApiEmulator, printer: ChatPrinter, chat_id: int,
                       first_wait: float = 10.0) -> None:
    """Print replies as they come; return once the bot has been quiet for a moment."""
    loop = asyncio.get_running_loop()
    started = last_change = loop.time()
    got_any = False
    while True:
        if printer.show(emu.chat(chat_id)):
            got_any, last_change = True, loop.time()
        now = loop.time()
        if got_any and now - last_change >= QUIET_S:
            return
        if not got_any and now - started >= first_wait:
            return
        await asyncio.sleep(0.05)


async def play(settings: Settings, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
               picture_dir: Path = Path("playground-pictures"), user_name: str = "You",
               read_line: Callable[[], str] | None = None) -> None:
    emu = BotApiEmulator()
    await emu.start()
    local = settings.model_copy(update={
        "telegram_bot_token": SecretStr(PLAYGROUND_TOKEN),
        "telegram_api_url": emu.base_url,
        "telegram_file_url": emu.file_url,
    })
    app = build_application(local)
    user = emu.user(USER_ID, first_name=user_name)
    printer = ChatPrinter(stdout, picture_dir)
    reader = read_line or stdin.readline
    interactive = stdin.isatty() if read_line is None else True
    stdout.write(INTRO.format(out=picture_dir))
    loop = asyncio.get_running_loop()
    try:
        await initialize(app)
        try:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=10)
            while True:
                if interactive:
                    stdout.write("\nyou> ")
                    stdout.flush()
                line = await loop.run_in_executor(None, reader)
                if not line:
                    break
                text = line.rstrip("\n")
                if not interactive:
                    stdout.write(f"\nyou> {text}\n")
                if text.strip() in {"/quit", "/exit"}:
                    break
                if not text.strip():
                    continue
                await _send(emu, user, printer, text, stdout)
                await _until_quiet(emu, printer, USER_ID)
            await app.updater.stop()
            await app.stop()
        finally:
            await shutdown(app)
    finally:
        await emu.stop()


async def _send(emu: BotApiEmulator, user: object, printer: ChatPrinter, text: str,
                out: TextIO) -> None:
    stripped = text.strip()
    if stripped.isdigit() and printer.buttons:
        index = int(stripped) - 1
        if 0 <= index < len(printer.buttons):
            message_id, _label, payload = printer.buttons[index]
            await emu.press(user, message_id, payload, check=False)  # type: ignore[arg-type]
            return
        out.write(f"(no button {stripped}; choose 1-{len(printer.buttons)})\n")
        return
    if stripped.startswith("/photo"):
        path = Path(stripped.removeprefix("/photo").strip())
        try:
            picture = await asyncio.to_thread(path.read_bytes)
        except OSError as exc:
            out.write(f"(cannot read {path}: {exc.strerror})\n")
            return
        await emu.send_photo(user, picture)  # type: ignore[arg-type]
        return
    await emu.send_text(user, text[1:] if text.startswith("'") else text)  # type: ignore[arg-type]
