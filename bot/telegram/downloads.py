"""Files learners send, fetched never further than the bot will read them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from telegram import File

from bot.telegram.aiohttp_request import AiohttpRequest


async def download_at_most(file: File, limit: int) -> bytes | None:
    """The file's bytes, or None when it is larger than ``limit`` bytes.

    ``file_size`` is optional in the Bot API (a local Bot API server leaves it out), so the
    size check cannot always come first: the download itself stops at the limit instead.
    """
    path = file.file_path
    if path is None:
        raise ValueError("Telegram gave no file_path for this file")
    if not path.startswith(("http://", "https://")):
        # A local Bot API server in --local mode hands out paths on its own disk.
        return await asyncio.to_thread(_read_local, Path(path), limit)
    parts = urlsplit(path)
    url = urlunsplit(parts._replace(path=quote(parts.path)))  # as PTB encodes it
    request = file.get_bot().request
    if isinstance(request, AiohttpRequest):
        return await request.retrieve_at_most(url, limit)
    data = await request.retrieve(url)
    return None if len(data) > limit else data


def _read_local(path: Path, limit: int) -> bytes | None:
    return None if path.stat().st_size > limit else path.read_bytes()
