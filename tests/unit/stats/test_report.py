"""Suppression holds for every output: table, CSV, JSON, chart figures, totals.

Every figure is a sum of weekly cells of at least k, so a small cell is "<5"
where it is listed and adds nothing anywhere: no total, no subtraction of one
figure from another, no difference between weeks can bring it back. The
strongest form, checked last: changing the small cells changes no output.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any, Dict, List, Tuple

import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from referrals import load_dataset
from stats.measures import (
    COMPENSATION,
    CONVERSATION,
    MAY_BE_ELIGIBLE,
    REFERRAL,
    count,
)
from stats.render import csv_text, json_report, text_report
from stats.report import (
    PublishedCounts,
    Report,
    build_report,
    complete_weeks,
    load_report,
    published_counts,
)
from stats.table import Row, add_counts

from .conftest import TODAY

K = 5
WEEKS = complete_weeks(TODAY, 12)
LAST_WEEK = WEEKS[-1]  # Monday 2026-11-23
DATASET = load_dataset()


def add(engine: sa.engine.Engine, day: datetime.date, n: int, *values: str) -> None:
    add_counts(engine, day, [count(*values)] * n)  # type: ignore[arg-type]


def report_of(engine: sa.engine.Engine, today: datetime.date = TODAY) -> Report:
    return load_report(engine, today, 12, K, DATASET)


def outputs(report: Report) -> Dict[str, Any]:
    """Everything a reader sees, as data: text, CSV rows, JSON, chart figures."""
    return {
        "text": text_report(report),
        "csv": list(csv.reader(io.StringIO(csv_text(report)))),
        "json": json.dumps(json_report(report), sort_keys=True),
        "chart": {s: list(v) for s, v in report.weekly.items()},
    }


def test_a_small_cell_is_written_small_and_left_out_of_every_total(
    engine: sa.engine.Engine,
) -> None:
    tuesday = LAST_WEEK + datetime.timedelta(days=1)
    add(engine, tuesday, 7, CONVERSATION, "sextortion", "cs", "webchat")
    add(engine, tuesday, 2, CONVERSATION, "sextortion", "en", "webchat")
    add(engine, LAST_WEEK, 3, CONVERSATION, "sextortion", "cs", "telegram")

    report = report_of(engine)
    table = json_report(report)["by_language"]
    channels = json_report(report)["by_channel"]

    # 7 + 2 + 3 = 12 were counted; only the cell of 7 is at least 5.
    # No Ukrainian conversation: an empty cell is a small cell too.
    expected = {"cs": 7, "en": "<5", "uk": "<5", "total": 7}
    assert table["rows"]["sextortion"] == expected
    assert table["total"] == expected
    assert channels["rows"]["sextortion"]["webchat"] == 7
    assert channels["rows"]["sextortion"]["telegram"] == "<5"
    assert report.weekly["sextortion"][-1] == 7
    assert (
        dict(report.summary)["conversations referred (a session's first referral)"] == 7
    )
    week = LAST_WEEK.isoformat()
    rows = {tuple(r[:5]): r[5] for r in outputs(report)["csv"][1:]}
    assert rows[(week, CONVERSATION, "sextortion", "cs", "webchat")] == "7"
    assert rows[(week, CONVERSATION, "sextortion", "en", "webchat")] == "<5"
    assert rows[(week, CONVERSATION, "sextortion", "cs", "telegram")] == "<5"
    for figure in ("12", "9", "10", "2", "3"):  # no sum that holds a small cell
        assert f" {figure} " not in f" {outputs(report)['text']} ".replace("\n", " ")


def test_changing_the_small_cells_changes_no_output(engine: sa.engine.Engine) -> None:
    tuesday = LAST_WEEK + datetime.timedelta(days=1)
    add(engine, tuesday, 7, CONVERSATION, "sextortion", "cs", "webchat")
    add(engine, tuesday, 6, REFERRAL, "request_human", "en", "telegram")
    add(engine, tuesday, 5, COMPENSATION, MAY_BE_ELIGIBLE, "cs", "webchat")
    before = outputs(report_of(engine))

    add(engine, tuesday, 4, CONVERSATION, "sextortion", "en", "webchat")
    add(engine, WEEKS[0], 1, CONVERSATION, "suicidal_thoughts", "cs", "rest")
    add(engine, WEEKS[5], 3, REFERRAL, "request_human", "cs", "telegram")
    add(engine, WEEKS[5], 4, COMPENSATION, MAY_BE_ELIGIBLE, "en", "facebook")

    assert outputs(report_of(engine)) == before


def test_the_current_week_is_never_shown(engine: sa.engine.Engine) -> None:
    add(engine, TODAY, 9, CONVERSATION, "grooming", "cs", "webchat")
    assert report_of(engine).published.total(CONVERSATION) == 0
    next_monday = TODAY + datetime.timedelta(days=7 - TODAY.weekday())
    assert report_of(engine, next_monday).weekly["grooming"][-1] == 9


def test_the_csv_lists_every_cell_counted_or_not(engine: sa.engine.Engine) -> None:
    add(engine, LAST_WEEK, 6, CONVERSATION, "grooming", "en", "telegram")
    report = report_of(engine)
    rows = outputs(report)["csv"]
    published = report.published
    cells = sum(len(published.categories[m]) for m in published.categories)
    expected = len(WEEKS) * cells * len(published.languages) * len(published.channels)
    assert rows[0] == [
        "week_start",
        "measure",
        "category",
        "language",
        "channel",
        "count",
    ]
    assert len(rows) - 1 == expected
    assert {r[5] for r in rows[1:]} == {"<5", "6"}


def test_small_cells_cannot_be_published_by_mistake() -> None:
    cell = published_counts([], WEEKS, K, DATASET)
    try:
        PublishedCounts(
            K, WEEKS, cell.categories, cell.languages, cell.channels,
            {next(cell.grid())[0]: 4},
        )  # fmt: skip
    except ValueError:
        return
    raise AssertionError("a cell of 4 was accepted")


# --- Any counts at all --------------------------------------------------------

SITUATIONS = ("sextortion", "grooming", "request_human")
CELLS = st.tuples(
    st.sampled_from(range(len(WEEKS))),
    st.sampled_from((CONVERSATION, REFERRAL)),
    st.sampled_from(SITUATIONS),
    st.sampled_from(("cs", "en")),
    st.sampled_from(("webchat", "telegram")),
)
COUNTS = st.dictionaries(CELLS, st.integers(min_value=1, max_value=12), max_size=25)


def rows_of(counts: Dict[Tuple[int, str, str, str, str], int]) -> List[Row]:
    """Daily rows: each weekly cell split over two days of its week."""
    rows: List[Row] = []
    for (week, measure, category, language, channel), n in counts.items():
        monday = WEEKS[week]
        rows.append((monday, measure, category, language, channel, n // 2))
        rows.append(
            (monday + datetime.timedelta(days=6), measure, category, language,
             channel, n - n // 2)
        )  # fmt: skip
    return rows


def figures(value: Any) -> List[Any]:
    if isinstance(value, dict):
        return [f for v in value.values() for f in figures(v)]
    if isinstance(value, list):
        return [f for v in value for f in figures(v)]
    return [value]


@settings(max_examples=60, deadline=None)
@given(COUNTS, st.randoms(use_true_random=False))
def test_any_counts_show_no_small_figure_and_totals_add_up(counts, random) -> None:
    report = build_report(published_counts(rows_of(counts), WEEKS, K, DATASET), TODAY)
    page = json_report(report)

    shown = figures({key: v for key, v in page.items() if key != "min_count"})
    assert all(n >= K for n in shown if isinstance(n, int))
    for name in ("by_language", "by_channel"):
        table = page[name]
        as_int = lambda v: 0 if v == f"<{K}" else v  # noqa: E731
        for row in table["rows"].values():
            parts = [as_int(v) for c, v in row.items() if c != "total"]
            assert as_int(row["total"]) == sum(parts)
        columns = [c for c in table["total"] if c != "total"]
        for column in columns:
            assert as_int(table["total"][column]) == sum(
                as_int(row[column]) for row in table["rows"].values()
            )

    # The small cells, changed to any other small value: nothing changes.
    changed = {
        cell: (random.randint(1, K - 1) if n < K else n) for cell, n in counts.items()
    }
    again = build_report(published_counts(rows_of(changed), WEEKS, K, DATASET), TODAY)
    assert outputs(again) == outputs(report)
