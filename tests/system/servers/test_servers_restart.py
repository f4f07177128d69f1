"""Restart safety: `kill -9` the Rasa server mid-conversation, start it again, and
the conversation goes on where it was (SQLite tracker store)."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from tests.support.servers import (
    DISCLOSURE,
    NO,
    is_referral,
    running_servers,
    skip_reason,
)

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(bool(skip_reason()), reason=skip_reason() or "ready"),
]


def stored_event_types(db: Path) -> list:
    with sqlite3.connect(db) as connection:
        return [
            row[0]
            for row in connection.execute("SELECT type_name FROM events ORDER BY id")
        ]


def test_kill_9_of_the_rasa_server_loses_nothing(tmp_path: Path) -> None:
    with running_servers(tmp_path) as servers:
        assert is_referral(
            servers.say(DISCLOSURE), "sextortion"
        )  # asks "are you safe?"
        before = stored_event_types(servers.db)
        assert servers.rasa is not None

        servers.rasa.send_signal(signal.SIGKILL)
        servers.rasa.wait()
        servers.start_rasa()

        assert stored_event_types(servers.db)[: len(before)] == before
        assert is_referral(servers.say(NO), "not_safe")  # the answer to that question
        after = stored_event_types(servers.db)
        assert after[: len(before)] == before and len(after) > len(before)
        assert after.count("session_started") == before.count("session_started")
