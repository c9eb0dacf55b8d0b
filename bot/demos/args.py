"""Pure argument parsing and input checks for demos; runs in the bot before anything is queued.

The worker calls the same parser again on what it receives, so a job that skipped the bot
(the CLI, a future queue) is validated identically.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from enum import StrEnum

from bot.demos.catalogue import CATALOGUE
from bot.demos.types import DemoInputError, DemoKind, DemoRequest, DemoUsageError

MAX_IMAGE_BYTES = 10 * 1024 * 1024

_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class LrModel(StrEnum):
    MLP = "mlp"
    CNN = "cnn"


class BuiltinImage(StrEnum):
    SCENE = "scene"
    DIGIT = "digit"


@dataclass(frozen=True, slots=True)
class LrFindArgs:
    model: LrModel = LrModel.MLP
    start_lr: float = 1e-7
    end_lr: float = 10.0
    num_it: int = 100


@dataclass(frozen=True, slots=True)
class AugmentArgs:
    builtin: BuiltinImage = BuiltinImage.SCENE
    seed: int | None = None  # None: the worker draws a fresh one, as each epoch does


MAX_AUGMENT_SEED = 2**31 - 1


@dataclass(frozen=True, slots=True)
class SoftmaxArgs:
    temperatures: tuple[float, ...] = (0.5, 1.0, 3.0)


@dataclass(frozen=True, slots=True)
class OneCycleArgs:
    lr_max: float = 1e-3


@dataclass(frozen=True, slots=True)
class FineTuneArgs:
    epochs: int = 4
    base_lr: float = 2e-3


@dataclass(frozen=True, slots=True)
class NoArgs:
    pass


@dataclass(frozen=True, slots=True)
class StatsArgs:
    """The learner's figures, computed bot-side from the database and passed as JSON."""

    today: str
    per_day: tuple[tuple[str, int], ...]
    forecast: tuple[int, ...]
    retention: float | None
    streak: int
    ratings_today: tuple[int, ...] = (0, 0, 0, 0)  # Again, Hard, Good, Easy


MAX_STATS_JSON = 64 * 1024


@dataclass(frozen=True, slots=True)
class ClassLearner:
    name: str
    per_day: tuple[int, ...]
    retention: float | None
    mature: int


@dataclass(frozen=True, slots=True)
class ClassArgs:
    """A class's figures for the /class picture, computed bot-side and passed as JSON."""

    title: str
    today: str
    learners: tuple[ClassLearner, ...]
    hardest: tuple[tuple[str, int], ...]  # (question, lapses)


MAX_CLASS_JSON = 64 * 1024

# One review as the fit job carries it: card id, rating 1-4, UTC POSIX seconds, duration ms.
FitReview = tuple[int, int, int, int | None]


@dataclass(frozen=True, slots=True)
class FitArgs:
    """The learner's review log for an FSRS fit, gathered bot-side and passed as JSON."""

    reviews: tuple[FitReview, ...]


# The bot trims a log to this many reviews (whole card histories); it bounds the job's time.
MAX_FIT_REVIEWS = 3000
MAX_FIT_JSON = 48 * MAX_FIT_REVIEWS

DemoArgs = (StatsArgs | ClassArgs | FitArgs | LrFindArgs | AugmentArgs | SoftmaxArgs | OneCycleArgs
            | FineTuneArgs | NoArgs)


def _usage(kind: DemoKind, problem: str) -> DemoUsageError:
    return DemoUsageError(f"{problem}\nUsage: {CATALOGUE[kind].usage}")


