"""The demos the demo benches run, and the phone-sized photo they augment (generated, never
downloaded); shared by bench/demos.py and bench/gpu_demos.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.demos import DemoKind, DemoRequest

CASES: list[tuple[str, DemoKind, tuple[str, ...]]] = [
    ("lrfind mlp", DemoKind.LRFIND, ("mlp",)),
    ("lrfind cnn", DemoKind.LRFIND, ("cnn",)),
    ("augment", DemoKind.AUGMENT, ()),
    ("augment photo", DemoKind.AUGMENT, ("photo",)),
    ("softmax", DemoKind.SOFTMAX, ()),
    ("cross-entropy", DemoKind.CROSS_ENTROPY, ()),
    ("minibatch", DemoKind.MINIBATCH, ()),
    ("one-cycle", DemoKind.ONE_CYCLE, ()),
    ("fine-tune", DemoKind.FINE_TUNE, ()),
]


PHOTO = Path("/tmp/tutorbot_bench_photo.jpg")


def load_photo() -> bytes:
    """A 3000x2000 JPEG like a phone photo, generated once in a child process so neither the
    caller nor the cold runs carry the numpy arrays that made it (no downloads)."""
    if not PHOTO.exists():
        subprocess.run([sys.executable, __file__], check=True)
    return PHOTO.read_bytes()


def make_photo() -> None:
    import io

    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:2000, 0:3000]
    arr = np.stack([xx * 255 // 3000, yy * 255 // 2000, (xx + yy) * 255 // 5000], -1)
    arr = (arr + rng.integers(0, 30, arr.shape)).clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="JPEG", quality=90)
    PHOTO.write_bytes(buf.getvalue())


def demo_request(
    kind: DemoKind, args: tuple[str, ...], device: str, photo: bytes | None
) -> DemoRequest:
    if args == ("photo",):
        return DemoRequest(kind, (), image=photo, device=device)
    return DemoRequest(kind, args, device=device)


if __name__ == "__main__":
    make_photo()
