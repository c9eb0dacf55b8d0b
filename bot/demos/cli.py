"""`tutorbot demo NAME [args] --out FILE.png`: run one demo in this process, headless."""

from __future__ import annotations

import sys
from pathlib import Path

from bot.demos.catalogue import resolve_kind
from bot.demos.types import DemoError, DemoKind, DemoRequest


def run_demo_cli(name: str, args: list[str], out: Path, device: str = "auto") -> int:
    """Run a demo and write its PNG; print the caption and the path. Returns an exit code.

    For augment, an argument naming an existing file is read as the photo to augment.
    """
    image: bytes | None = None
    rest = list(args)
    try:
        kind = resolve_kind(name)
        if kind is DemoKind.AUGMENT and rest and Path(rest[0]).is_file():
            image = Path(rest.pop(0)).read_bytes()
        request = DemoRequest(kind, tuple(rest), image=image, device=device)
        # Imported here: the CLI is the one bot-side caller allowed to load the demo stack.
        from bot.worker.jobs import configure_torch, run_request

        configure_torch()

        def progress(fraction: float, text: str) -> None:
            print(f"\r{fraction:4.0%} {text}", end="", file=sys.stderr, flush=True)

        result = run_request(request, progress)
    except (DemoError, ValueError) as exc:  # ValueError: a device setting that cannot work
        print(f"\n{exc}" if str(exc) else type(exc).__name__, file=sys.stderr)
        return 2
    print("", file=sys.stderr)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(result.png)
    print(result.caption)
    print(
        f"\nPicture written to {out} ({len(result.png) / 1024:.0f} KiB, {result.elapsed_s:.2f} s)"
    )
    return 0
