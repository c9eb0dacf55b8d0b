"""Run the emulator as a standalone server for bot subprocesses, benchmarks or manual poking.

``python -m tgemu --port 8081`` prints the URLs to put in
TELEGRAM_API_URL / TELEGRAM_FILE_URL; drive it through the ``/_emulator`` HTTP API.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging

from ._server import BotApiEmulator


async def _serve(host: str, port: int) -> None:
    emu = BotApiEmulator()
    await emu.start(host=host, port=port)
    print(f"TELEGRAM_API_URL={emu.base_url}", flush=True)
    print(f"TELEGRAM_FILE_URL={emu.file_url}", flush=True)
    print(f"test API: {emu.url}/_emulator/  (sample token: {emu.token})", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.port))


if __name__ == "__main__":
    main()
