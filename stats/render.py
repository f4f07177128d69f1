"""A report as text (`make stats`), CSV and JSON; each figure as `written` says.

The CSV lists every weekly cell of the report's weeks (the finest thing any
output shows), with "<k" for a cell that is not shown, whether or not anything
was counted there. The JSON holds the figures of the page: the tables, the
weekly series and the summary.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Dict, List, Union

from stats.report import Report, Table
from stats.suppression import written

CSV_COLUMNS = ("week_start", "measure", "category", "language", "channel", "count")


def text_table(table: Table, k: int) -> str:
    """`table` as aligned text, totals last."""
    header = [table.row_label, *table.columns, "total"]
    lines: List[List[str]] = [header]
    for row in table.rows:
        lines.append(
            [
                row,
                *(str(written(table.values[row, c], k)) for c in table.columns),
                str(written(table.row_totals[row], k)),
            ]
        )
    lines.append(
        [
            "total",
            *(str(written(table.column_totals[c], k)) for c in table.columns),
            str(written(table.total, k)),
        ]
    )
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def aligned(cells: List[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = (c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    body = [aligned(line) for line in lines[1:-1]]
    return "\n".join([aligned(lines[0]), rule, *body, rule, aligned(lines[-1])])


def text_report(report: Report) -> str:
    """What `make stats` prints."""
    k = report.k
    summary_width = max(len(label) for label, _ in report.summary)
    summary = "\n".join(
        f"  {label.ljust(summary_width)}  {written(value, k)}"
        for label, value in report.summary
    )
    return "\n\n".join(
        [
            f"Referral statistics, {report.period} (the last 4 complete weeks)",
            f"{report.by_language.title}:\n\n{text_table(report.by_language, k)}",
            f"In the same weeks:\n{summary}",
            report.note,
        ]
    )


def csv_text(report: Report) -> str:
    """Every weekly cell of the report's weeks, shown or written "<k"."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    k = report.k
    for cell, value in report.published.grid():
        writer.writerow(
            [
                cell.week.isoformat(),
                cell.measure,
                cell.category,
                cell.language,
                cell.channel,
                written(value or 0, k),
            ]
        )
    return out.getvalue()


def _table_json(table: Table, k: int) -> Dict[str, Any]:
    return {
        "title": table.title,
        "rows": {
            row: {
                **{c: written(table.values[row, c], k) for c in table.columns},
                "total": written(table.row_totals[row], k),
            }
            for row in table.rows
        },
        "total": {
            **{c: written(table.column_totals[c], k) for c in table.columns},
            "total": written(table.total, k),
        },
    }


def json_report(report: Report) -> Dict[str, Any]:
    """The page's figures as JSON (`GET /operator/stats.json`)."""
    k = report.k
    weekly: Dict[str, List[Union[int, str]]] = {
        situation: [written(v, k) for v in values]
        for situation, values in report.weekly.items()
    }
    return {
        "min_count": k,
        "note": report.note,
        "period": report.period,
        "weeks": [week.isoformat() for week in report.published.weeks],
        "conversations_by_week": weekly,
        "by_language": _table_json(report.by_language, k),
        "by_channel": _table_json(report.by_channel, k),
        "summary": {label: written(value, k) for label, value in report.summary},
    }
