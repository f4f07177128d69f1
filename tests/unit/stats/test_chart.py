"""The chart is drawn from a real database: its bars are the report's figures."""

from __future__ import annotations

import datetime
import io

import sqlalchemy as sa
from PIL import Image

from referrals import load_dataset
from stats.chart import chart_figure, chart_png
from stats.measures import CONVERSATION, count
from stats.recorder import CountRecorder
from stats.report import complete_weeks, load_report

from .conftest import TODAY


def test_the_chart_of_a_real_database_shows_the_weekly_figures(
    engine: sa.engine.Engine,
) -> None:
    weeks = complete_weeks(TODAY, 12)
    written = {weeks[-1]: 8, weeks[-2]: 5, weeks[-3]: 2}  # 2 is too small to show
    for monday, n in written.items():
        recorder = CountRecorder(today=lambda day=monday: day)
        recorder.bind(engine)
        for _ in range(n):
            recorder.record(count(CONVERSATION, "takedown", "en", "webchat"))
        recorder.drain()
        recorder.close()
    report = load_report(engine, TODAY, 12, 5, load_dataset())

    figure = chart_figure(report)
    bars = [patch.get_height() for patch in figure.axes[0].patches]
    png = chart_png(report)

    assert bars == [0] * 9 + [0, 5, 8]
    assert [t.get_text() for t in figure.axes[0].get_legend().get_texts()] == [
        "takedown"
    ]
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.size == (1000, 560)


def test_an_empty_database_gives_a_chart_that_says_so(engine) -> None:
    report = load_report(engine, TODAY, 12, 5, load_dataset())
    figure = chart_figure(report)
    texts = " ".join(t.get_text() for t in figure.axes[0].texts)
    assert "No weekly cell of 5 or more yet" in texts
    assert chart_png(report).startswith(b"\x89PNG")
    assert report.published.weeks[-1] == datetime.date(2026, 11, 23)
