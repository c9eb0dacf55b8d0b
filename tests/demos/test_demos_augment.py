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


def test_a_seed_draws_the_same_grid_and_no_seed_a_new_one() -> None:
    """The same seed gives the same grid; without one, each grid draws a fresh seed."""
    a, meta_a = augment.run_augment(AugmentArgs(BuiltinImage.DIGIT, seed=7), None, "cpu")
    b, _ = augment.run_augment(AugmentArgs(BuiltinImage.DIGIT, seed=7), None, "cpu")
    c, _ = augment.run_augment(AugmentArgs(BuiltinImage.DIGIT, seed=8), None, "cpu")
    assert a == b != c
    assert meta_a["seed"] == 7
    seeds = {augment.run_augment(AugmentArgs(), None, "cpu")[1]["seed"] for _ in range(3)}
    assert len(seeds) == 3 and all(isinstance(s, int) and s > 0 for s in seeds)


def test_the_digit_is_never_shown_flipped_as_a_good_augmentation() -> None:
    """On the digit (a 6), flips and a 180° turn appear only as the red "breaks the label"
    tiles; every other tile is a transform that keeps a 6 a 6."""
    _, meta = augment.run_augment(AugmentArgs(BuiltinImage.DIGIT, seed=1), None, "cpu")
    labels, unsuitable = meta["labels"], meta["unsuitable"]
    assert isinstance(labels, list) and isinstance(unsuitable, list)
    assert meta["source"] == "a handwritten 6"
    assert unsuitable == ["flip: not a 6 now", "turned 180°: a 9?"]
    good = [label for label in labels if label not in unsuitable]
    assert not any("flip" in label or "180" in label for label in good), good
    assert "rotation ±15°" in good and len(good) >= 9
    assert all(a.keeps_label for a in augment.AUGMENTATIONS)  # photos: the general set


def test_digit_grid_marks_the_label_breaking_tiles_in_red() -> None:
    """The two tiles that change the digit carry a red header bar; the others a dark one."""
    png, meta = augment.run_augment(AugmentArgs(BuiltinImage.DIGIT, seed=1), None, "cpu")
    with Image.open(io.BytesIO(png)) as img:
        rgb = img.convert("RGB")
        labels = meta["labels"]
        assert isinstance(labels, list)
        for i, label in enumerate(labels):
            r, c = divmod(i, augment.COLUMNS)
            cell_h = (rgb.height - augment.GAP) // 3 - augment.GAP
            x = augment.GAP + c * (augment.TILE_W + augment.GAP) + 6
            y = augment.GAP + r * (cell_h + augment.GAP) + 6
            expected = augment.WRONG_HEADER if i >= len(labels) - 2 else augment.HEADER
            assert rgb.getpixel((x, y)) == expected, (label, rgb.getpixel((x, y)))


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


def test_augment_arguments_take_a_picture_name_and_a_seed() -> None:
    """`/augment digit 7` and `/augment 7 digit` both name the digit and seed 7; a seed out
    of range, or two seeds, get the usage."""
    from bot.demos.args import parse_args
    from bot.demos.types import DemoKind, DemoUsageError

    assert parse_args(DemoKind.AUGMENT, ("digit", "7")) == AugmentArgs(BuiltinImage.DIGIT, 7)
    assert parse_args(DemoKind.AUGMENT, ("7", "DIGIT")) == AugmentArgs(BuiltinImage.DIGIT, 7)
    assert parse_args(DemoKind.AUGMENT, ()) == AugmentArgs(BuiltinImage.SCENE, None)
    for junk in (("0",), ("1", "2"), ("99999999999",), ("cat",)):
        with pytest.raises(DemoUsageError, match="Usage: /augment"):
            parse_args(DemoKind.AUGMENT, junk)
