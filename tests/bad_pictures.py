"""Hostile picture files, built byte by byte (no image library needed to make them).

Each is what an attacker sent as a document captioned /augment, paired with the words the
worker's refusal must show the learner.
"""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib

from PIL import Image

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def _zero_rows(width: int, height: int, bytes_per_pixel: int) -> bytes:
    """The zlib stream of `height` all-zero scanlines (filter byte 0), made row by row."""
    compressor = zlib.compressobj(9)
    row = bytes(1 + width * bytes_per_pixel)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    return b"".join(parts)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height RGB; only its first rows are present."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", _zero_rows(width, 4, 3))
            + _chunk(b"IEND", b""))


def decompression_bomb(side: int = 7000) -> bytes:
    """A complete, valid greyscale PNG: tens of kilobytes that decode to side² bytes."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", _zero_rows(side, side, 1))
            + _chunk(b"IEND", b""))


def truncated_png() -> bytes:
    """The first half of a real 256x256 photo-like PNG."""
    rng = random.Random(7)
    pixels = bytes(rng.randrange(256) for _ in range(256 * 256 * 3))
    img = Image.frombytes("RGB", (256, 256), pixels)
    out = io.BytesIO()
    img.save(out, format="PNG")
    data = out.getvalue()
    return data[: len(data) // 2]


def junk_after_signature() -> bytes:
    rng = random.Random(11)
    return PNG_SIGNATURE + bytes(rng.randrange(256) for _ in range(4096))


@functools.cache
def bad_pictures() -> tuple[tuple[str, bytes, str], ...]:
    """(file name, bytes, words the learner must read) for each attack."""
    return (
        ("huge.png", png_claiming(20000, 20000), "too many pixels"),
        ("truncated.png", truncated_png(), "could not be read"),
        ("junk.png", junk_after_signature(), "could not be read"),
        ("bomb.png", decompression_bomb(), "too many pixels"),
    )
