"""What the tracker store writes: read back from the real SQLite and PostgreSQL rows.

A conversation with a name, a phone number, an e-mail, a URL and a handle is
saved; the rows (and what an event broker receives) must hold none of them, but
still the helpline number the child quoted, the intent and the bot's reply.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
import yaml
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.health import (
    StoreUnavailable,
    tracker_store_status,
    watch_tracker_store,
)
from bot.stores.tracker_store import DELETE_ACTION, PrivateSQLTrackerStore
from tests.support import ROOT

CHILD_MESSAGE = (
    "jmenuje se Petr Novák, píše mi z @petr_n99 a na petr.novak@seznam.cz, "
    "volal mi z 777 123 456, fotky dal na https://example.com/x. "
    "Volala jsem 116 111."
)
IDENTIFIERS = (
    "Petr",
    "Novák",
    "petr_n99",
    "petr.novak",
    "seznam",
    "777 123 456",
    "example.com",
)
BOT_REPLY = "Linka bezpečí: 116 111"


class RecordingBroker(EventBroker):
    def __init__(self) -> None:
        self.published: List[Dict[str, Any]] = []

    def publish(self, event: Dict[str, Any]) -> None:
        self.published.append(event)


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def conversation(domain: Domain, sender: str, at: float) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(
        sender,
        [
            ActionExecuted("action_listen", timestamp=at),
            UserUttered(
                CHILD_MESSAGE,
                intent={"name": "sextortion", "confidence": 0.97},
                timestamp=at,
            ),
            ActionExecuted("action_refer_to_help", timestamp=at),
            BotUttered(BOT_REPLY, timestamp=at),
            SlotSet("situation", "sextortion", timestamp=at),
            ActionExecuted("action_listen", timestamp=at),
        ],
        domain.slots,
    )


def sqlite_store(domain: Domain, path: Path, **kwargs: Any) -> PrivateSQLTrackerStore:
    return PrivateSQLTrackerStore(
        domain=domain, dialect="sqlite", db=str(path), **kwargs
    )


def sqlite_rows(path: Path) -> List[Tuple[str, str, str, str]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(
            "SELECT sender_id, type_name, intent_name, data FROM events ORDER BY id"
        ).fetchall()


def assert_private(rows: List[Tuple[str, str, str, str]]) -> None:
    # Rows are JSON with non-ASCII escaped ("Nov\\u00e1k"): compare decoded text.
    stored = "\n".join(
        json.dumps(json.loads(row[3]), ensure_ascii=False) for row in rows
    )
    for identifier in IDENTIFIERS:
        assert identifier not in stored
    user = json.loads(next(row[3] for row in rows if row[1] == "user"))
    assert user["text"] == user["parse_data"]["text"]
    assert user["text"] == (
        "jmenuje se [name] [name], píše mi z [handle] a na [email], "
        "volal mi z [phone], fotky dal na [url]. Volala jsem 116 111."
    )
    assert [row[2] for row in rows if row[1] == "user"] == ["sextortion"]
    assert BOT_REPLY in stored


async def test_sqlite_rows_hold_no_identifiers(domain: Domain, tmp_path: Path) -> None:
    broker = RecordingBroker()
    store = sqlite_store(domain, tmp_path / "tracker.db", event_broker=broker)
    tracker = conversation(domain, "conversation-1", time.time())

    await store.save(tracker)

    assert_private(sqlite_rows(tmp_path / "tracker.db"))
    user_events = [event for event in broker.published if event["event"] == "user"]
    assert [event["text"] for event in user_events] == [
        json.loads(row[3])["text"]
        for row in sqlite_rows(tmp_path / "tracker.db")
        if row[1] == "user"
    ]
    # Rasa goes on with the original in memory: the NLU saw the real text.
    assert tracker.latest_message.text == CHILD_MESSAGE


async def test_a_later_turn_appends_only_new_events(
    domain: Domain, tmp_path: Path
) -> None:
    store = sqlite_store(domain, tmp_path / "tracker.db")
    tracker = conversation(domain, "conversation-1", time.time())
    await store.save(tracker)
    tracker.update(UserUttered("a ted mi pise na 603 111 222", {"name": "stalking"}))
    await store.save(tracker)

    rows = sqlite_rows(tmp_path / "tracker.db")

    assert len(rows) == len(tracker.events)
    assert json.loads(rows[-1][3])["text"] == "a ted mi pise na [phone]"
    restored = await store.retrieve("conversation-1")
    assert restored is not None and len(restored.events) == len(tracker.events)


async def test_delete_action_erases_the_conversation(
    domain: Domain, tmp_path: Path
) -> None:
    store = sqlite_store(domain, tmp_path / "tracker.db")
    tracker = conversation(domain, "conversation-1", time.time())
    await store.save(tracker)
    await store.save(conversation(domain, "someone-else", time.time()))
    tracker.update(UserUttered("smaz to", {"name": "delete_conversation"}))
    tracker.update(ActionExecuted(DELETE_ACTION))

    await store.save(tracker)

    assert {row[0] for row in sqlite_rows(tmp_path / "tracker.db")} == {"someone-else"}


async def test_retention_purge_deletes_only_idle_conversations(
    domain: Domain, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = sqlite_store(domain, tmp_path / "tracker.db")
    now = time.time()
    await store.save(conversation(domain, "idle-25-hours", now - 25 * 3600))
    await store.save(conversation(domain, "active-1-hour-ago", now - 3600))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        yaml.safe_dump(
            {
                "tracker_store": {
                    "type": "bot.stores.tracker_store.PrivateSQLTrackerStore",
                    "dialect": "sqlite",
                    "db": str(tmp_path / "tracker.db"),
                }
            }
        )
    )

    result = subprocess.run(
        [sys.executable, "-m", "bot.stores.purge", "--endpoints", str(endpoints)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RETENTION_HOURS": "24"},
        capture_output=True,
        text=True,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert {row[0] for row in sqlite_rows(tmp_path / "tracker.db")} == {
        "active-1-hour-ago"
    }


async def test_a_failing_store_is_reported_without_message_text(
    domain: Domain, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = sqlite_store(domain, tmp_path / "tracker.db")
    failsafe = FailSafeTrackerStore(store)
    watch_tracker_store(failsafe)
    await failsafe.save(conversation(domain, "conversation-1", time.time()))
    assert tracker_store_status(failsafe) == "ok"
    with sqlite3.connect(tmp_path / "tracker.db") as connection:
        connection.execute("DROP TABLE events")

    with caplog.at_level(logging.INFO), pytest.raises(StoreUnavailable):
        # Not Rasa's default (kept in memory, lost when the store is back): the
        # turn stops, and the guard answers it with the safety net.
        await failsafe.save(conversation(domain, "conversation-2", time.time()))

    assert tracker_store_status(failsafe) == "degraded"
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and "OperationalError" in errors[0].getMessage()
    assert "Petr" not in caplog.text and "777" not in caplog.text
    with pytest.raises(StoreUnavailable):  # not a blank conversation
        await failsafe.retrieve("conversation-2")
    PrivateSQLTrackerStore.Base.metadata.create_all(store.engine)
    await failsafe.save(conversation(domain, "conversation-3", time.time()))
    assert tracker_store_status(failsafe) == "ok"


async def test_postgresql_rows_hold_no_identifiers_and_purge_works(
    domain: Domain, postgres_db: str
) -> None:
    import psycopg2

    store = PrivateSQLTrackerStore(
        domain=domain,
        dialect="postgresql",
        host="127.0.0.1",
        port=5432,
        db=postgres_db,
        username="postgres",
    )
    now = time.time()
    await store.save(conversation(domain, "conversation-1", now))
    await store.save(conversation(domain, "idle", now - 30 * 3600))

    def rows() -> List[Tuple[str, str, str, str]]:
        with (
            psycopg2.connect(
                host="127.0.0.1", port=5432, user="postgres", dbname=postgres_db
            ) as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "SELECT sender_id, type_name, intent_name, data FROM events ORDER BY id"
            )
            return list(cursor.fetchall())

    assert_private([row for row in rows() if row[0] == "conversation-1"])
    assert store.purge_inactive_since(now - 24 * 3600) == 1
    assert {row[0] for row in rows()} == {"conversation-1"}
    store.engine.dispose()
