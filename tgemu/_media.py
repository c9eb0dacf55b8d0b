"""File ids and image metadata without an imaging library.

PhotoSize needs width and height; reading them from the PNG/JPEG/GIF/WebP header keeps the
emulator free of Pillow, and tests can pass any tiny image.
"""

from __future__ import annotations

import base64
import hashlib
import struct

_EXT_BY_MIME = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
}


def image_info(data: bytes) -> tuple[str | None, int, int]:
    """(mime, width, height); unknown formats give (None, 0, 0)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return "image/png", w, h
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return "image/gif", w, h
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        chunk = data[12:16]
        if chunk == b"VP8X":
            w = int.from_bytes(data[24:27], "little") + 1
            h = int.from_bytes(data[27:30], "little") + 1
            return "image/webp", w, h
        if chunk == b"VP8 ":
            w, h = struct.unpack("<HH", data[26:30])
            return "image/webp", w & 0x3FFF, h & 0x3FFF
        if chunk == b"VP8L" and len(data) >= 25:
            b = data[21:25]
            w = 1 + (((b[1] & 0x3F) << 8) | b[0])
            h = 1 + (((b[3] & 0xF) << 10) | (b[2] << 2) | ((b[1] & 0xC0) >> 6))
            return "image/webp", w, h
        return "image/webp", 0, 0
    if data.startswith(b"\xff\xd8"):
        return "image/jpeg", *_jpeg_size(data)
    return None, 0, 0


def _jpeg_size(data: bytes) -> tuple[int, int]:
    i = 2
    n = len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            i += 2
            continue
        (seg_len,) = struct.unpack(">H", data[i + 2 : i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            h, w = struct.unpack(">HH", data[i + 5 : i + 9])
            return w, h
        i += 2 + seg_len
    return 0, 0


def extension_for(mime: str | None, file_name: str | None) -> str:
    if file_name and "." in file_name:
        return file_name.rsplit(".", 1)[1].lower()[:8]
    return _EXT_BY_MIME.get(mime or "", "bin")


def make_file_ids(kind: str, counter: int, salt: int) -> tuple[str, str]:
    """Opaque ids shaped like Telegram's: long url-safe base64 file_id, short unique id."""
    digest = hashlib.blake2b(f"{kind}:{counter}:{salt}".encode(), digest_size=40).digest()
    prefix = {"photo": b"\x02", "document": b"\x05"}.get(kind, b"\x09")
    file_id = base64.urlsafe_b64encode(prefix + struct.pack(">Q", counter) + digest).decode()
    unique = base64.urlsafe_b64encode(b"\x01" + digest[:12]).decode().rstrip("=")
    return file_id.rstrip("="), unique
