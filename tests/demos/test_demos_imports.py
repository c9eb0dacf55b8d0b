"""The bot side of demos stays light: importing it loads no part of the demo stack."""

from __future__ import annotations

import subprocess
import sys


def test_bot_demos_imports_no_heavy_modules() -> None:
    """`import bot.demos` (runner, CLI module included) leaves torch & co. out of sys.modules."""
    code = (
        "import sys, bot.demos, bot.demos.cli, bot.demos.runner; "
        "heavy = {'torch', 'matplotlib', 'kornia', 'numpy', 'sklearn', 'PIL'}; "
        "loaded = sorted(heavy & set(sys.modules)); "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
