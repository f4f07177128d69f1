"""What the outputs may show: weekly cells of at least k, and sums of them.

The counters are daily; outputs never show a day. `published_counts` adds the
days of each complete ISO week (Monday to Sunday, UTC; the current week is
never shown, so figures change once a week and watching them cannot time a
conversation) into weekly cells

    week x measure x category x language x channel

and keeps only the cells of at least k (`stats.suppression`). The raw sums do
not leave that function: every figure of every output, totals included, is
`PublishedCounts.total(...)`, a sum of kept cells. A small cell therefore adds
nothing to any figure, and no figure, total or difference of figures, in one
output or across outputs and weeks, can bring it back. The price: a figure can
be lower than the true count, most of all for a small helpline, and every
output says so.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

import sqlalchemy as sa

from referrals.schema import ReferralDataset
from stats import measures
from stats.measures import (
    ASKED_FOR_PERSON,
    CHANNELS,
    COMPENSATION,
    CONVERSATION,
    MAY_BE_ELIGIBLE,
    MEASURES,
    NO_RULE,
    NOT_ELIGIBLE,
    OTHER,
    REFERRAL,
    SAFETY_NET,
    STOPPED,
    TURN_FAILED,
)
from stats.table import Row, read_counts

DEFAULT_WEEKS = 12
MAX_WEEKS = 260
# The situation tables and the summary cover the last four complete weeks.
TABLE_WEEKS = 4
NOTE = (
    "Counts, never people. Every figure adds up weekly cells (one week, situation, "
    "language and channel) of at least {k}; a smaller cell is left out of every "
    'figure and total, and written "<{k}" where it is listed, so figures can be '
    "lower than the true counts. Complete weeks only (Monday to Sunday, UTC)."
)


@dataclass(frozen=True, order=True)
class Cell:
    week: datetime.date
    measure: str
    category: str
    language: str
    channel: str


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def complete_weeks(today: datetime.date, count: int) -> Tuple[datetime.date, ...]:
    """The Mondays of the `count` complete weeks before today's, oldest first."""
    this_week = week_start(today)
    return tuple(this_week - datetime.timedelta(weeks=n) for n in range(count, 0, -1))


@dataclass(frozen=True)
class PublishedCounts:
    """The weekly cells that may be shown (each at least `k`); nothing else."""

    k: int
    weeks: Tuple[datetime.date, ...]
    categories: Mapping[str, Tuple[str, ...]]
    languages: Tuple[str, ...]
    channels: Tuple[str, ...]
    values: Mapping[Cell, int] = field(repr=False)

    def __post_init__(self) -> None:
        small = [cell for cell, n in self.values.items() if n < self.k]
        if small:
            raise ValueError(f"{len(small)} cell(s) below {self.k} would be shown")

    def total(
        self,
        measure: str,
        weeks: Optional[Iterable[datetime.date]] = None,
        category: Optional[str] = None,
        language: Optional[str] = None,
        channel: Optional[str] = None,
    ) -> int:
        """The sum of the shown cells that match (None: any)."""
        chosen = set(self.weeks if weeks is None else weeks)
        return sum(
            n
            for cell, n in self.values.items()
            if cell.measure == measure
            and cell.week in chosen
            and category in (None, cell.category)
            and language in (None, cell.language)
            and channel in (None, cell.channel)
        )

    def grid(self) -> Iterator[Tuple[Cell, Optional[int]]]:
        """Every cell of every week, shown or not (None), in a fixed order.

        Listing all of them, not just those counted, keeps a listed "<k" from
        saying that something was counted there.
        """
        for week in self.weeks:
            for measure in MEASURES:
                for category in self.categories[measure]:
                    for language in self.languages:
                        for channel in self.channels:
                            cell = Cell(week, measure, category, language, channel)
                            yield cell, self.values.get(cell)


def published_counts(
    rows: Iterable[Row],
    weeks: Sequence[datetime.date],
    k: int,
    dataset: ReferralDataset,
) -> PublishedCounts:
    """Weekly cells from daily counters, the cells below `k` removed."""
    weekly: Dict[Cell, int] = {}
    wanted = set(weeks)
    for day, measure, category, language, channel, n in rows:
        week = week_start(day)
        if week in wanted and measure in MEASURES:
            cell = Cell(week, measure, category, language, channel)
            weekly[cell] = weekly.get(cell, 0) + int(n)
    # Every known value is listed, counted or not; values only the table knows
    # (a situation since removed from the dataset) come after them.
    categories = {
        measure: measures.in_order(
            set(measures.categories(measure, dataset))
            | {cell.category for cell in weekly if cell.measure == measure},
            measures.categories(measure, dataset),
        )
        for measure in MEASURES
    }
    return PublishedCounts(
        k=k,
        weeks=tuple(weeks),
        categories=categories,
        languages=measures.in_order(
            set(measures.languages()) | {cell.language for cell in weekly},
            measures.languages(),
        ),
        channels=measures.in_order(
            {*CHANNELS, OTHER} | {cell.channel for cell in weekly}, (*CHANNELS, OTHER)
        ),
        values={cell: n for cell, n in weekly.items() if n >= k},
    )


