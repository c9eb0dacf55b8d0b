"""A labelled grid of kornia augmentations of a user photo or a generated picture.

Every grid draws fresh random parameters (a new seed each time, named in the caption so a
grid can be drawn again), as training does each epoch. The digit gets the transforms that keep
a digit's label, next to two that break it, because which augmentations suit depends on what
the label means: a mirrored 6 is no digit at all, and a 6 turned over is a 9.
"""

from __future__ import annotations

import functools
import io
import math
import secrets
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import kornia.augmentation as K
import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from bot.demos.args import MAX_AUGMENT_SEED, AugmentArgs, BuiltinImage, check_image_bytes
from bot.demos.types import DemoInputError
from bot.worker.data import digits

MAX_SIDE = 512  # photos are downscaled to this before augmenting
MAX_PIXELS = 40_000_000  # refuse decompression bombs well before they eat the worker's RAM
COLUMNS = 4
TILE_W = 236
GAP = 8
LABEL_H = 34

HEADER = (40, 44, 52)
WRONG_HEADER = (176, 32, 32)  # a transform that changes what the picture is


@dataclass(frozen=True, slots=True)
class Augmentation:
    label: str
    build: Callable[[int, int], torch.nn.Module]  # (height, width) -> module, p=1
    keeps_label: bool = True  # False: shown as a mistake, in red


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

# For handwritten digits: what keeps a 6 a 6 (small turns and shifts, stroke noise), then two
# transforms a digit model must never be trained with.
DIGIT_AUGMENTATIONS: tuple[Augmentation, ...] = (
    Augmentation("rotation ±15°", lambda h, w: K.RandomRotation(15.0, p=1.0)),
    Augmentation(
        "shift and zoom",
        lambda h, w: K.RandomAffine(0.0, translate=(0.1, 0.1), scale=(0.8, 1.1), p=1.0),
    ),
    Augmentation("shear ±15°", lambda h, w: K.RandomAffine(0.0, shear=15.0, p=1.0)),
    Augmentation(
        "elastic warp",
        lambda h, w: K.RandomElasticTransform((63, 63), (10.0, 10.0), (1.0, 1.0), p=1.0),
    ),
    Augmentation("perspective", lambda h, w: K.RandomPerspective(0.3, p=1.0)),
    Augmentation(
        "random erasing", lambda h, w: K.RandomErasing(scale=(0.03, 0.06), ratio=(0.5, 2.0), p=1.0)
    ),
    Augmentation("contrast", lambda h, w: K.ColorJitter(0.25, 0.5, p=1.0)),
    Augmentation("gaussian blur", _blur),
    Augmentation("gaussian noise", lambda h, w: K.RandomGaussianNoise(std=0.08, p=1.0)),
    Augmentation(
        "flip: not a 6 now", lambda h, w: K.RandomHorizontalFlip(p=1.0), keeps_label=False
    ),
    Augmentation(
        "turned 180°: a 9?",
        lambda h, w: K.RandomRotation((180.0, 180.0), p=1.0),
        keeps_label=False,
    ),
)


def transforms_for(builtin: BuiltinImage | None) -> tuple[Augmentation, ...]:
    """The digit's own set; photos and the scene get the general one."""
    return DIGIT_AUGMENTATIONS if builtin is BuiltinImage.DIGIT else AUGMENTATIONS


def fresh_seed() -> int:
    return secrets.randbelow(MAX_AUGMENT_SEED) + 1


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
        data = digits()
        six = int((data.y_train == 6).nonzero()[0])  # a 6: its flip and its 180° turn mislead
        x = data.x_train[six].reshape(8, 8).numpy()
        arr = (np.clip(x, 0, 1) * 255).astype(np.uint8)
        img = Image.fromarray(arr, "L").resize((256, 256), Image.Resampling.BICUBIC)
        # Black like the fill the geometric transforms leave, as in MNIST-style data.
        return ImageOps.colorize(img, black="#000000", white="#ffd24a")
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


def augment_batch(img: Image.Image, device: str, seed: int,
                  transforms: tuple[Augmentation, ...] = AUGMENTATIONS) -> torch.Tensor:
    """One batch holding the original and each augmentation of it, computed on `device`;
    the same seed draws the same parameters."""
    arr = np.array(img, dtype=np.uint8)  # a writable copy for torch
    x = torch.from_numpy(arr).to(device).permute(2, 0, 1).float().div_(255.0)
    h, w = x.shape[1:]
    batch = x.unsqueeze(0).repeat(len(transforms) + 1, 1, 1, 1)
    torch.manual_seed(seed)
    with torch.no_grad():
        for i, aug in enumerate(transforms, start=1):
            batch[i : i + 1] = aug.build(h, w).to(device)(batch[i : i + 1]).clamp_(0, 1)
    return batch


def grid_png(batch: torch.Tensor, labels: tuple[str, ...],
             wrong: frozenset[int] = frozenset()) -> tuple[bytes, tuple[int, int]]:
    """Tile the batch in COLUMNS columns with a caption bar above each tile; the tiles in
    `wrong` get a red bar and frame."""
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
        header = WRONG_HEADER if i in wrong else HEADER
        draw.rectangle([x0, y0, x0 + TILE_W - 1, y0 + LABEL_H - 1], fill=header)
        draw.text((x0 + TILE_W / 2, y0 + LABEL_H / 2), label, fill="white", font=font, anchor="mm")
        canvas.paste(Image.fromarray(tiles[i]), (x0, y0 + LABEL_H))
        if i in wrong:
            draw.rectangle([x0, y0, x0 + TILE_W - 1, y0 + cell_h - 1], outline=header, width=4)
    out = io.BytesIO()
    canvas.save(out, format="PNG", compress_level=1)
    return out.getvalue(), canvas.size


def run_augment(
    args: AugmentArgs, image: bytes | None, device: str
) -> tuple[bytes, dict[str, object]]:
    """Augment the user's photo (or a built-in picture) and lay the results out as a grid."""
    builtin: BuiltinImage | None = None
    if image is not None:
        img, source = decode_photo(image), "your photo"
    else:
        builtin = args.builtin
        img = builtin_image(builtin)
        source = "a generated scene" if builtin is BuiltinImage.SCENE else "a handwritten 6"
    transforms = transforms_for(builtin)
    seed = args.seed if args.seed is not None else fresh_seed()
    batch = augment_batch(img, device, seed, transforms)
    labels = ("original", *(a.label for a in transforms))
    wrong = frozenset(i for i, a in enumerate(transforms, start=1) if not a.keeps_label)
    png, size = grid_png(batch, labels, wrong)
    meta: dict[str, object] = {
        "labels": list(labels),
        "unsuitable": [a.label for a in transforms if not a.keeps_label],
        "tiles": int(batch.shape[0]),
        "source": source,
        "builtin": None if builtin is None else builtin.value,
        "seed": seed,
        "input_size": img.size,
        "size": size,
    }
    return png, meta
