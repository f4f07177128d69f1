"""Referral statistics with the real servers: after scripted conversations over
REST the counters match what happened and hold no identifier; the operator page
refuses a missing or wrong token and never logs it; `python -m stats` draws the
chart from the same database; deleting and purging conversations leave the
counters as they were."""

from __future__ import annotations

import datetime
import os
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest
import sqlalchemy as sa

from bot.guard.pseudonyms import pseudonymous_sender_id
from stats.measures import CONVERSATION, count
from stats.recorder import utc_today
from stats.report import complete_weeks
from stats.table import add_counts
from tests.support import ROOT
from tests.support.servers import (
    DISCLOSURE,
    DISCLOSURE_EN,
    NO,
    REST_CREDENTIALS,
    SENDER_ID_KEY,
    Servers,
    is_referral,
    is_safety_net,
    running_servers,
    skip_reason,
)

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(bool(skip_reason()), reason=skip_reason() or "ready"),
]

TOKEN = "operator-token-for-the-system-test"
NAMED = DISCLOSURE + ", jmenuje se Kuba Dvořák a pise z 777 123 456"
SENDERS = [f"child-{n}-telegram-42" for n in range(5)]
Counters = Dict[Tuple[str, str, str, str], int]


def counters(db: Path) -> Counters:
    """Today's counters (a test below adds some of last week)."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT measure, category, language, channel, count "
            "FROM referral_counts WHERE day = ?",
            (utc_today().isoformat(),),
        ).fetchall()
    return {tuple(row[:4]): row[4] for row in rows}  # type: ignore[misc]


def wait_for_counters(db: Path, expected: Counters, seconds: float = 20) -> Counters:
    """The counters once the background writers are done (or as they are then)."""
    deadline = time.monotonic() + seconds
    while True:
        found = counters(db)
        if found == expected or time.monotonic() > deadline:
            return found
        time.sleep(0.3)


def get(servers: Servers, path: str, token: Optional[str] = None) -> Tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(servers.url + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """Both servers (REST and the operator page), with the conversations done."""
    workdir = tmp_path_factory.mktemp("stats")
    with running_servers(
        workdir,
        credentials={**REST_CREDENTIALS, "bot.operator.page.OperatorPage": None},
        OPERATOR_TOKEN=TOKEN,
        RATE_LIMIT_BURST="50",
    ) as servers:
        # A Czech child: a disclosure (their first referral), "not safe", a person.
        assert is_referral(servers.say(NAMED, sender="child-cs"), "sextortion")
        assert is_referral(servers.say(NO, sender="child-cs"), "not_safe")
        person = servers.say("Chci mluvit s člověkem", sender="child-cs")
        assert is_referral(person, "request_human")
        # Five English children, one disclosure each.
        for sender in SENDERS:
            reply = servers.say(DISCLOSURE_EN, sender=sender)
            assert is_referral(reply, "sextortion", "en")
        # The action server is gone: the guard sends the safety net, and counts it.
        assert servers.actions is not None
        servers.actions.kill()
        servers.actions.wait()
        assert is_safety_net(servers.say(DISCLOSURE, sender="child-late"))
        servers.start_actions()
        yield servers


EXPECTED: Counters = {
    ("conversation", "sextortion", "cs", "rest"): 1,
    ("referral", "sextortion", "cs", "rest"): 1,
    ("referral", "not_safe", "cs", "rest"): 1,
    ("referral", "request_human", "cs", "rest"): 1,
    ("conversation", "sextortion", "en", "rest"): 5,
    ("referral", "sextortion", "en", "rest"): 5,
    ("safety_net", "turn_failed", "cs", "rest"): 1,
}


def test_the_counters_match_the_conversations(served: Servers) -> None:
    assert wait_for_counters(served.db, EXPECTED) == EXPECTED


def test_no_identifier_reaches_the_counters(served: Servers) -> None:
    wait_for_counters(served.db, EXPECTED)
    with sqlite3.connect(served.db) as connection:
        rows = connection.execute("SELECT * FROM referral_counts").fetchall()
        columns = [
            c[1] for c in connection.execute("PRAGMA table_info(referral_counts)")
        ]
    stored = " ".join(str(value) for row in rows for value in row)
    pseudonyms = [
        pseudonymous_sender_id("rest", sender, SENDER_ID_KEY.encode())
        for sender in ["child-cs", "child-late", *SENDERS]
    ]
    for identifier in ["child", "Kuba", "777", "vydira", "blackmail", *pseudonyms]:
        assert identifier not in stored
    assert columns == ["day", "measure", "category", "language", "channel", "count"]
    assert {row[0] for row in rows} <= {
        utc_today().isoformat(),
        complete_weeks(utc_today(), 1)[0].isoformat(),  # the row the test adds
    }


def test_the_operator_page_refuses_a_missing_or_wrong_token(served: Servers) -> None:
    for path in ("/operator/stats", "/operator/stats.csv", "/operator/stats.json"):
        assert get(served, path)[0] == 401
        assert get(served, path, "not-the-operator-token-at-all")[0] == 401
        assert get(served, f"{path}?token=not-the-token-either-no")[0] == 401
        assert get(served, path, TOKEN)[0] == 200
    assert get(served, f"/operator/stats?token={TOKEN}")[0] == 200
    assert TOKEN not in served.logs()


def test_the_page_shows_complete_weeks_of_the_real_database(served: Servers) -> None:
    last_week = complete_weeks(utc_today(), 1)[0]
    engine = sa.create_engine(f"sqlite:///{served.db}")
    add_counts(
        engine, last_week, [count(CONVERSATION, "grooming", "cs", "webchat")] * 6
    )
    engine.dispose()

    status, body = get(served, "/operator/stats.csv", TOKEN)
    lines = body.decode().splitlines()

    assert status == 200
    assert f"{last_week.isoformat()},conversation,grooming,cs,webchat,6" in lines
    # This week's counts (5 English disclosures) wait until the week is over.
    assert not any(line.startswith(utc_today().isoformat()) for line in lines)
    status, page = get(served, "/operator/stats", TOKEN)
    assert status == 200 and b"data:image/png;base64," in page


def test_make_stats_draws_the_chart_from_the_real_database(
    served: Servers, tmp_path: Path
) -> None:
    wait_for_counters(served.db, EXPECTED)
    today = utc_today()
    next_monday = today + datetime.timedelta(days=7 - today.weekday())
    chart = tmp_path / "stats.png"

    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "stats",
            "--endpoints",
            str(served.workdir / "endpoints.yml"),
            "--as-of",
            next_monday.isoformat(),
            "--chart",
            str(chart),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    row = next(
        line.split() for line in result.stdout.splitlines() if line.startswith("sext")
    )
    # cs 1 and uk 0 (too few: written "<5", left out of the total), en 5, total 5
    assert row == ["sextortion", "<5", "5", "<5", "5"]
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_deleting_and_purging_conversations_leave_the_counters(
    served: Servers,
) -> None:
    before = wait_for_counters(served.db, EXPECTED)
    assert served.say("smazat konverzaci", sender="child-cs").status == 200
    with sqlite3.connect(served.db) as connection:
        left: List[str] = [
            r[0] for r in connection.execute("SELECT DISTINCT sender_id FROM events")
        ]
    child = pseudonymous_sender_id("rest", "child-cs", SENDER_ID_KEY.encode())
    assert child not in left

    purge = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.stores.purge",
            "--endpoints",
            str(served.workdir / "endpoints.yml"),
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RETENTION_HOURS": "0.000001"},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert purge.returncode == 0, purge.stderr
    with sqlite3.connect(served.db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM events").fetchone() == (0,)
    assert counters(served.db) == before == EXPECTED
