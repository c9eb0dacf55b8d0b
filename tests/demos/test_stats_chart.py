"""The /stats picture from a learner's first day: a calendar of the days since they started,
today's answers by rating, the forecast and the streak."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
from matplotlib.image import AxesImage

from bot.demos.args import StatsArgs, parse_args
from bot.demos.types import DemoKind
from bot.stats import chart_payload, learner_stats
from bot.worker import stats_chart
from tests.bot.test_study_loop import LEARNER, press, say
from tests.conftest import RunningBot

TODAY = date(2026, 3, 4)  # a Wednesday


def test_calendar_covers_the_weeks_since_the_first_review() -> None:
    """A first-day learner gets their first 4 weeks, from this week on; a 9-week learner the
    10 weeks since their start; a long history the last 26 weeks."""
    monday = TODAY - timedelta(days=TODAY.weekday())
    assert stats_chart.calendar_span(TODAY, {TODAY.isoformat(): 3}) == (monday, 4)
    assert stats_chart.calendar_span(TODAY, {}) == (monday, 4)
    nine = TODAY - timedelta(weeks=9)
    assert stats_chart.calendar_span(TODAY, {nine.isoformat(): 1, TODAY.isoformat(): 1}) == (
        monday - timedelta(weeks=9), 10)
    long_ago = (TODAY - timedelta(days=400)).isoformat()
    assert stats_chart.calendar_span(TODAY, {long_ago: 1}) == (monday - timedelta(weeks=25), 26)


async def test_a_first_day_chart_shows_todays_answers(running_bot: RunningBot) -> None:
    """After a first session, the chart has today's cell numbered and framed, days before
    the start left blank, and today's answers counted by rating."""
    await say(running_bot, "/study")
    for rating in ("Again", "Good", "Good"):
        (graded,) = await say(running_bot, "no idea")
        (card,) = await press(running_bot, graded, rating)
        running_bot.clock.advance(minutes=1)
        if "Type your answer" not in card.body:
            await say(running_bot, "/study")
    stats = running_bot.db.call(learner_stats, telegram_id=LEARNER, now=running_bot.clock.now)
    assert stats is not None and stats.ratings_today == (1, 0, 2, 0)
    args = parse_args(DemoKind.STATS, (chart_payload(stats),))
    assert isinstance(args, StatsArgs)
    fig = stats_chart.draw(args)
    calendar, answers = fig.axes[0], fig.axes[1]
    (image,) = [i for i in calendar.get_images() if isinstance(i, AxesImage)]
    grid = np.ma.filled(image.get_array(), np.nan)
    assert grid.shape == (7, 4)
    today = stats.today
    assert grid[today.weekday(), 0] == 3  # the first of the learner's first four weeks
    assert np.isnan(grid[:, 1:]).all()  # days to come
    assert all(math.isnan(v) for v in grid[: today.weekday(), 0])  # before the start
    assert "3" in [t.get_text() for t in calendar.texts]
    assert any(p.get_edgecolor()[:3] != (0, 0, 0) for p in calendar.patches)  # today framed
    assert [round(p.get_height()) for p in answers.patches] == [1, 0, 2, 0]
    assert answers.get_title() == "Today: 3 answers"


def test_an_older_payload_without_todays_answers_still_draws() -> None:
    """A payload from the previous release (no ratings_today) still gives a chart."""
    payload = ('{"today":"2026-03-04","per_day":{"2026-03-04":2},"forecast":[1,0],'
               '"retention":null,"streak":1}')
    args = parse_args(DemoKind.STATS, (payload,))
    assert isinstance(args, StatsArgs) and args.ratings_today == (0, 0, 0, 0)
    png, meta = stats_chart.stats_chart(args)
    assert png.startswith(b"\x89PNG") and meta["weeks"] == 4
