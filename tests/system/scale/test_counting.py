"""Referral counters under scale-out: two servers counting at once lose and double
nothing, on SQLite and PostgreSQL; the PostgreSQL rows hold no identifier.

Each server is its own process, with its own engine and `CountRecorder`, as two
replicas (or a replica and the action server) are; both start counting at the
same moment and add to the same counters.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker

import actions.statistics
from stats.recorder import CountRecorder
from stats.table import TABLE_NAME, read_counts
from tests.support import ROOT
from tests.support.services import postgres_url

TURNS = 400  # per process, two counts each
COUNTER = """
import sys, time
import sqlalchemy as sa
from stats.measures import CONVERSATION, REFERRAL, count
from stats.recorder import CountRecorder
url, turns, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
recorder = CountRecorder()
recorder.bind(sa.create_engine(url))
recorder.drain()
time.sleep(max(0.0, start - time.time()))
for _ in range(turns):
    recorder.record(
        count(REFERRAL, "sextortion", "cs", "webchat"),
        count(CONVERSATION, "sextortion", "cs", "webchat"),
    )
recorder.drain(timeout=600)
recorder.close()
print(time.time())
"""


def count_at_once(url: str, processes: int = 2) -> List[float]:
    """Start `processes` counters that begin together; when each finished."""
    start = time.time() + 8  # every process has imported and connected by then
    running = [
        subprocess.Popen(
            [sys.executable, "-c", COUNTER, url, str(TURNS), str(start)],
            cwd=ROOT,
            env={"PYTHONPATH": str(ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    finished = []
    for process in running:
        out, err = process.communicate(timeout=900)
        assert process.returncode == 0, err[-2000:]
        finished.append(float(out.split()[-1]))
    assert all(end > start for end in finished)
    return finished


def totals(engine: sa.engine.Engine) -> Dict[str, int]:
    today = datetime.datetime.now(datetime.timezone.utc).date()
    rows = read_counts(engine, today - datetime.timedelta(days=1), today)
    found: Dict[str, int] = {}
    for _, measure, *_rest, n in rows:
        found[measure] = found.get(measure, 0) + n
    return found


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_two_servers_counting_at_once_lose_nothing(
    database: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if database == "sqlite":
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
    else:
        url = postgres_url(request.getfixturevalue("postgres_db"))

    count_at_once(url)

    engine = sa.create_engine(url)
    assert totals(engine) == {"conversation": 2 * TURNS, "referral": 2 * TURNS}
    engine.dispose()


def test_postgresql_rows_hold_no_identifier(
    postgres_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg2

    engine = sa.create_engine(postgres_url(postgres_db))
    recorder = CountRecorder()
    recorder.bind(engine)
    monkeypatch.setattr(actions.statistics, "RECORDER", recorder)
    sender = "a1b2c3d4e5f6a7b8c9d0"  # a pseudonym
    text = "jsem Kuba Dvořák, 777 123 456, vydira me"
    tracker = Tracker(
        sender_id=sender,
        slots={"language": "cs"},
        latest_message={"text": text, "intent": {"name": "sextortion"}},
        events=[{"event": "user", "text": text, "input_channel": "telegram"}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )

    actions.statistics.count_reply(tracker, "sextortion", "cs")
    actions.statistics.count_compensation(tracker, "may_be_eligible", "cs")
    recorder.drain()
    recorder.close()
    engine.dispose()

    with (
        psycopg2.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname=postgres_db
        ) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(f"SELECT * FROM {TABLE_NAME}")
        rows = cursor.fetchall()
        columns = [column.name for column in cursor.description]
    stored = " ".join(str(value) for row in rows for value in row)

    assert columns == ["day", "measure", "category", "language", "channel", "count"]
    # (The module's database also holds the counts of the test above, on webchat.)
    assert sorted(row[1:] for row in rows if row[4] == "telegram") == [
        ("compensation", "may_be_eligible", "cs", "telegram", 1),
        ("conversation", "sextortion", "cs", "telegram", 1),
        ("referral", "sextortion", "cs", "telegram", 1),
    ]
    for identifier in (sender, "Kuba", "Dvořák", "777", "vydira"):
        assert identifier not in stored
