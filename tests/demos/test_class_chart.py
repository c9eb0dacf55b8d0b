"""The /class picture's arguments: what the bot sends the worker is read back whole, a large
class is pooled into "others", and junk is refused with the usage line, never drawn."""

from __future__ import annotations

import json
from datetime import date

import pytest

from bot.classes import ClassReport, LearnerProgress, chart_payload
from bot.demos.args import ClassArgs, parse_args
from bot.demos.types import DemoKind, DemoUsageError
from bot.worker import class_chart


def report(learners: int) -> ClassReport:
    people = tuple(LearnerProgress(f"L{i}", reviews=i, reviews_week=i, active_today=i % 2 == 0,
                                   retention_reviews=i, retention_passed=i // 2,
                                   per_day=(0,) * 13 + (i,)) for i in range(learners))
    return ClassReport(1, "Verbs <b>", 3, True, date(2026, 3, 4), people, (), (), ())


def test_the_payload_is_read_back_as_sent() -> None:
    """Names, days, retention and the deck's title cross to the worker unchanged."""
    args = parse_args(DemoKind.CLASS, (chart_payload(report(3)),))
    assert isinstance(args, ClassArgs)
    assert args.title == "Verbs <b>" and args.today == "2026-03-04"
    assert [p.name for p in args.learners] == ["L0", "L1", "L2"]
    assert args.learners[2].per_day[-1] == 2 and args.learners[2].retention == 0.5
    assert args.learners[0].retention is None


def test_a_large_class_is_drawn_with_the_rest_pooled() -> None:
    """Forty learners: the busiest eight get colours, the others one grey bar."""
    args = parse_args(DemoKind.CLASS, (chart_payload(report(40)),))
    assert isinstance(args, ClassArgs)
    figure = class_chart.draw(args)
    labels = figure.axes[0].get_legend_handles_labels()[1]
    assert labels[:2] == ["L39", "L38"] and labels[-1] == "32 others"
    png, meta = class_chart.class_chart(args)
    assert png.startswith(b"\x89PNG") and meta["learners"] == 40


@pytest.mark.parametrize("junk", ["not json", json.dumps({"title": "x"}),
                                  json.dumps({"title": "x", "today": "2026-03-04",
                                              "learners": [{"name": "a"}], "hardest": []})])
def test_junk_is_refused_with_the_usage(junk: str) -> None:
    """A request that did not come from /class names /class, and nothing is drawn."""
    with pytest.raises(DemoUsageError, match="/class"):
        parse_args(DemoKind.CLASS, (junk,))
