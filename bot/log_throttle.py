"""Rate-limited logging for lines an outsider can trigger at will.

A forged webhook request, a slow client or a failed accept() each deserve a line, but an
attacker sends them by the thousand per second: one line each once filled a disk with
654,078 lines in 80 s. A throttle lets the first few of a kind through per window and folds
the rest into a count carried by the next line that gets through.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass


@dataclass
class _Window:
    start: float
    passed: int = 0
    suppressed: int = 0


class LogThrottle:
    """At most `per_window` lines per `window_s` for each key; the rest are only counted."""

    def __init__(self, *, per_window: int = 5, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._per_window = per_window
        self._window_s = window_s
        self._clock = clock
        self._windows: dict[Hashable, _Window] = {}

    def admit(self, key: Hashable) -> int | None:
        """None: drop this line. Otherwise log it, noting this many suppressed before it."""
        now = self._clock()
        window = self._windows.get(key)
        if window is None or now - window.start >= self._window_s:
            carried = window.suppressed if window is not None else 0
            if len(self._windows) > 1000:  # keys are a handful of kinds; never let them pile up
                self._windows.clear()
            self._windows[key] = _Window(start=now, passed=1)
            return carried
        if window.passed < self._per_window:
            window.passed += 1
            carried, window.suppressed = window.suppressed, 0
            return carried
        window.suppressed += 1
        return None


def suppressed_note(count: int) -> str:
    """What a line that got through says about the ones that did not."""
    return f" ({count} similar lines suppressed)" if count else ""


class ThrottleFilter(logging.Filter):
    """A logging filter applying LogThrottle to each distinct message template of a logger
    (for libraries' lines, such as asyncio's "socket.accept() out of system resource")."""

    def __init__(self, *, per_window: int = 5, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self._throttle = LogThrottle(per_window=per_window, window_s=window_s, clock=clock)

    def filter(self, record: logging.LogRecord) -> bool:
        carried = self._throttle.admit((record.name, str(record.msg)))
        if carried is None:
            return False
        if carried:
            record.msg = record.getMessage() + suppressed_note(carried)
            record.args = ()
        return True
