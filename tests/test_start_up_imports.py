"""The bot process does not load library parts it never uses (see bot/__init__.py)."""

from __future__ import annotations

import subprocess
import sys

UNUSED = ("tornado", "click", "pygments")


def test_the_bot_process_leaves_unused_library_parts_unloaded() -> None:
    """Importing the application and the webhook server loads no tornado, click or pygments."""
    code = ("import sys, bot.app, bot.webserver; "
            f"print(','.join(m for m in {UNUSED!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == ""
