"""The bot side of fitting stays light: it never imports torch, pandas or numpy."""

from __future__ import annotations

import subprocess
import sys


def test_bot_side_of_fitting_imports_no_heavy_modules() -> None:
    """Settings, the fit flow and the log gathering leave the optimizer's stack unimported."""
    code = (
        "import sys, bot.fitting, bot.telegram.fitting, bot.telegram.settings, bot.app; "
        "heavy = {'torch', 'pandas', 'numpy', 'tqdm', 'matplotlib', 'fsrs.optimizer'}; "
        "loaded = sorted(heavy & set(sys.modules)); "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
