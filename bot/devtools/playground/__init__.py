"""The local playground: the real bot, talking over HTTP to the in-process Bot API emulator.

Nothing here re-implements bot behaviour. It starts `build_application()` against the emulator,
types what the person types into the emulator as a Telegram user would, and prints what the
chat shows. Buttons appear as numbered choices; pictures and files are saved.

Replies are printed as they arrive, by a task of their own, so the prompt never waits for a
reply that may not come (a button that only shows a notice, a demo still running).
"""

from __future__ import annotations

import asyncio
import mimetypes
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.app import build_application, initialize, shutdown
from bot.config import Settings
from bot.devtools.playground.lines import (
    HELP,
    Action,
    ListButtons,
    Nothing,
    Press,
    Problem,
    Quit,
    ReplyToFile,
    SendFile,
    SendText,
    parse_line,
)
from bot.devtools.playground.printer import ChatPrinter, run_prefix
from bot.telegram.context import TutorApp
from tgemu import BotApiEmulator, TgUser

__all__ = ["PLAYGROUND_TOKEN", "USER_ID", "play"]

PLAYGROUND_TOKEN = "1000000001:playground-local-token-not-secret"
USER_ID = 10_001
# The bot counts as done with a line once it has handled it and the chat stayed still this long.
QUIET_S = 0.4
# The longest the prompt waits for the bot to handle a line; later replies still print.
SETTLE_CAP_S = 10.0
POLL_S = 0.05
_PICTURE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF87a", b"GIF89a")

INTRO = """\
tutorbot playground: the real bot, running locally (no Telegram token set).
Type as you would in Telegram: /start, /study, then your answers; /help lists the bot's
commands. Pictures and files the bot sends are saved under {out}.

{help}
"""


class Session:
    """One person's playground session: reads lines, acts them out, prints the chat."""

    def __init__(self, emu: BotApiEmulator, app: TutorApp, user: TgUser, printer: ChatPrinter,
                 out: TextIO, *, interactive: bool, settle_cap_s: float = SETTLE_CAP_S) -> None:
        self.emu = emu
        self.app = app
        self.user = user
        self.printer = printer
        self.out = out
        self.interactive = interactive
        self.settle_cap_s = settle_cap_s
        self.prompting = False
        self.last_file_message: int | None = None

    def refresh(self) -> bool:
        return self.printer.show(self.emu.chat(USER_ID), self.emu.callback_answers)

    async def watch(self) -> None:
        """Print replies whenever they come, and show the prompt again after them."""
        while True:
            if self.refresh() and self.prompting:
                self.out.write("\nyou> ")
                self.out.flush()
            await asyncio.sleep(POLL_S)

    def _busy(self) -> bool:
        return (self.emu.pending_updates > 0 or self.app.update_queue.qsize() > 0
                or self.app.update_processor.current_concurrent_updates > 0)

    async def settle(self, cap_s: float | None = None) -> None:
        """Wait until the bot has handled what was sent and the chat is still, at most cap_s.

        Only the bot's own work is waited for, never a reply: a line that gets none (a notice
        under a button, a number with no button) gives the prompt back at once."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (self.settle_cap_s if cap_s is None else cap_s)
        still_since = loop.time()
        while loop.time() < deadline:
            await asyncio.sleep(POLL_S)
            if self.refresh() or self._busy():
                still_since = loop.time()
            elif loop.time() - still_since >= QUIET_S:
                return

    async def drain(self, cap_s: float) -> None:
        """Before leaving a scripted session: let a running demo finish and print its picture."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + cap_s
        runner = self.app.bot_data.demos
        while runner is not None and runner.queue_position(USER_ID) is not None:
            if loop.time() >= deadline:
                return
            self.refresh()
            await asyncio.sleep(POLL_S)
        await self.settle(max(QUIET_S * 2, deadline - loop.time()))

    async def act(self, action: Action) -> bool:
        """Carry out one typed line; False when it was a message the bot never got."""
        match action:
            case SendText(text):
                await self.emu.send_text(self.user, text)
            case Press(number):
                return await self._press(number)
            case SendFile():
                return await self._send_file(action)
            case ReplyToFile(text):
                if self.last_file_message is None:
                    self._note("Nothing to reply to yet: send a picture with /photo PATH or a "
                               "file with /doc PATH first.")
                    return False
                await self.emu.send_text(self.user, text, reply_to=self.last_file_message)
            case ListButtons():
                self.printer.list_buttons(self.emu.chat(USER_ID))
                return False
            case Problem(message):
                self._note(message)
                return False
            case Nothing() | Quit():
                return False
        return True

    async def _press(self, number: int) -> bool:
        button = self.printer.buttons.get(number)
        if button is None:
            self._note(f"No button {number} on screen (buttons: "
                       f"{self.printer.buttons.describe()}). Start the line with ' to send "
                       f"{number} as an answer.")
            return False
        try:
            await self.emu.press(self.user, button.message_id, button.data)
        except (KeyError, ValueError):  # the message lost that button meanwhile
            self._note(f"Button {number} is gone; /buttons lists the ones on screen.")
            return False
        return True

    async def _send_file(self, action: SendFile) -> bool:
        try:
            data = await asyncio.to_thread(action.path.read_bytes)
        except OSError as exc:
            self._note(f"Cannot read {action.path}: {exc.strerror or exc}")
            return False
        if action.as_photo:
            if not data.startswith(_PICTURE_MAGIC):
                self._note(f"{action.path} is not a JPEG, PNG or GIF picture; send other files "
                           f"with /doc {action.path}")
                return False
            update = await self.emu.send_photo(self.user, data, action.caption)
        else:
            mime = mimetypes.guess_type(action.path.name)[0] or "application/octet-stream"
            update = await self.emu.send_document(self.user, data, action.path.name, mime,
                                                  caption=action.caption)
        self.last_file_message = int(update["message"]["message_id"])
        return True

    def _note(self, text: str) -> None:
        self.out.write(f"({text})\n")
        self.out.flush()


