"""A torch-free stand-in worker for runner tests: behaviour is chosen by `request.card`.

"sleep:S" reports progress then sleeps S seconds; "boom" raises inside the demo; anything
else answers at once. It speaks the same pipe protocol as bot.worker.serve.
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection

from bot.demos._entry import WorkerConfig
from bot.demos.protocol import ErrorKind, Event
from bot.demos.types import DemoRequest, DemoResult

# A 1x1 PNG, enough for a result.
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def fake_entry(conn: Connection, config: WorkerConfig) -> None:
    conn.send((Event.READY, "cpu"))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        assert isinstance(request, DemoRequest)
        conn.send((Event.STARTED,))  # the receipt, as bot/worker/serve.py sends it
        card = request.card or ""
        if card.startswith("sleep:"):
            conn.send((Event.PROGRESS, 0.5, "half way"))
            time.sleep(float(card.split(":", 1)[1]))
        if card == "boom":
            conn.send((Event.ERROR, ErrorKind.CRASHED, "ZeroDivisionError: boom"))
            continue
        conn.send((Event.DONE, DemoResult(PNG_1PX, f"fake {request.kind.value}", 0.0, {})))


def refusing_entry(conn: Connection, config: WorkerConfig) -> None:
    """fake_entry, except that it fails its warm-up while the file named by
    $FAKE_WORKER_REFUSE exists (a worker that cannot start: no GPU, no memory)."""
    flag = os.environ.get("FAKE_WORKER_REFUSE", "")
    if flag and os.path.exists(flag):
        conn.send((Event.FAILED, "RuntimeError: cannot start"))
        return
    fake_entry(conn, config)
