"""What a line typed into the playground means: a message to the bot, or a playground command.

Pure parsing, so the rules a person relies on (a bare number presses a button, `'` sends a
line as it is, `/photo PATH CAPTION`) are tested without a bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SendText:
    text: str


@dataclass(frozen=True, slots=True)
class Press:
    number: int


@dataclass(frozen=True, slots=True)
class SendFile:
    """A picture (`as_photo`: sent as Telegram compresses photos) or a document."""

    path: Path
    caption: str | None
    as_photo: bool


@dataclass(frozen=True, slots=True)
class ReplyToFile:
    """Text sent as a reply to the last picture or file the person sent."""

    text: str


@dataclass(frozen=True, slots=True)
class ListButtons:
    pass


@dataclass(frozen=True, slots=True)
class Quit:
    pass


@dataclass(frozen=True, slots=True)
class Nothing:
    pass


@dataclass(frozen=True, slots=True)
class Problem:
    """A playground command typed wrongly; the message says how to type it."""

    message: str


Action = SendText | Press | SendFile | ReplyToFile | ListButtons | Quit | Nothing | Problem

HELP = """\
Playground commands (everything else goes to the bot as you type it):
  N                      press button N (every button still on screen has a number)
  'TEXT                  send TEXT exactly as typed, e.g. '42 to answer with a number
  /buttons               list the buttons you can press now
  /photo PATH [CAPTION]  send a picture, e.g. /photo cat.jpg /augment
  /doc PATH [CAPTION]    send a file, e.g. /doc spanish-verbs.csv
  /reply TEXT            reply to your last picture or file, e.g. /reply /augment
  /quit (or Ctrl-D)      leave"""


def parse_line(line: str, *, has_buttons: bool) -> Action:
    """Turn one typed line into what the playground does with it."""
    text = line.rstrip("\n")
    stripped = text.strip()
    if not stripped:
        return Nothing()
    if text.startswith("'"):
        return SendText(text[1:])
    if stripped.isdigit() and has_buttons:
        return Press(int(stripped))
    word, _, rest = stripped.partition(" ")
    match word.lower():
        case "/quit" | "/exit":
            return Quit()
        case "/buttons":
            return ListButtons()
        case "/photo" | "/doc":
            return _file(word.lower(), rest.strip())
        case "/reply":
            if not rest.strip():
                return Problem("Type what to reply, e.g. /reply /augment")
            return ReplyToFile(rest.strip())
    return SendText(text)


def _file(command: str, rest: str) -> SendFile | Problem:
    """`PATH [CAPTION]`: a path with spaces is quoted, or is the whole rest of the line."""
    as_photo = command == "/photo"
    if not rest:
        example = "/photo cat.jpg /augment" if as_photo else "/doc spanish-verbs.csv"
        return Problem(f"Give the file's path, e.g. {example}")
    whole = Path(rest).expanduser()
    if whole.is_file():
        return SendFile(whole, None, as_photo)
    if rest[0] in "'\"":
        end = rest.find(rest[0], 1)
        if end < 0:
            return Problem(f"The path's closing {rest[0]} is missing, e.g. {command} "
                           f"{rest[0]}my file.png{rest[0]}")
        first, caption = rest[1:end], rest[end + 1:].strip()
    else:
        first, _, caption = rest.partition(" ")
    return SendFile(Path(first).expanduser(), caption.strip() or None, as_photo)
