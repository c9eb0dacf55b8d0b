"""What a demo job is, what it returns and how it fails; shared by the bot and the workers.

Everything here is plain data so that a job can cross a process boundary (pickle today,
a Redis queue later) without dragging the demo stack along.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class DemoKind(StrEnum):
    """Every demo a card can name by tag; the value is the tag used in deck files."""

    LRFIND = "lrfind"
    AUGMENT = "augment"
    SOFTMAX = "softmax"
    CROSS_ENTROPY = "cross-entropy"
    MINIBATCH = "minibatch"
    ONE_CYCLE = "one-cycle"
    FINE_TUNE = "fine-tune"
    # Not a lesson: the learner's own /stats chart, drawn where matplotlib may be imported.
    STATS = "stats"


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """One job: which demo, its raw arguments, an optional user image and the device wanted.

    `args` stays raw (as typed after the command) so that the worker re-validates what it
    runs; `card` optionally names the card the learner came from, for the caption.
    """

    kind: DemoKind
    args: tuple[str, ...] = ()
    image: bytes | None = None
    device: str = "auto"
    card: str | None = None


@dataclass(frozen=True, slots=True)
class DemoResult:
    """A finished demo: a PNG, a plain-text caption (the renderer escapes it) and timings.

    `meta` carries small facts the tests and the bench read (suggested learning rates,
    tile labels, the device used); the bot does not need it.
    """

    png: bytes
    caption: str
    elapsed_s: float
    meta: dict[str, object] = field(default_factory=dict)


class DemoError(Exception):
    """Base of every demo failure the bot turns into a friendly reply."""


class DemoUsageError(DemoError):
    """The arguments do not parse; the message is a usage text fit to show the learner."""


class DemoInputError(DemoError):
    """The attached file is not a usable image (wrong type, too large, undecodable)."""


class DemoBusy(DemoError):
    """This learner already has a demo running or queued."""


class DemoTimeout(DemoError):
    """The job ran past its time limit and its worker was replaced."""


class DemoCrashed(DemoError):
    """The worker died or failed unexpectedly during the job; a fresh one was started."""


class DemoCancelled(DemoError):
    """The learner (or shutdown) cancelled the job before it finished."""
