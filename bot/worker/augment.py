"""A labelled grid of kornia augmentations of a user photo or a generated picture."""

from __future__ import annotations

import functools
import io
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import kornia.augmentation as K
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from bot.demos.args import AugmentArgs, BuiltinImage, check_image_bytes
from bot.demos.types import DemoInputError
from bot.worker.data import digits

MAX_SIDE = 512  # photos are downscaled to this before augmenting
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before they eat the worker's RAM
COLUMNS = 4
TILE_W = 236
GAP = 8
LABEL_H = 34
SEED = 1234


@dataclass(frozen=True, slots=True)
class Augmentation:
    label: str
    build: Callable[[int, int], torch.nn.Module]  # (height, width) -> module, p=1


def _blur(h: int, w: int) -> torch.nn.Module:
    k = max(3, (min(h, w) // 40) | 1)  # kernel grows with the picture so the blur shows
    blur: torch.nn.Module = K.RandomGaussianBlur((k, k), (k / 4, k / 3), p=1.0)
    return blur


AUGMENTATIONS: tuple[Augmentation, ...] = (
    Augmentation("horizontal flip", lambda h, w: K.RandomHorizontalFlip(p=1.0)),
    Augmentation("rotation ±35°", lambda h, w: K.RandomRotation(35.0, p=1.0)),
    Augmentation(
        "random resized crop", lambda h, w: K.RandomResizedCrop((h, w), scale=(0.25, 0.5), p=1.0)
    ),
    Augmentation("colour jitter", lambda h, w: K.ColorJitter(0.3, 0.4, 0.7, 0.12, p=1.0)),
    Augmentation("perspective", lambda h, w: K.RandomPerspective(0.55, p=1.0)),
    Augmentation(
        "random erasing", lambda h, w: K.RandomErasing(scale=(0.08, 0.16), ratio=(0.5, 2.0), p=1.0)
    ),
    Augmentation(
        "affine (shift, zoom, shear)",
        lambda h, w: K.RandomAffine(
            10.0, translate=(0.12, 0.12), scale=(0.75, 0.9), shear=15.0, p=1.0
        ),
    ),
    Augmentation("grayscale", lambda h, w: K.RandomGrayscale(p=1.0)),
    Augmentation("gaussian blur", _blur),
    Augmentation("gaussian noise", lambda h, w: K.RandomGaussianNoise(std=0.1, p=1.0)),
    Augmentation(
        "motion blur",
        lambda h, w: K.RandomMotionBlur(max(3, (min(h, w) // 25) | 1), 35.0, 0.5, p=1.0),
    ),
)

TILE_LABELS: tuple[str, ...] = ("original", *(a.label for a in AUGMENTATIONS))


def decode_photo(data: bytes) -> Image.Image:
    """Decode a JPEG/PNG upload, honour its EXIF rotation and shrink it to MAX_SIDE."""
    check_image_bytes(data)
    try:
        with warnings.catch_warnings():
            # Pillow only warns between 1x and 2x its pixel limit; treat that as a refusal too.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            src = Image.open(io.BytesIO(data))  # reads only the header
            if src.format not in {"JPEG", "PNG"}:
                raise DemoInputError("That file is not a JPEG or PNG picture.")
            if src.width * src.height > MAX_PIXELS:
                raise DemoInputError("That picture has too many pixels to process.")
            src.draft("RGB", (MAX_SIDE * 2, MAX_SIDE * 2))  # JPEG: decode at reduced scale
            img = ImageOps.exif_transpose(src).convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise DemoInputError("That picture has too many pixels to process.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise DemoInputError(
            "That file could not be read as a picture (damaged or truncated?)."
        ) from None
    img.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    return img


@functools.cache
def builtin_image(which: BuiltinImage) -> Image.Image:
    """A deterministic, asymmetric picture so every transform is visible (flips included)."""
    if which is BuiltinImage.DIGIT:
        x = digits().x_train[0].reshape(8, 8).numpy()
        arr = (np.clip(x, 0, 1) * 255).astype(np.uint8)
        img = Image.fromarray(arr, "L").resize((256, 256), Image.Resampling.BICUBIC)
        return ImageOps.colorize(img, black="#101030", white="#ffd24a")
    w, h = 384, 288
    img = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(img)
    for y in range(h * 2 // 3):  # sky gradient
        t = y / (h * 2 / 3)
        draw.line([(0, y), (w, y)], fill=(int(90 + 90 * t), int(160 + 60 * t), 235))
    draw.rectangle([0, h * 2 // 3, w, h], fill=(70, 150, 60))
    draw.ellipse([w - 95, 18, w - 35, 78], fill=(255, 215, 60))  # sun, top right
    draw.rectangle([60, 130, 190, 220], fill=(200, 70, 60))  # house
    draw.polygon([(45, 132), (125, 70), (205, 132)], fill=(120, 50, 40))
    draw.rectangle([110, 170, 140, 220], fill=(90, 55, 30))  # door
    draw.rectangle([150, 150, 178, 175], fill=(180, 220, 250))  # window
    draw.rectangle([272, 150, 286, 215], fill=(100, 65, 35))  # tree trunk
    draw.ellipse([240, 95, 318, 170], fill=(40, 120, 45))
    for i in range(6):  # path, so perspective and shear show up
        draw.ellipse([130 + i * 22, 225 + i * 9, 150 + i * 22, 235 + i * 9], fill=(200, 190, 150))
    draw.text((12, 10), "tutorbot", fill=(255, 255, 255), font=ImageFont.load_default(size=26))
    return img


def augment_batch(img: Image.Image, device: str) -> torch.Tensor:
    """One batch holding the original and each augmentation of it, computed on `device`."""
    arr = np.array(img, dtype=np.uint8)  # a writable copy for torch
    x = torch.from_numpy(arr).to(device).permute(2, 0, 1).float().div_(255.0)
    h, w = x.shape[1:]
    batch = x.unsqueeze(0).repeat(len(TILE_LABELS), 1, 1, 1)
    torch.manual_seed(SEED)
    with torch.no_grad():
        for i, aug in enumerate(AUGMENTATIONS, start=1):
            batch[i : i + 1] = aug.build(h, w).to(device)(batch[i : i + 1]).clamp_(0, 1)
    return batch


def grid_png(batch: torch.Tensor, labels: tuple[str, ...]) -> tuple[bytes, tuple[int, int]]:
    """Tile the batch in COLUMNS columns with a caption bar above each tile."""
    n, _, h, w = batch.shape
    tile_h = max(120, min(int(TILE_W * h / w), int(TILE_W * 1.4)))
    small = F.interpolate(batch, size=(tile_h, TILE_W), mode="bilinear", antialias=True)
    tiles = small.clamp(0, 1).mul(255).round().byte().permute(0, 2, 3, 1).cpu().numpy()
    rows = math.ceil(n / COLUMNS)
    cell_h = LABEL_H + tile_h
    canvas = Image.new(
        "RGB", (GAP + COLUMNS * (TILE_W + GAP), GAP + rows * (cell_h + GAP)), (245, 245, 245)
    )
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default(size=20)
    for i, label in enumerate(labels):
        r, c = divmod(i, COLUMNS)
        x0, y0 = GAP + c * (TILE_W + GAP), GAP + r * (cell_h + GAP)
        draw.rectangle([x0, y0, x0 + TILE_W - 1, y0 + LABEL_H - 1], fill=(40, 44, 52))
        draw.text((x0 + TILE_W / 2, y0 + LABEL_H / 2), label, fill="white", font=font, anchor="mm")
        canvas.paste(Image.fromarray(tiles[i]), (x0, y0 + LABEL_H))
    out = io.BytesIO()
    canvas.save(out, format="PNG", compress_level=1)
    return out.getvalue(), canvas.size


def run_augment(
    args: AugmentArgs, image: bytes | None, device: str
) -> tuple[bytes, dict[str, object]]:
    """Augment the user's photo (or a built-in picture) and lay the results out as a grid."""
    if image is not None:
        img, source = decode_photo(image), "your photo"
    else:
        img = builtin_image(args.builtin)
        source = (
            "a generated scene"
            if args.builtin is BuiltinImage.SCENE
            else "a digit from the training data"
        )
    batch = augment_batch(img, device)
    png, size = grid_png(batch, TILE_LABELS)
    meta: dict[str, object] = {
        "labels": list(TILE_LABELS),
        "tiles": int(batch.shape[0]),
        "source": source,
        "input_size": img.size,
        "size": size,
    }
    return png, meta