def load_published(
    engine: sa.engine.Engine,
    today: datetime.date,
    weeks: int,
    k: int,
    dataset: ReferralDataset,
) -> PublishedCounts:
    """The published cells of the `weeks` complete weeks before `today`."""
    chosen = complete_weeks(today, weeks)
    rows = read_counts(engine, chosen[0], chosen[-1] + datetime.timedelta(days=6))
    return published_counts(rows, chosen, k, dataset)


@dataclass(frozen=True)
class Table:
    """Figures by row and column, with totals; every one a sum of shown cells."""

    title: str
    row_label: str
    column_label: str
    rows: Tuple[str, ...]
    columns: Tuple[str, ...]
    values: Mapping[Tuple[str, str], int]
    row_totals: Mapping[str, int]
    column_totals: Mapping[str, int]
    total: int


@dataclass(frozen=True)
class Report:
    """Everything the outputs show, computed once from the published cells."""

    published: PublishedCounts
    generated: datetime.date
    by_language: Table
    by_channel: Table
    weekly: Mapping[str, Tuple[int, ...]]  # conversations by situation, per week
    summary: Tuple[Tuple[str, int], ...]

    @property
    def k(self) -> int:
        return self.published.k

    @property
    def table_weeks(self) -> Tuple[datetime.date, ...]:
        return self.published.weeks[-TABLE_WEEKS:]

    @property
    def period(self) -> str:
        """The period of the tables, e.g. "2026-11-02 to 2026-11-29"."""
        weeks = self.table_weeks
        last = weeks[-1] + datetime.timedelta(days=6)
        return f"{weeks[0].isoformat()} to {last.isoformat()}"

    @property
    def note(self) -> str:
        return NOTE.format(k=self.k)


def situation_table(
    published: PublishedCounts,
    by: str,
    weeks: Sequence[datetime.date],
    measure: str = CONVERSATION,
) -> Table:
    """Situations by language or by channel (`by`), over `weeks`."""
    columns = published.languages if by == "language" else published.channels
    rows = published.categories[measure]

    def figure(row: Optional[str], column: Optional[str]) -> int:
        return published.total(
            measure, weeks, row, **{by: column}  # type: ignore[arg-type]
        )

    return Table(
        title=f"Conversations referred, by situation and {by}",
        row_label="situation",
        column_label=by,
        rows=rows,
        columns=columns,
        values={(r, c): figure(r, c) for r in rows for c in columns},
        row_totals={r: figure(r, None) for r in rows},
        column_totals={c: figure(None, c) for c in columns},
        total=figure(None, None),
    )


def summary(
    published: PublishedCounts, weeks: Sequence[datetime.date]
) -> Tuple[Tuple[str, int], ...]:
    """The headline figures of `weeks`, each with what it counts."""

    def total(measure: str, category: Optional[str] = None) -> int:
        return published.total(measure, weeks, category)

    return (
        ("conversations referred (a session's first referral)", total(CONVERSATION)),
        ("referral replies (turns)", total(REFERRAL)),
        ("asked for a person", total(REFERRAL, ASKED_FOR_PERSON)),
        ("safety net: no rule applied", total(SAFETY_NET, NO_RULE)),
        ("safety net: turn failed, slow or silent", total(SAFETY_NET, TURN_FAILED)),
        ("compensation check: may be eligible", total(COMPENSATION, MAY_BE_ELIGIBLE)),
        ("compensation check: not eligible", total(COMPENSATION, NOT_ELIGIBLE)),
        ("compensation check: stopped", total(COMPENSATION, STOPPED)),
    )


def build_report(published: PublishedCounts, generated: datetime.date) -> Report:
    weeks = published.weeks[-TABLE_WEEKS:]
    weekly = {
        situation: tuple(
            published.total(CONVERSATION, [week], situation) for week in published.weeks
        )
        for situation in published.categories[CONVERSATION]
    }
    return Report(
        published=published,
        generated=generated,
        by_language=situation_table(published, "language", weeks),
        by_channel=situation_table(published, "channel", weeks),
        weekly=weekly,
        summary=summary(published, weeks),
    )


def load_report(
    engine: sa.engine.Engine,
    today: datetime.date,
    weeks: int,
    k: int,
    dataset: ReferralDataset,
) -> Report:
    """The report of the `weeks` complete weeks before `today`."""
    weeks = max(TABLE_WEEKS, min(MAX_WEEKS, weeks))
    return build_report(load_published(engine, today, weeks, k, dataset), today)


def weekly_rows(report: Report) -> List[Tuple[datetime.date, Dict[str, int]]]:
    """The weekly chart's figures: per week, conversations by situation."""
    return [
        (week, {s: values[i] for s, values in report.weekly.items()})
        for i, week in enumerate(report.published.weeks)
    ]