async def play(settings: Settings, *, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
               picture_dir: Path = Path("playground-pictures"), user_name: str = "You",
               read_line: Callable[[], str] | None = None,
               settle_cap_s: float = SETTLE_CAP_S) -> None:
    emu = BotApiEmulator()
    await emu.start()
    local = settings.model_copy(update={
        "telegram_bot_token": SecretStr(PLAYGROUND_TOKEN),
        "telegram_api_url": emu.base_url,
        "telegram_file_url": emu.file_url,
    })
    app = build_application(local)
    user = emu.user(USER_ID, first_name=user_name)
    printer = ChatPrinter(stdout, picture_dir, run_prefix(picture_dir, datetime.now()))
    reader = read_line or stdin.readline
    interactive = stdin.isatty() if read_line is None else True
    session = Session(emu, app, user, printer, stdout, interactive=interactive,
                      settle_cap_s=settle_cap_s)
    stdout.write(INTRO.format(out=picture_dir, help=HELP))
    loop = asyncio.get_running_loop()
    try:
        await initialize(app)
        try:
            await app.start()
            assert app.updater is not None
            await app.updater.start_polling(poll_interval=0.0, timeout=10)
            watcher = asyncio.create_task(session.watch())
            try:
                await _converse(session, reader, loop, local.demo_timeout_s)
            finally:
                watcher.cancel()
            await app.updater.stop()
            await app.stop()
        finally:
            await shutdown(app)
    finally:
        await emu.stop()


async def _converse(session: Session, reader: Callable[[], str],
                    loop: asyncio.AbstractEventLoop, demo_timeout_s: float) -> None:
    out = session.out
    while True:
        if session.interactive:
            out.write("\nyou> ")
            out.flush()
        session.prompting = True
        line = await loop.run_in_executor(None, reader)
        session.prompting = False
        if not line:
            break
        action = parse_line(line, has_buttons=bool(session.printer.buttons.live()))
        if not session.interactive:
            out.write(f"\nyou> {line.rstrip(chr(10))}\n")
        if isinstance(action, Quit):
            return
        if await session.act(action):
            await session.settle()
    if not session.interactive:
        await session.drain(demo_timeout_s + 5)