def _number(kind: DemoKind, text: str, what: str, lo: float, hi: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _usage(kind, f"{what} must be a number, not {text!r}.") from None
    # float() accepts "nan" and "inf"; neither is a learning rate.
    if not math.isfinite(value) or not lo <= value <= hi:
        raise _usage(kind, f"{what} must be between {lo:g} and {hi:g}, got {text!r}.")
    return value


def _integer(kind: DemoKind, text: str, what: str, lo: int, hi: int) -> int:
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise _usage(kind, f"{what} must be a whole number from {lo} to {hi}, got {text!r}.")
    return int(text)


def _too_many(kind: DemoKind, args: tuple[str, ...], limit: int) -> None:
    if len(args) > limit:
        raise _usage(kind, f"Too many arguments ({len(args)}; at most {limit}).")


def _lrfind(args: tuple[str, ...]) -> LrFindArgs:
    kind = DemoKind.LRFIND
    _too_many(kind, args, 3)
    rest = list(args)
    model = LrModel.MLP
    if rest and not _looks_numeric(rest[0]):
        word = rest.pop(0)
        if word.lower() not in {m.value for m in LrModel}:
            raise _usage(kind, f"Unknown model {word!r}; choose mlp or cnn.")
        model = LrModel(word.lower())
    if not rest:
        return LrFindArgs(model=model)
    if len(rest) != 2:
        raise _usage(kind, "Give both a start and an end learning rate, or neither.")
    start = _number(kind, rest[0], "start_lr", 1e-10, 100.0)
    end = _number(kind, rest[1], "end_lr", 1e-10, 100.0)
    # The finder sweeps upwards; less than a decade shows nothing useful.
    if end < start * 10:
        raise _usage(kind, f"end_lr must be at least 10 x start_lr (got {start:g} → {end:g}).")
    return LrFindArgs(model=model, start_lr=start, end_lr=end)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _augment(args: tuple[str, ...]) -> AugmentArgs:
    kind = DemoKind.AUGMENT
    _too_many(kind, args, 2)
    builtin, seed = BuiltinImage.SCENE, None
    for word in args:
        if word.isdigit():
            if seed is not None:
                raise _usage(kind, "Give one seed at most.")
            seed = _integer(kind, word, "seed", 1, MAX_AUGMENT_SEED)
            continue
        try:
            builtin = BuiltinImage(word.lower())
        except ValueError:
            raise _usage(kind, f"Unknown picture {word!r}; choose scene or digit.") from None
    return AugmentArgs(builtin, seed)


def _softmax(args: tuple[str, ...]) -> SoftmaxArgs:
    kind = DemoKind.SOFTMAX
    _too_many(kind, args, 4)
    if not args:
        return SoftmaxArgs()
    temps = tuple(_number(kind, a, "temperature", 0.05, 20.0) for a in args)
    return SoftmaxArgs(tuple(sorted(set(temps))))


def _one_cycle(args: tuple[str, ...]) -> OneCycleArgs:
    kind = DemoKind.ONE_CYCLE
    _too_many(kind, args, 1)
    if not args:
        return OneCycleArgs()
    return OneCycleArgs(_number(kind, args[0], "lr_max", 1e-6, 10.0))


def _fine_tune(args: tuple[str, ...]) -> FineTuneArgs:
    kind = DemoKind.FINE_TUNE
    _too_many(kind, args, 2)
    epochs = _integer(kind, args[0], "epochs", 1, 20) if args else 4
    base_lr = _number(kind, args[1], "base_lr", 1e-6, 1.0) if len(args) > 1 else 2e-3
    return FineTuneArgs(epochs=epochs, base_lr=base_lr)


def _none(kind: DemoKind, args: tuple[str, ...]) -> NoArgs:
    _too_many(kind, args, 0)
    return NoArgs()


def _stats(args: tuple[str, ...]) -> StatsArgs:
    kind = DemoKind.STATS
    if len(args) != 1 or len(args[0]) > MAX_STATS_JSON:
        raise _usage(kind, "The statistics chart is drawn from /stats.")
    try:
        data = json.loads(args[0])
        per_day = tuple((str(d), int(n)) for d, n in dict(data["per_day"]).items())
        forecast = tuple(int(n) for n in data["forecast"])[:60]
        retention = None if data["retention"] is None else float(data["retention"])
        # Absent from a bot of the previous release: its chart just has no answers panel.
        ratings = tuple(int(n) for n in data.get("ratings_today", (0, 0, 0, 0)))[:4]
        return StatsArgs(str(data["today"]), per_day, forecast, retention, int(data["streak"]),
                         ratings + (0,) * (4 - len(ratings)))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _usage(kind, "The statistics chart is drawn from /stats.") from None


def _class(args: tuple[str, ...]) -> ClassArgs:
    kind = DemoKind.CLASS
    if len(args) != 1 or len(args[0]) > MAX_CLASS_JSON:
        raise _usage(kind, "The class picture is drawn from /class.")
    try:
        data = json.loads(args[0])
        learners = tuple(
            ClassLearner(str(p["name"])[:64], tuple(int(n) for n in p["per_day"])[:60],
                         None if p["retention"] is None else float(p["retention"]),
                         int(p["mature"]))
            for p in data["learners"])
        hardest = tuple((str(q)[:200], int(n)) for q, n in data["hardest"])[:10]
        return ClassArgs(str(data["title"])[:256], str(data["today"]), learners, hardest)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise _usage(kind, "The class picture is drawn from /class.") from None


def encode_fit_args(reviews: list[FitReview]) -> str:
    """The one JSON argument of an FSRS_FIT request; `_fit` reads it back."""
    return json.dumps({"reviews": reviews}, separators=(",", ":"))


def _fit_review(row: object) -> FitReview:
    if not isinstance(row, list) or len(row) != 4:
        raise ValueError("a review is [card, rating, seconds, duration]")
    card, rating, seconds, duration = row
    if (not all(type(v) is int for v in (card, rating, seconds))
            or not 1 <= rating <= 4 or seconds < 0
            or not (duration is None or (type(duration) is int and duration >= 0))):
        raise ValueError("bad review")
    return card, rating, seconds, duration


def _fit(args: tuple[str, ...]) -> FitArgs:
    kind = DemoKind.FSRS_FIT
    if len(args) != 1 or len(args[0]) > MAX_FIT_JSON:
        raise _usage(kind, "Your schedule is personalised from /settings.")
    try:
        rows = json.loads(args[0])["reviews"]
        if not isinstance(rows, list) or len(rows) > MAX_FIT_REVIEWS:
            raise ValueError("not a list of reviews")
        return FitArgs(tuple(_fit_review(row) for row in rows))
    except (ValueError, KeyError, TypeError):
        raise _usage(kind, "Your schedule is personalised from /settings.") from None


def parse_args(kind: DemoKind, args: tuple[str, ...] | list[str]) -> DemoArgs:
    """Validate a demo's raw arguments; junk raises DemoUsageError carrying the usage."""
    words = tuple(a for a in (w.strip() for w in args) if a)
    match kind:
        case DemoKind.LRFIND:
            return _lrfind(words)
        case DemoKind.AUGMENT:
            return _augment(words)
        case DemoKind.SOFTMAX:
            return _softmax(words)
        case DemoKind.ONE_CYCLE:
            return _one_cycle(words)
        case DemoKind.FINE_TUNE:
            return _fine_tune(words)
        case DemoKind.CROSS_ENTROPY | DemoKind.MINIBATCH:
            return _none(kind, words)
        case DemoKind.STATS:
            return _stats(tuple(args))
        case DemoKind.FSRS_FIT:
            return _fit(tuple(args))
        case DemoKind.CLASS:
            return _class(tuple(args))


def check_image_bytes(data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES) -> str:
    """Cheaply accept JPEG or PNG bytes by their magic number and size; return "jpeg" or "png".

    Decoding (and catching truncated files or decompression bombs) happens in the worker;
    here only what costs nothing is checked, so the bot process never loads an image library.
    """
    if len(data) > max_bytes:
        raise DemoInputError(
            f"That file is {len(data) / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB."
        )
    if data.startswith(_JPEG_MAGIC):
        return "jpeg"
    if data.startswith(_PNG_MAGIC):
        return "png"
    raise DemoInputError("That file is not a JPEG or PNG picture; send a photo or an image file.")


def validate_request(request: DemoRequest) -> DemoArgs:
    """Check everything about a request that can be checked without the demo stack."""
    parsed = parse_args(request.kind, request.args)
    if request.image is not None:
        if not CATALOGUE[request.kind].accepts_image:
            raise DemoInputError(f"The {request.kind.value} demo does not take a picture.")
        check_image_bytes(request.image)
    return parsed
