"""The augmentation grid: one labelled tile per augmentation, of a photo or a built-in image."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.demos.args import AugmentArgs, BuiltinImage
from bot.demos.types import DemoInputError
from bot.worker import augment


def _photo(size: tuple[int, int], fmt: str) -> bytes:
    img = Image.new("RGB", size, (30, 120, 200))
    img.paste((250, 200, 20), (size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return buf.getvalue()


def test_builtin_grid_has_one_tile_per_augmentation() -> None:
    """Without a photo: the original plus one tile per augmentation, labels in order."""
    png, meta = augment.run_augment(AugmentArgs(), None, "cpu")
    assert meta["tiles"] == len(augment.AUGMENTATIONS) + 1 == len(augment.TILE_LABELS)
    assert meta["labels"] == list(augment.TILE_LABELS)
    assert len(augment.TILE_LABELS) >= 10
    with Image.open(io.BytesIO(png)) as img:
        assert img.size == meta["size"]
        assert 800 <= img.size[0] <= 1100


def test_builtin_images_are_deterministic() -> None:
    """The generated scene and digit, and their augmentations, are the same every run."""
    a, _ = augment.run_augment(AugmentArgs(BuiltinImage.DIGIT), None, "cpu")
    b, _ = augment.run_augment(AugmentArgs(BuiltinImage.DIGIT), None, "cpu")
    assert a == b


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_large_photo_is_downscaled_and_augmented(fmt: str) -> None:
    """A 2000x1200 photo is shrunk to at most 512 px a side before augmenting."""
    png, meta = augment.run_augment(AugmentArgs(), _photo((2000, 1200), fmt), "cpu")
    assert max(meta["input_size"]) == 512  # type: ignore[call-overload]
    assert meta["source"] == "your photo"
    Image.open(io.BytesIO(png)).verify()


def test_non_image_and_truncated_bytes_are_rejected() -> None:
    """Bytes that are not a picture, or a cut-off JPEG, raise DemoInputError."""
    with pytest.raises(DemoInputError):
        augment.decode_photo(b"GIF89a not supported")
    data = _photo((400, 300), "JPEG")
    with pytest.raises(DemoInputError):
        augment.decode_photo(data[: len(data) // 3])


def test_oversized_upload_is_rejected() -> None:
    """A file over the 10 MB limit is refused before decoding."""
    with pytest.raises(DemoInputError, match="limit"):
        augment.decode_photo(b"\x89PNG\r\n\x1a\n" + bytes(11 * 1024 * 1024))


def test_decompression_bomb_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    """A picture with too many pixels is refused rather than decoded."""
    monkeypatch.setattr(augment, "MAX_PIXELS", 100_000)
    with pytest.raises(DemoInputError, match="too many pixels"):
        augment.decode_photo(_photo((1000, 1000), "PNG"))
