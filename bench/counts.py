"""What counting costs a turn: the upsert of `stats.table`, alone.

    python -m bench.counts                 # SQLite file and the local PostgreSQL
    python -m bench.counts -n 2000 --no-postgresql

A referral turn writes two counts (the referral and, for a session's first, the
conversation) in one statement. This times that statement on a SQLite file (a
fresh one under var/, as var/tracker.db) and on a throwaway PostgreSQL database:
wall time (what the writer thread waits, including the commit's fsync) and the
process CPU time (what the server pays). `record()` itself, what the turn waits
for, is timed too: it only hands the counts to the writer thread.
`make bench BENCH_ARGS="--no-train --no-stock --variant default,no-counts"`
measures the same end to end.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Dict, Iterator, List, Optional

import sqlalchemy as sa

from stats.measures import CONVERSATION, REFERRAL, count
from stats.recorder import CountRecorder
from stats.table import add_counts, create_table

TURN = [
    count(REFERRAL, "sextortion", "cs", "webchat"),
    count(CONVERSATION, "sextortion", "cs", "webchat"),
]
ROOT = Path(__file__).resolve().parent.parent


def time_upserts(engine: sa.engine.Engine, turns: int) -> Dict[str, float]:
    """Milliseconds per turn: wall p50/p95 and CPU mean of `add_counts`."""
    create_table(engine)
    day = datetime.date(2026, 12, 2)
    for _ in range(20):  # warm: compiled statement, connection
        add_counts(engine, day, TURN)
    walls: List[float] = []
    cpu_start = time.process_time()
    for _ in range(turns):
        started = time.perf_counter()
        add_counts(engine, day, TURN)
        walls.append((time.perf_counter() - started) * 1000)
    cpu = (time.process_time() - cpu_start) * 1000 / turns
    walls.sort()
    return {
        "wall_p50": statistics.median(walls),
        "wall_p95": walls[int(len(walls) * 0.95)],
        "cpu": cpu,
    }


def time_record(engine: sa.engine.Engine, turns: int) -> float:
    """Microseconds a turn waits for `record()` (the write is in the background)."""
    recorder = CountRecorder()
    recorder.bind(engine)
    recorder.drain()
    started = time.perf_counter()
    for _ in range(turns):
        recorder.record(*TURN)
    waited = (time.perf_counter() - started) * 1e6 / turns
    recorder.drain(timeout=600)
    recorder.close()
    return waited


@contextlib.contextmanager
def throwaway_postgresql() -> Iterator[Optional[sa.engine.Engine]]:
    admin = sa.create_engine(
        "postgresql://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
    )
    name = f"bench_counts_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f"CREATE DATABASE {name}"))
    except sa.exc.OperationalError:
        yield None
        return
    engine = sa.create_engine(f"postgresql://postgres@127.0.0.1:5432/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--turns", type=int, default=1000)
    parser.add_argument("--no-postgresql", action="store_true")
    args = parser.parse_args(argv)
    print("| database | upsert wall p50 / p95 (ms) | upsert CPU (ms) | record() (µs) |")
    print("|---|---:|---:|---:|")
    (ROOT / "var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=ROOT / "var") as directory:
        engine = sa.create_engine(f"sqlite:///{Path(directory) / 'tracker.db'}")
        upsert, waited = time_upserts(engine, args.turns), time_record(engine, 200)
        engine.dispose()
        print(
            f"| SQLite file | {upsert['wall_p50']:.2f} / {upsert['wall_p95']:.2f} "
            f"| {upsert['cpu']:.2f} | {waited:.0f} |"
        )
    if not args.no_postgresql:
        with throwaway_postgresql() as postgres:
            if postgres is None:
                print("| PostgreSQL | not reachable at 127.0.0.1:5432 | | |")
                return 0
            upsert = time_upserts(postgres, args.turns)
            waited = time_record(postgres, 200)
            print(
                f"| PostgreSQL | {upsert['wall_p50']:.2f} / {upsert['wall_p95']:.2f} "
                f"| {upsert['cpu']:.2f} | {waited:.0f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
