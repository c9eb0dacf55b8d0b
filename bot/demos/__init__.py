"""Demos: the catalogue, request/result types, argument parsing and the job runner.

The bot side of demos only; it never imports torch, matplotlib, kornia or numpy (a test
checks). The computing happens in bot.worker, inside worker processes.
"""

from bot.demos.args import check_image_bytes, parse_args, validate_request
from bot.demos.catalogue import CATALOGUE, DemoInfo, card_for, resolve_kind
from bot.demos.device import DeviceUnavailable, select_device
from bot.demos.runner import DemoRunner, LocalDemoRunner
from bot.demos.types import (
    DemoBusy,
    DemoCancelled,
    DemoCrashed,
    DemoError,
    DemoInputError,
    DemoKind,
    DemoRequest,
    DemoResult,
    DemoTimeout,
    DemoUnavailable,
    DemoUsageError,
)

__all__ = [
    "CATALOGUE",
    "DemoBusy",
    "DemoCancelled",
    "DemoCrashed",
    "DemoError",
    "DemoInfo",
    "DemoInputError",
    "DemoKind",
    "DemoRequest",
    "DemoResult",
    "DemoRunner",
    "DemoTimeout",
    "DemoUnavailable",
    "DemoUsageError",
    "DeviceUnavailable",
    "LocalDemoRunner",
    "card_for",
    "check_image_bytes",
    "parse_args",
    "resolve_kind",
    "select_device",
    "validate_request",
]
