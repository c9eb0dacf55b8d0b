"""Caption text for each demo: how to read the picture and which card it belongs to.

Pure functions over the numbers a worker computed, kept bot-side so that the wording lives
with the catalogue. Plain text: the Telegram renderer escapes it for HTML parse mode.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.demos.catalogue import CATALOGUE
from bot.demos.types import DemoKind

CAPTION_LIMIT = 1024  # Telegram's limit for a photo caption


def clip(text: str, limit: int = CAPTION_LIMIT) -> str:
    """Keep a caption within Telegram's limit, cutting at a line break where possible."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 1)
    cut = cut if cut > limit // 2 else limit - 1
    return text[:cut].rstrip() + "…"


def _footer(kind: DemoKind, card: str | None) -> str:
    return f"\nCard: “{card or CATALOGUE[kind].card}”"


def lrfind(
    *,
    model: str,
    suggestions: Mapping[str, float],
    batches: int,
    stopped_early: bool,
    card: str | None = None,
) -> str:
    picks = ", ".join(f"{name} {lr:.1e}" for name, lr in suggestions.items())
    stop = (
        f"It stopped after {batches} mini-batches, when the smoothed loss passed 4× its best."
        if stopped_early
        else f"It ran all {batches} mini-batches without diverging."
    )
    text = (
        f"Learning-rate finder on a small {model.upper()} trained on handwritten digits.\n"
        "Each point is one mini-batch trained at a learning rate a bit larger than the last "
        "(x axis, log scale). Far left the rate is too small to move the loss; far right it "
        "is so large the loss explodes. Pick a rate where the loss is still falling steeply, "
        f"before the minimum. {stop}\n"
        f"Suggestions: {picks} (valley is fastai's default; minimum/10 is a tenth of the rate "
        "at the lowest loss, the hollow circle)." + _footer(DemoKind.LRFIND, card)
    )
    return clip(text)


def augment(*, labels: Sequence[str], source: str, seed: int, builtin: str | None,
            unsuitable: Sequence[str] = (), card: str | None = None) -> str:
    again = (f"/augment {builtin} {seed}" if builtin else
             f"the same photo captioned /augment {seed}")
    fresh = (f"Every request draws new random parameters, as each epoch of training does; "
             f"this grid's seed is {seed} ({again} draws it again).")
    shown = [label for label in labels[1:] if label not in unsuitable]
    if unsuitable:
        text = (
            f"Data augmentation of {source}, as a digit model should see it: the top-left tile "
            f"is the original; {', '.join(shown)} all leave a 6 a 6. The red tiles change the "
            "answer: mirrored it is no digit at all, turned over it reads as a 9. So digit "
            "training never flips and turns only a little; flips suit photos of things and "
            f"scenes (/augment scene). {fresh}"
        )
    else:
        text = (
            f"Data augmentation of {source}: the top-left tile is the original, every other "
            "tile is one random transform applied to it, as a training loop would see it. The "
            "model rarely sees the exact same picture twice and learns what the object looks "
            f"like rather than memorising pixels. {fresh}\n"
            f"Transforms: {', '.join(shown)}. For digits or text, leave out the flips "
            "(/augment digit shows why)."
        )
    return clip(text + _footer(DemoKind.AUGMENT, card))


def softmax(*, temperatures: Sequence[float], card: str | None = None) -> str:
    temps = ", ".join(f"{t:g}" for t in temperatures)
    text = (
        "Softmax turns scores (logits) into probabilities: exp(score / T), divided by the sum. "
        "Left: the raw scores. Right: the probabilities at temperatures "
        f"{temps}. Exponentiation makes a small lead in score a large lead in probability; a "
        "low temperature sharpens that towards a hard max, a high one flattens it towards "
        "uniform." + _footer(DemoKind.SOFTMAX, card)
    )
    return clip(text)


def cross_entropy(card: str | None = None) -> str:
    text = (
        "Cross-entropy loss for one example is −log(p), where p is the probability the model "
        "gave the true class. Near p = 1 the loss is almost 0; as p falls towards 0 it shoots "
        "up. A confident mistake (true class given 1%) costs about 4.6, far more than an "
        "unsure one (40% → 0.9), which is why training focuses on confidently wrong "
        "predictions." + _footer(DemoKind.CROSS_ENTROPY, card)
    )
    return clip(text)


def minibatch(*, best_bs: int, card: str | None = None) -> str:
    text = (
        "Mini-batch size on the digits data. Left: how noisy the gradient is (its spread "
        "around the full-data gradient) for each batch size: small batches give noisy but "
        "cheap steps. Right: the time one step takes, measured here. Larger batches give "
        "smoother gradients, and on a GPU they cost little extra per step until memory runs "
        f"out, hence ‘as many as fit’. On this machine bs={best_bs} processed the most "
        "samples per second." + _footer(DemoKind.MINIBATCH, card)
    )
    return clip(text)


def one_cycle(*, lr_max: float, card: str | None = None) -> str:
    text = (
        "A one-cycle schedule like fastai's fit_one_cycle, as learn.recorder.plot_sched() "
        f"shows it. Left: the learning rate warms up from lr_max/25 to lr_max = {lr_max:g} "
        "over the first quarter, then anneals (cosine) to almost zero. Right: momentum does "
        "the opposite, 0.95 → 0.85 → 0.95, so the high-learning-rate phase is not also "
        "pushed by high momentum." + _footer(DemoKind.ONE_CYCLE, card)
    )
    return clip(text)


def fine_tune(*, epochs: int, base_lr: float, card: str | None = None) -> str:
    text = (
        f"What learn.fine_tune({epochs}, base_lr={base_lr:g}) does to the learning rates. "
        "First 1 epoch with the pretrained body frozen: only the new head trains (one-cycle "
        f"up to {base_lr:g}). Then everything is unfrozen for {epochs} more epochs with "
        "discriminative learning rates: the head peaks at base_lr/2, the earliest layer group "
        "at a rate 100× smaller, the groups between spread geometrically, because early "
        "layers already hold general features worth keeping. Log scale: each gridline is 10×."
        + _footer(DemoKind.FINE_TUNE, card)
    )
    return clip(text)


def class_progress() -> str:
    return clip(
        "Left: each learner's reviews of this deck on each of the last 14 days (today on the "
        "right). Top right: true retention per learner (share of learnt cards recalled in the "
        "last 30 days; the number is how many such reviews). Bottom right: the cards the class "
        "forgot most often (lapses), which may need a clearer answer or a keys: line."
    )


def stats() -> str:
    return clip(
        "Top left: your reviews per day since you started (darker = more; today framed). "
        "Top right: today's answers by rating. "
        "Bottom left: how many cards fall due on each of the next 30 days. "
        "Bottom right: your streak and true retention (share of learnt cards you recalled "
        "in the last 30 days; your target is your desired retention)."
    )


def fsrs_fit(*, fitted: bool) -> str:
    if not fitted:
        return "Too few reviews spaced a day or more apart to fit your own parameters yet."
    return clip(
        "Grey: the default FSRS parameters; green: the ones fitted to your reviews. Left: how "
        "a new card fades after a first Good. Right: the days between reviews of a card you "
        "answer Good every time, at 90% desired retention."
    )
