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
    # Not a lesson either: fitting the learner's FSRS parameters needs torch (from /settings).
    FSRS_FIT = "fsrs-fit"
    # Nor is the teacher's /class picture of their class's progress (bot.classes).
    CLASS = "class"

    @property
    def is_lesson(self) -> bool:
        """Lessons are what /demo lists and deck cards name; the others the bot runs itself."""
        return self not in (DemoKind.STATS, DemoKind.FSRS_FIT, DemoKind.CLASS)


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
class FitScore:
    """How well one parameter set predicts recall on reviews the fit did not see.

    `log_loss` is the mean binary cross-entropy of the predicted recall probability against
    what happened (lower is better); `predicted` is the mean predicted recall.
    """

    log_loss: float
    predicted: float


@dataclass(frozen=True, slots=True)
class FitReport:
    """What a parameter fit found; data for the bot to store and render, not a picture.

    `parameters` is None when there were too few spaced reviews (a day or more after the
    card's previous review) to fit anything. The scores, computed on the `checked_cards` the
    fit did not see, are None when too few of their reviews were left to compare on.
    """

    parameters: tuple[float, ...] | None
    reviews: int
    cards: int
    spaced_reviews: int
    checked_reviews: int
    checked_cards: int = 0
    actual_recall: float | None = None
    default: FitScore | None = None
    fitted: FitScore | None = None


@dataclass(frozen=True, slots=True)
class DemoResult:
    """A finished demo: a PNG, a plain-text caption (the renderer escapes it) and timings.

    `meta` carries small facts the tests and the bench read (suggested learning rates,
    tile labels, the device used); the bot does not need it. `fit` is set by FSRS_FIT
    only, whose result is the learner's parameters rather than a picture (`png` may then
    be empty).
    """

    png: bytes
    caption: str
    elapsed_s: float
    meta: dict[str, object] = field(default_factory=dict)
    fit: FitReport | None = None


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


class DemoUnavailable(DemoError):
    """No demo could be run at all: the workers or the queue (Redis) are down right now.

    Nothing ran, so the learner is told to try again in a minute and the use is not counted.
    """
