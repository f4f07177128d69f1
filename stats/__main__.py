"""`make stats`: the referral statistics table, and the weekly chart as a PNG.

    python -m stats                          # endpoints.yml: SQLite var/tracker.db
    python -m stats --endpoints deploy/endpoints.scaled.yml   # PostgreSQL (DB_*)
    python -m stats --weeks 52 --csv var/stats.csv --as-of 2026-12-07

Prints conversations referred by situation and language over the last 4 complete
weeks and the other figures of those weeks; writes the chart of the last
`--weeks` complete weeks (12) to var/stats.png. Small numbers are suppressed as
on the operator page (STATS_MIN_COUNT, docs/safety.md). `--as-of` reports as
if today were that day (for a report re-run later); whoever runs this can read
the database anyway.
"""

from __future__ import annotations

import argparse
import datetime
import os
import sys
from pathlib import Path
from typing import List, Optional

from referrals import load_dataset
from stats.chart import chart_png
from stats.database import NoDatabase, engine_for, tracker_store_url
from stats.recorder import utc_today
from stats.render import csv_text, text_report
from stats.report import DEFAULT_WEEKS, MAX_WEEKS, TABLE_WEEKS, Report, load_report
from stats.suppression import min_count
from stats.table import read_counts

ROOT = Path(__file__).resolve().parent.parent


def report_from(endpoints: Path, today: datetime.date, weeks: int) -> Report:
    """The report of the tracker store configured in `endpoints`."""
    url = tracker_store_url(endpoints)
    database = url.database or ""
    if url.get_backend_name() == "sqlite" and not Path(database).exists():
        raise NoDatabase(f"{database} does not exist yet: run `make run` first")
    engine = engine_for(url)
    try:
        read_counts(engine, today, today)  # fails early on a database that is down
        return load_report(engine, today, weeks, min_count(), load_dataset())
    finally:
        engine.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    parser.add_argument("--weeks", type=int, default=DEFAULT_WEEKS)
    parser.add_argument("--chart", type=Path, default=ROOT / "var" / "stats.png")
    parser.add_argument("--csv", type=Path, help="also write every weekly cell here")
    parser.add_argument("--as-of", type=datetime.date.fromisoformat)
    args = parser.parse_args(argv)
    if not TABLE_WEEKS <= args.weeks <= MAX_WEEKS:
        parser.error(f"--weeks must be from {TABLE_WEEKS} to {MAX_WEEKS}")
    endpoints, chart = args.endpoints.resolve(), args.chart.resolve()
    csv_path = args.csv.resolve() if args.csv else None
    os.chdir(ROOT)  # endpoints.yml names the SQLite file relative to the project
    try:
        report = report_from(endpoints, args.as_of or utc_today(), args.weeks)
    except NoDatabase as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception as error:  # the database: say which kind of failure only
        print(f"error: the database failed ({type(error).__name__})", file=sys.stderr)
        return 1
    print(text_report(report))
    chart.parent.mkdir(parents=True, exist_ok=True)
    chart.write_bytes(chart_png(report))
    print(f"\nChart of the last {args.weeks} complete weeks: {chart}")
    if csv_path is not None:
        csv_path.write_text(csv_text(report), encoding="utf-8")
        print(f"Every weekly cell: {csv_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
