"""Keep the bot token and the webhook secret out of everything the process writes.

A log filter is not enough: libraries raise exceptions that quote the token (PTB's
``InvalidToken("The token `...` was rejected by the server.")``), and an exception that nobody
catches is printed by Python's own traceback printer, straight to stderr, past every logging
filter. Under systemd that lands in the journal on every restart. So `install` closes every
road to the terminal and the journal at once:

- ``sys.stdout`` and ``sys.stderr`` are wrapped: whatever anyone prints, the interpreter's
  traceback printer included, is redacted line by line before it reaches the real stream;
- ``sys.excepthook``, ``threading.excepthook`` and ``sys.unraisablehook`` format with the
  secrets removed (also when something swapped the streams back);
- ``logging.lastResort`` (used before logging is configured) gets the redacting filter;
  warnings print through the wrapped stderr;
- asyncio's default exception handler logs through ``logging`` and is covered by the filter
  that `bot.logs.setup_logging` puts on every handler.

The token is redacted whole, by its secret part alone (what follows the colon), and by its
shape, so a token that is not the configured one (a typo in another variable) is hidden too.
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
import traceback
from collections.abc import Iterable
from types import TracebackType
from typing import Any, TextIO

REDACTED = "[REDACTED]"
_TOKEN_SHAPE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{30,}")


class Redactor:
    """Replaces each known secret, the secret half of a token, and anything token-shaped."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        found: set[str] = set()
        for secret in secrets:
            if not secret:
                continue
            found.add(secret)
            _, colon, tail = secret.partition(":")
            if colon and len(tail) >= 16:
                found.add(tail)
        # Longest first: a token is replaced whole before its tail alone is looked for.
        self._secrets = sorted(found, key=len, reverse=True)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return _TOKEN_SHAPE.sub(REDACTED, text)


class RedactingFilter(logging.Filter):
    """A handler filter: the formatted message and any traceback leave redacted."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg = self.redactor.redact(message)
        record.args = ()
        if record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True


class RedactingStream(io.TextIOBase):
    """A text stream that redacts whole lines before passing them on.

    Lines are held until their newline (or a flush), so a secret written in pieces, as the
    traceback printer writes a line, is still seen whole.
    """

    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        super().__init__()
        self.wrapped = stream
        self._redactor = redactor
        self._pending = ""
        self._lock = threading.Lock()

    def write(self, text: str) -> int:
        with self._lock:
            self._pending += text
            cut = self._pending.rfind("\n")
            if cut >= 0:
                ready, self._pending = self._pending[: cut + 1], self._pending[cut + 1 :]
                self.wrapped.write(self._redactor.redact(ready))
        return len(text)

    def flush(self) -> None:
        with self._lock:
            if self._pending:
                self.wrapped.write(self._redactor.redact(self._pending))
                self._pending = ""
        self.wrapped.flush()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.wrapped.isatty()

    def fileno(self) -> int:
        return self.wrapped.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self.wrapped.encoding

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def _write_redacted(redactor: Redactor, text: str) -> None:
    stream = sys.stderr or sys.__stderr__
    if stream is None:
        return
    stream.write(redactor.redact(text))
    stream.flush()


def install(secrets: Iterable[str]) -> Redactor:
    """Redact ``secrets`` from stdout, stderr, uncaught exceptions, warnings and lastResort.

    Call it first thing in a command that holds secrets, before logging is set up, so every
    handler created afterwards writes through the redacting streams.
    """
    redactor = Redactor(secrets)
    for name in ("stdout", "stderr"):
        current = getattr(sys, name)
        if current is not None and not isinstance(current, RedactingStream):
            setattr(sys, name, RedactingStream(current, redactor))

    def excepthook(kind: type[BaseException], value: BaseException,
                   tb: TracebackType | None) -> None:
        _write_redacted(redactor, "".join(traceback.format_exception(kind, value, tb)))

    def thread_hook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        body = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                  args.exc_traceback))
        _write_redacted(redactor, f"Exception in thread {name}:\n{body}")

    def unraisable_hook(args: Any) -> None:
        where = f"{args.err_msg or 'Exception ignored in'}: {args.object!r}\n"
        body = "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                  args.exc_traceback))
        _write_redacted(redactor, where + body)

    sys.excepthook = excepthook
    threading.excepthook = thread_hook
    sys.unraisablehook = unraisable_hook
    if logging.lastResort is not None:
        logging.lastResort.addFilter(RedactingFilter(redactor))
    return redactor
