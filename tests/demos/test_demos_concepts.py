"""Card-tied demos end to end in-process: each yields a decodable picture and a fitting caption."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.demos import CATALOGUE, DemoKind, DemoRequest
from bot.worker import concepts
from bot.worker.jobs import run_request


@pytest.mark.parametrize(
    "kind",
    [
        DemoKind.SOFTMAX,
        DemoKind.CROSS_ENTROPY,
        DemoKind.MINIBATCH,
        DemoKind.ONE_CYCLE,
        DemoKind.FINE_TUNE,
        DemoKind.AUGMENT,
        DemoKind.LRFIND,
    ],
)
def test_every_demo_renders_png_and_captions_its_card(kind: DemoKind) -> None:
    """Each demo returns a PNG ~900-1000 px wide and a caption ≤1024 chars naming its card."""
    result = run_request(DemoRequest(kind, device="cpu"))
    with Image.open(io.BytesIO(result.png)) as img:
        assert img.format == "PNG"
        assert 800 <= img.size[0] <= 1100
    assert len(result.caption) <= 1024
    assert CATALOGUE[kind].card in result.caption
    assert result.meta["device"] == "cpu"


def test_caption_names_the_card_the_learner_came_from() -> None:
    """A request carrying a card's question names that card in the caption."""
    card = "What is discriminative learning rate?"
    result = run_request(DemoRequest(DemoKind.FINE_TUNE, card=card, device="cpu"))
    assert card in result.caption


def test_one_cycle_follows_fastai_defaults() -> None:
    """fit_one_cycle: lr from lr_max/25 up to lr_max at 25 %, down to ~lr_max/1e5; mom 0.95→0.85."""
    lrs, mom = concepts.one_cycle(400, 1e-3)
    assert lrs[0] == pytest.approx(1e-3 / 25)
    assert max(lrs) == pytest.approx(1e-3) and lrs.index(max(lrs)) == 100
    assert lrs[-1] < 1e-6
    assert mom[0] == pytest.approx(0.95) and min(mom) == pytest.approx(0.85)


def test_discriminative_rates_spread_geometrically() -> None:
    """fine_tune's unfrozen phase gives the earliest group base_lr/2/100 and the head base_lr/2."""
    assert concepts.even_mults(1e-5, 1e-3, 3) == pytest.approx([1e-5, 1e-4, 1e-3])


def test_minibatch_noise_shrinks_with_batch_size() -> None:
    """Measured gradient noise falls as the batch grows."""
    _, meta = concepts.minibatch_plot("cpu")
    noise = meta["noise"]
    assert isinstance(noise, list)
    assert noise == sorted(noise, reverse=True)
