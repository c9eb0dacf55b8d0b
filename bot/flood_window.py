"""The sliding window behind the per-chat flood throttle, with no Telegram in it.

Counts live in this process's memory, which keeps the check free but means that several bot
instances each apply their own limit; that is enough against a runaway client or a person
holding a key down, and a flood spread over instances still costs each of them little.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

# Beyond this many chats seen within one window, the least recently seen are forgotten, so
# even a flood from very many chats cannot grow memory without limit.
MAX_TRACKED_CHATS = 100_000


@dataclass(frozen=True, slots=True)
class Admitted:
    pass


@dataclass(frozen=True, slots=True)
class Throttled:
    retry_in_s: int
    # True for the first refused update since the chat was last admitted: the one to answer.
    first: bool


@dataclass(slots=True)
class _Chat:
    admitted: deque[float]
    last_seen: float
    notified: bool = False


@dataclass
class FloodThrottle:
    """A sliding window per chat: at most `limit` admitted updates in any `window_s` seconds.

    Refused updates do not count, so a chat that keeps flooding still gets `limit` updates
    through per window, and is told to slow down once per episode. Memory stays bounded:
    at most `limit` timestamps per chat, and chats idle for a whole window are forgotten
    (nothing is lost by that: their window is empty).
    """

    limit: int
    window_s: float
    clock: Callable[[], float] = time.monotonic
    max_chats: int = MAX_TRACKED_CHATS
    _chats: OrderedDict[int, _Chat] = field(default_factory=OrderedDict, repr=False)

    def __len__(self) -> int:
        return len(self._chats)

    def admit(self, chat_id: int) -> Admitted | Throttled:
        now = self.clock()
        self._forget_idle(now)
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Chat(deque(maxlen=self.limit), now)
        else:
            self._chats.move_to_end(chat_id)
            chat.last_seen = now
        horizon = now - self.window_s
        while chat.admitted and chat.admitted[0] <= horizon:
            chat.admitted.popleft()
        if len(chat.admitted) < self.limit:
            chat.admitted.append(now)
            chat.notified = False
            return Admitted()
        first = not chat.notified
        chat.notified = True
        return Throttled(max(1, math.ceil(chat.admitted[0] + self.window_s - now)), first)

    def _forget_idle(self, now: float) -> None:
        # Least recently seen first: stop at the first chat still inside its window.
        horizon = now - self.window_s
        while self._chats:
            oldest_id, oldest = next(iter(self._chats.items()))
            if oldest.last_seen > horizon and len(self._chats) < self.max_chats:
                return
            del self._chats[oldest_id]
