"""Bot-side parsing and input checks for demos: pure, no demo stack needed."""

from __future__ import annotations

import pytest

from bot.demos import (
    DemoInputError,
    DemoKind,
    DemoRequest,
    DemoUsageError,
    check_image_bytes,
    parse_args,
    resolve_kind,
    validate_request,
)
from bot.demos.args import FineTuneArgs, LrFindArgs, LrModel, SoftmaxArgs
from bot.demos.captions import CAPTION_LIMIT, clip


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((), LrFindArgs()),
        (("cnn",), LrFindArgs(model=LrModel.CNN)),
        (("CNN", "1e-6", "1"), LrFindArgs(LrModel.CNN, 1e-6, 1.0)),
        (("1e-5", "0.5"), LrFindArgs(LrModel.MLP, 1e-5, 0.5)),
    ],
)
def test_lrfind_accepts_model_and_range(args: tuple[str, ...], expected: LrFindArgs) -> None:
    """Valid /lrfind arguments parse to the model and learning-rate range given."""
    assert parse_args(DemoKind.LRFIND, args) == expected


@pytest.mark.parametrize(
    "args",
    [
        ("banana",),
        ("cnn", "10", "1e-6"),  # reversed range
        ("cnn", "abc", "1"),
        ("nan", "1"),
        ("1e-7", "inf"),
        ("cnn", "1e-7", "1", "5"),  # too many
        ("1e-3",),  # a start without an end
        ("mlp", "1e-4", "5e-4"),  # less than a decade
        ("mlp", "-1", "1"),
    ],
)
def test_lrfind_rejects_junk_with_usage(args: tuple[str, ...]) -> None:
    """Junk /lrfind arguments raise DemoUsageError whose message includes the usage line."""
    with pytest.raises(DemoUsageError, match="Usage: /lrfind"):
        parse_args(DemoKind.LRFIND, args)


@pytest.mark.parametrize(
    ("kind", "args"),
    [
        (DemoKind.CROSS_ENTROPY, ("x",)),
        (DemoKind.MINIBATCH, ("1",)),
        (DemoKind.SOFTMAX, ("0",)),
        (DemoKind.SOFTMAX, ("1", "2", "3", "4", "5")),
        (DemoKind.ONE_CYCLE, ("fast",)),
        (DemoKind.FINE_TUNE, ("0",)),
        (DemoKind.FINE_TUNE, ("2.5",)),
        (DemoKind.AUGMENT, ("cat",)),
    ],
)
def test_other_demos_reject_junk(kind: DemoKind, args: tuple[str, ...]) -> None:
    """Every demo answers junk arguments with its usage text."""
    with pytest.raises(DemoUsageError, match="Usage:"):
        parse_args(kind, args)


def test_other_demos_parse_their_arguments() -> None:
    """Softmax temperatures are sorted and de-duplicated; fine-tune takes epochs and lr."""
    assert parse_args(DemoKind.SOFTMAX, ["3", "0.5", "3"]) == SoftmaxArgs((0.5, 3.0))
    assert parse_args(DemoKind.FINE_TUNE, ["3", "1e-3"]) == FineTuneArgs(3, 1e-3)


def test_resolve_kind_accepts_tags_and_aliases() -> None:
    """Deck tags, slash commands and common spellings all resolve; unknown names list demos."""
    assert resolve_kind("/lrfind") is DemoKind.LRFIND
    assert resolve_kind("lr_find") is DemoKind.LRFIND
    assert resolve_kind("Cross-Entropy") is DemoKind.CROSS_ENTROPY
    assert resolve_kind("fine_tune") is DemoKind.FINE_TUNE
    with pytest.raises(DemoUsageError, match="augment"):
        resolve_kind("dance")


def test_image_bytes_checked_by_magic_and_size() -> None:
    """JPEG and PNG pass by magic number; other bytes and oversized files are rejected."""
    assert check_image_bytes(b"\xff\xd8\xff\xe0rest") == "jpeg"
    assert check_image_bytes(b"\x89PNG\r\n\x1a\nrest") == "png"
    with pytest.raises(DemoInputError, match="not a JPEG or PNG"):
        check_image_bytes(b"%PDF-1.7 hello")
    with pytest.raises(DemoInputError, match="limit"):
        check_image_bytes(b"\xff\xd8\xff" + bytes(10 * 1024 * 1024))


def test_image_only_accepted_by_augment() -> None:
    """A picture attached to a demo that takes none is an input error, not silently dropped."""
    with pytest.raises(DemoInputError):
        validate_request(DemoRequest(DemoKind.SOFTMAX, image=b"\xff\xd8\xffxx"))
    validate_request(DemoRequest(DemoKind.AUGMENT, image=b"\xff\xd8\xffxx"))


def test_clip_keeps_captions_within_telegram_limit() -> None:
    """clip() shortens long captions to at most 1024 characters and marks the cut."""
    text = "line of caption text\n" * 100
    clipped = clip(text)
    assert len(clipped) <= CAPTION_LIMIT
    assert clipped.endswith("…")
    assert clip("short") == "short"
