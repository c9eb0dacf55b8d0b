"""Device selection is a pure rule over a setting and CUDA availability."""

from __future__ import annotations

import pytest

from bot.demos import DeviceUnavailable, select_device


@pytest.mark.parametrize(
    ("requested", "cuda", "expected"),
    [
        ("auto", True, "cuda"),
        ("auto", False, "cpu"),
        ("cpu", True, "cpu"),
        ("cpu", False, "cpu"),
        ("cuda", True, "cuda"),
        ("CUDA:1", True, "cuda:1"),
    ],
)
def test_select_device(requested: str, cuda: bool, expected: str) -> None:
    """auto prefers CUDA when present; explicit choices are honoured."""
    assert select_device(requested, cuda_available=cuda) == expected


def test_explicit_cuda_without_gpu_is_an_error() -> None:
    """Asking for CUDA on a machine without it fails loudly instead of running on the CPU."""
    with pytest.raises(DeviceUnavailable):
        select_device("cuda", cuda_available=False)


def test_unknown_device_is_rejected() -> None:
    """A typo in the device setting is rejected."""
    with pytest.raises(ValueError, match="unknown device"):
        select_device("gpu", cuda_available=True)
