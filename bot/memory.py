"""Giving freed memory back to the system.

glibc's allocator keeps the memory of freed objects in its heap for reuse, fragmented by the
many small objects a deck's cards are made of; after a large eviction from the personal-deck
cache that shows as resident memory nobody uses. `malloc_trim(0)` returns what it can. It is a
no-op where the C library has no such call (musl, macOS, Windows).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        trim: Callable[[int], int] = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError, TypeError):
        return None
    return trim


def return_freed_memory() -> bool:
    """Trim the C heap; whether anything could be done."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
