"""`bot.worker.queue_worker` with a torch-free demo process, for crash and timing tests.

The demo's behaviour is chosen by `request.card`: "sleep:S" reports progress then sleeps S
seconds; anything else answers at once with a 1-pixel PNG.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from multiprocessing.connection import Connection

from bot.config import Settings
from bot.demos._entry import WorkerConfig
from bot.demos.types import DemoRequest, DemoResult
from bot.worker.queue_worker import serve

PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


def slow_entry(conn: Connection, config: WorkerConfig) -> None:
    conn.send(("ready", "cpu"))
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        if request is None:
            return
        assert isinstance(request, DemoRequest)
        card = request.card or ""
        if card.startswith("sleep:"):
            conn.send(("progress", 0.5, "half way"))
            time.sleep(float(card.split(":", 1)[1]))
        conn.send(("done", DemoResult(PNG_1PX, f"fake {request.kind.value}", 0.0, {})))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--queue", required=True)
    args = parser.parse_args()
    asyncio.run(serve(Settings(), queue_name=args.queue, entry=slow_entry))
