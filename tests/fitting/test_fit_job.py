"""The FSRS fit job on its own: argument checks, the held-out comparison, valid parameters."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import fsrs
import pytest
from fsrs.scheduler import DEFAULT_PARAMETERS

from bot.demos import DemoKind, DemoRequest, DemoUsageError, parse_args
from bot.demos.args import MAX_FIT_REVIEWS, FitArgs, encode_fit_args
from tests.fitting.history import simulate

START = datetime(2025, 11, 1, 9, tzinfo=UTC)


def forgetful_log(cards: int = 40, days: int = 100) -> list[tuple[int, int, int, int | None]]:
    log, _ = simulate(list(range(1, cards + 1)), start=START, days=days)
    return [(card, int(rating), int(when.timestamp()), 9000) for card, rating, when in log]


def test_fit_arguments_round_trip() -> None:
    """The bot's JSON comes back as the same reviews in the worker."""
    reviews = [(3, 1, 1_760_000_000, 4000), (3, 3, 1_760_090_000, None)]
    parsed = parse_args(DemoKind.FSRS_FIT, [encode_fit_args(reviews)])
    assert parsed == FitArgs(tuple(reviews))


@pytest.mark.parametrize("junk", [
    "", "not json", "{}", '{"reviews": 3}', '{"reviews": [[1, 5, 1760000000, 1]]}',
    '{"reviews": [[1, 0, 1760000000, 1]]}', '{"reviews": [[1, true, 1760000000, 1]]}',
    '{"reviews": [[1, 3, -5, 1]]}', '{"reviews": [[1, 3, 1760000000, -1]]}',
    '{"reviews": [[1, 3, 1760000000]]}', '{"reviews": [[1.5, 3, 1760000000, 1]]}',
    json.dumps({"reviews": [[1, 3, 1_760_000_000, 1]] * (MAX_FIT_REVIEWS + 1)}),
])
def test_fit_arguments_junk_is_refused(junk: str) -> None:
    """Malformed or oversized review logs raise a usage error pointing at /settings."""
    with pytest.raises(DemoUsageError, match="/settings"):
        parse_args(DemoKind.FSRS_FIT, [junk])


def test_fit_finds_a_forgetful_learner_and_checks_it_on_unseen_cards() -> None:
    """Fitted parameters are valid and predict held-out reviews better than the defaults."""
    from bot.worker.fsrs_fit import HOLDOUT_EVERY, fit

    seen: list[float] = []
    report = fit(FitArgs(tuple(forgetful_log())), lambda f, _text: seen.append(f))
    assert report.parameters is not None and len(report.parameters) == 21
    fsrs.Scheduler(parameters=report.parameters)  # within fsrs's bounds
    assert report.parameters != tuple(DEFAULT_PARAMETERS)
    assert report.cards == 40 and report.checked_reviews >= 50
    assert report.default is not None and report.fitted is not None
    assert report.actual_recall is not None
    # The defaults are over-confident for this learner; the fit is closer and less surprised.
    assert report.default.predicted > report.actual_recall + 0.05
    assert abs(report.fitted.predicted - report.actual_recall) < abs(
        report.default.predicted - report.actual_recall)
    assert report.fitted.log_loss < report.default.log_loss
    assert seen == sorted(seen) and len(seen) >= 5 and seen[-1] < 1
    assert HOLDOUT_EVERY == 5  # the renderer's "cards the fit never saw" counts on it


def test_fit_with_few_spaced_reviews_proposes_nothing() -> None:
    """A log of same-day learning steps only has nothing to fit: no parameters, no picture."""
    from bot.worker.fsrs_fit import run_fit

    day = int(START.timestamp())
    reviews = tuple((card, 3, day + 60 * step, 5000) for card in range(1, 60)
                    for step in range(4))
    png, report = run_fit(FitArgs(reviews))
    assert png == b"" and report.parameters is None and report.spaced_reviews == 0


def test_run_request_returns_the_fit_and_its_curves() -> None:
    """Through the worker's dispatcher: a comparison PNG, and the report as data."""
    from PIL import Image

    from bot.worker.jobs import run_request

    result = run_request(DemoRequest(DemoKind.FSRS_FIT, (encode_fit_args(forgetful_log()),)))
    assert result.fit is not None and result.fit.parameters is not None
    with Image.open(io.BytesIO(result.png)) as img:
        assert img.format == "PNG" and 800 <= img.size[0] <= 1100
    assert "Grey: the default FSRS parameters" in result.caption
