"""Pick the torch device for a demo, as a pure function so the rule is testable anywhere."""

from __future__ import annotations

DEVICE_CHOICES = ("auto", "cpu", "cuda")


class DeviceUnavailable(ValueError):
    """CUDA was asked for explicitly but this machine has none: a configuration mistake."""


def select_device(requested: str, *, cuda_available: bool) -> str:
    """Return "cuda[:N]" or "cpu" for a setting of "auto", "cpu", "cuda" or "cuda:N".

    "auto" quietly falls back to the CPU; an explicit "cuda" without a GPU is an error rather
    than a silent slowdown, so a misconfigured deployment fails at start-up.
    """
    value = requested.strip().lower()
    if value == "auto":
        return "cuda" if cuda_available else "cpu"
    if value == "cpu":
        return "cpu"
    if value == "cuda" or (value.startswith("cuda:") and value[5:].isdigit()):
        if not cuda_available:
            raise DeviceUnavailable(f"device {requested!r} requested but CUDA is not available")
        return value
    raise ValueError(f"unknown device {requested!r}; expected one of {', '.join(DEVICE_CHOICES)}")
