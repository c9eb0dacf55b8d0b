"""The demo catalogue: what each demo shows, which card it belongs to and how to call it."""

from __future__ import annotations

from dataclasses import dataclass

from bot.demos.types import DemoKind, DemoUsageError


@dataclass(frozen=True, slots=True)
class DemoInfo:
    """How the bot introduces a demo; `card` is the seed-deck question it illustrates."""

    kind: DemoKind
    title: str
    card: str
    usage: str
    accepts_image: bool = False


CATALOGUE: dict[DemoKind, DemoInfo] = {
    DemoKind.LRFIND: DemoInfo(
        DemoKind.LRFIND,
        "Learning-rate finder",
        "Methodology of learning rate finder",
        "/lrfind [mlp|cnn] [start_lr end_lr]\n"
        "e.g. /lrfind cnn 1e-6 1 (defaults: mlp 1e-7 10; start < end, both in 1e-10..100)",
    ),
    DemoKind.AUGMENT: DemoInfo(
        DemoKind.AUGMENT,
        "Data augmentation",
        "What is data augmentation?",
        "/augment [scene|digit] [seed], or send a photo (JPEG/PNG up to 10 MB) with /augment; "
        "the seed (1-2147483647) draws a grid again",
        accepts_image=True,
    ),
    DemoKind.SOFTMAX: DemoInfo(
        DemoKind.SOFTMAX,
        "Softmax and temperature",
        "What is softmax?",
        "/demo softmax [T1 T2 ...] — up to 4 temperatures in 0.05..20, e.g. /demo softmax 0.5 1 3",
    ),
    DemoKind.CROSS_ENTROPY: DemoInfo(
        DemoKind.CROSS_ENTROPY,
        "Cross-entropy loss",
        "What is cross-entropy loss?",
        "/demo cross-entropy (no arguments)",
    ),
    DemoKind.MINIBATCH: DemoInfo(
        DemoKind.MINIBATCH,
        "Mini-batch size",
        "What is mini-batch?",
        "/demo minibatch (no arguments)",
    ),
    DemoKind.ONE_CYCLE: DemoInfo(
        DemoKind.ONE_CYCLE,
        "One-cycle schedule",
        "How to set learning rate schedule?",
        "/demo one-cycle [lr_max] — e.g. /demo one-cycle 3e-3 (default 1e-3, in 1e-6..10)",
    ),
    DemoKind.FINE_TUNE: DemoInfo(
        DemoKind.FINE_TUNE,
        "fine_tune and discriminative learning rates",
        "How default approach (learn.fine_tune()) functions?",
        "/demo fine-tune [epochs] [base_lr] — e.g. /demo fine-tune 4 2e-3 (epochs 1..20)",
    ),
    DemoKind.STATS: DemoInfo(
        DemoKind.STATS,
        "Your statistics",
        "",
        "/stats (it draws your own review history)",
    ),
    DemoKind.CLASS: DemoInfo(
        DemoKind.CLASS,
        "Your class",
        "",
        "/class (it draws how the learners of your shared deck are doing)",
    ),
    DemoKind.FSRS_FIT: DemoInfo(
        DemoKind.FSRS_FIT,
        "Personalising your schedule",
        "",
        "/settings → 🧠 Personalise schedule (it fits FSRS to your own reviews)",
    ),
}

# Spellings a learner (or a deck author) might reasonably type for a demo name.
_ALIASES: dict[str, DemoKind] = {
    "lr_find": DemoKind.LRFIND,
    "lr-find": DemoKind.LRFIND,
    "augmentation": DemoKind.AUGMENT,
    "crossentropy": DemoKind.CROSS_ENTROPY,
    "cross_entropy": DemoKind.CROSS_ENTROPY,
    "mini-batch": DemoKind.MINIBATCH,
    "onecycle": DemoKind.ONE_CYCLE,
    "one_cycle": DemoKind.ONE_CYCLE,
    "finetune": DemoKind.FINE_TUNE,
    "fine_tune": DemoKind.FINE_TUNE,
}


def resolve_kind(name: str) -> DemoKind:
    """Map a typed demo name or deck tag to its kind, or raise a usage error listing them."""
    key = name.strip().lower().lstrip("/")
    try:
        return DemoKind(key)
    except ValueError:
        pass
    if key in _ALIASES:
        return _ALIASES[key]
    # Only what /demo can run: the /stats chart and the schedule fit have their own commands.
    names = ", ".join(k.value for k in DemoKind if k.is_lesson)
    raise DemoUsageError(f"Unknown demo {name!r}. Available demos: {names}.")


def card_for(kind: DemoKind) -> str:
    """The card a demo belongs to, as the caption names it."""
    return CATALOGUE[kind].card
