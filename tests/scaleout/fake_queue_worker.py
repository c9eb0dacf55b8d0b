"""`bot.worker.queue_worker` with a torch-free demo process, for crash and timing tests.

The demo process is tests/demos/fake_demo_worker.py's: `request.card` "sleep:S" reports progress
then sleeps S seconds, "boom" fails, anything else answers at once with a 1-pixel PNG.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.config import Settings
from bot.worker.queue_worker import serve
from tests.demos.fake_demo_worker import fake_entry

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--queue", required=True)
    args = parser.parse_args()
    asyncio.run(serve(Settings(), queue_name=args.queue, entry=fake_entry))
