"""The weekly chart: conversations referred per complete week, by situation.

matplotlib (pinned in requirements.lock, a dependency of Rasa too), drawn with
the Agg canvas directly: no pyplot, no display, no global figure state, nothing
fetched at run time (its fonts ship with it). The bars are the report's weekly
figures, so the chart shows exactly what the table and the CSV allow.
"""

from __future__ import annotations

import io
import textwrap
import threading

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from stats.report import Report, weekly_rows
from stats.suppression import written

# matplotlib's font cache and text layout are not made for two threads at once.
_DRAWING = threading.Lock()
WIDTH_INCHES, HEIGHT_INCHES, DPI = 10.0, 5.6, 100


def chart_figure(report: Report) -> Figure:
    """The chart as a matplotlib Figure (stacked bars, one colour a situation)."""
    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_axes((0.07, 0.2, 0.64, 0.72))
    rows = weekly_rows(report)
    labels = [week.strftime("%d %b") for week, _ in rows]
    plotted = [
        situation
        for situation, values in report.weekly.items()
        if any(value > 0 for value in values)
    ]
    palette = [
        "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
        "#a6761d", "#666666", "#1f78b4", "#b2df8a", "#fb9a99", "#cab2d6",
        "#ff7f00", "#6a3d9a", "#b15928", "#a6cee3", "#fdbf6f", "#33a02c",
    ]  # fmt: skip
    bottoms = [0] * len(rows)
    for index, situation in enumerate(plotted):
        values = list(report.weekly[situation])
        axes.bar(
            range(len(rows)),
            values,
            bottom=bottoms,
            label=situation.replace("_", " "),
            color=palette[index % len(palette)],
            width=0.8,
        )
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_xticks(range(len(rows)))
    axes.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    axes.set_ylabel("conversations referred")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylim(0, max([report.k, *bottoms]) * 1.08)
    axes.set_title(
        "Conversations referred per week, by situation (weeks starting Monday, UTC)",
        fontsize=10,
        loc="left",
    )
    axes.spines["top"].set_visible(False)
    axes.spines["right"].set_visible(False)
    if plotted:
        axes.legend(
            loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=8, frameon=False
        )
    else:
        axes.text(
            0.5,
            0.5,
            f"No weekly cell of {report.k} or more yet: every week is "
            f"{written(0, report.k)}.",
            ha="center",
            va="center",
            transform=axes.transAxes,
        )
    figure.text(
        0.07, 0.02, "\n".join(textwrap.wrap(report.note, 150)), fontsize=7, va="bottom"
    )
    return figure


def chart_png(report: Report) -> bytes:
    """The chart as PNG bytes."""
    with _DRAWING:
        figure = chart_figure(report)
        out = io.BytesIO()
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()
