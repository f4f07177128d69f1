"""What `make bench` prints: the figures against the targets, and the levers.

Both tables are Markdown, to be pasted into bench/RESULTS.md as printed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Text, Tuple

# The targets of issue 6, on a 2-core machine.
TARGET_SINGLE_P50_MS = 60
TARGET_LOADED_P95_MS = 1000
TARGET_THROUGHPUT_RATIO = 1.0
TARGET_COLD_START_S = 30
TARGET_RSS_MB = 1536


@dataclass
class Figures:
    """What was measured for one assistant (or one variant of ours)."""

    name: Text = ""
    cold_start_s: float = math.nan
    single: Dict[Text, float] = field(default_factory=dict)
    loaded: Dict[Text, float] = field(default_factory=dict)
    rss_mb: Dict[Text, float] = field(default_factory=dict)
    train_s: float = math.nan
    model_mb: float = math.nan
    error_samples: List[Text] = field(default_factory=list)

    @property
    def errors(self) -> float:
        return self.single.get("errors", math.nan) + self.loaded.get("errors", 0)

    @property
    def throughput(self) -> float:
        return self.loaded.get("throughput", math.nan)


def cell(value: Optional[float], digits: int = 0) -> Text:
    return "–" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def met(ok: Optional[bool]) -> Text:
    return "" if ok is None else ("yes" if ok else "**no**")


Row = Tuple[Text, Text, Text, Text, Optional[bool]]


def table(ours: Figures, stock: Optional[Figures], users: int) -> Text:
    """Every figure, ours beside the stock assistant, with the targets."""
    stock = stock or Figures()
    ratio = (
        ours.throughput / stock.throughput
        if stock.throughput and not math.isnan(stock.throughput)
        else math.nan
    )

    def row(label: Text, key: Text, group: Text, digits: int = 0) -> Row:
        mine = getattr(ours, group).get(key, math.nan)
        theirs = getattr(stock, group).get(key, math.nan)
        return (label, cell(mine, digits), cell(theirs, digits), "", None)

    o_rss = ours.rss_mb.get("total_peak", math.nan)
    rows: List[Row] = [
        (
            "1 user: turn p50 (ms)",
            cell(ours.single["p50"]),
            cell(stock.single.get("p50")),
            f"≤ {TARGET_SINGLE_P50_MS}",
            ours.single["p50"] <= TARGET_SINGLE_P50_MS,
        ),
        row("1 user: turn p95 (ms)", "p95", "single"),
        row("1 user: turn p99 (ms)", "p99", "single"),
        row(f"{users} users: turn p50 (ms)", "p50", "loaded"),
        (
            f"{users} users: turn p95 (ms)",
            cell(ours.loaded["p95"]),
            cell(stock.loaded.get("p95")),
            f"≤ {TARGET_LOADED_P95_MS}",
            ours.loaded["p95"] <= TARGET_LOADED_P95_MS,
        ),
        row(f"{users} users: turn p99 (ms)", "p99", "loaded"),
        row(f"{users} users: throughput (turns/s)", "throughput", "loaded", 1),
        (
            "throughput ours / stock",
            cell(ratio, 2),
            "",
            f"≥ {TARGET_THROUGHPUT_RATIO}",
            None if math.isnan(ratio) else ratio >= TARGET_THROUGHPUT_RATIO,
        ),
        (
            "errors (all runs)",
            cell(ours.errors),
            cell(stock.errors),
            "0",
            ours.errors == 0,
        ),
        row("CPU per turn, Rasa server (ms)", "cpu_ms_rasa", "loaded", 1),
        row("CPU per turn, action server (ms)", "cpu_ms_actions", "loaded", 1),
        (
            "cold start to first answer (s)",
            cell(ours.cold_start_s, 1),
            cell(stock.cold_start_s, 1),
            f"≤ {TARGET_COLD_START_S}",
            ours.cold_start_s <= TARGET_COLD_START_S,
        ),
        row("RSS Rasa server, peak (MB)", "rasa_peak", "rss_mb"),
        row("RSS action server, peak (MB)", "actions_peak", "rss_mb"),
        (
            "RSS both servers, peak (MB)",
            cell(o_rss),
            cell(stock.rss_mb.get("total_peak")),
            f"≤ {TARGET_RSS_MB}",
            o_rss <= TARGET_RSS_MB,
        ),
        ("training time (s)", cell(ours.train_s), cell(stock.train_s), "", None),
        ("model size (MB)", cell(ours.model_mb, 1), cell(stock.model_mb, 1), "", None),
    ]
    lines = [
        "| figure | ours | stock | target | met |",
        "|---|---:|---:|---|---|",
        *(f"| {a} | {b} | {c} | {d} | {met(e)} |" for a, b, c, d, e in rows),
    ]
    return "\n".join(lines)


def levers_table(
    runs: Sequence[Figures], users: int, stock: Optional[Figures] = None
) -> Text:
    """One row per variant, measured one after the other in the same run."""
    lines = [
        f"| variant | 1 user p50 (ms) | {users} users p95 (ms) "
        "| throughput (turns/s) | vs stock | errors | CPU/turn Rasa (ms) "
        "| RSS both, peak (MB) | cold start (s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in [*runs, *([stock] if stock else [])]:
        ratio = run.throughput / stock.throughput if stock else math.nan
        lines.append(
            f"| {run.name} | {cell(run.single.get('p50'))} "
            f"| {cell(run.loaded.get('p95'))} | {cell(run.throughput, 1)} "
            f"| {cell(ratio, 2)} | {cell(run.errors)} "
            f"| {cell(run.loaded.get('cpu_ms_rasa'), 1)} "
            f"| {cell(run.rss_mb.get('total_peak'))} | {cell(run.cold_start_s, 1)} |"
        )
    return "\n".join(lines)
