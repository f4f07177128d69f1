"""Private and secure by default, with the real servers: what the database and the
logs hold after a conversation, the tracker store's health, the HTTP API."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from bot.run.cli import api_arguments
from tests.support.servers import (
    SENDER_ID_KEY,
    is_referral,
    is_safety_net,
    running_servers,
    skip_reason,
)

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(bool(skip_reason()), reason=skip_reason() or "ready"),
]

DISCLOSURE_WITH_NAME = (
    "nekdo me vydira ze zverejni moje nahe fotky, jmenuje se Kuba Dvořák"
)
CONTACTS = "pise mi z @kuba_dvorak7 a z cisla 777 123 456, kvetakolo"
IDENTIFIERS = ("Kuba", "Dvořák", "kuba_dvorak7", "777 123 456", "child-telegram-42")


def stored_rows(db: Path) -> list:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT sender_id, type_name, intent_name, data FROM events ORDER BY id"
        ).fetchall()


def test_what_is_stored_and_logged(tmp_path: Path) -> None:
    with running_servers(tmp_path) as servers:
        reply = servers.say(DISCLOSURE_WITH_NAME, sender="child-telegram-42")
        contacts = servers.say(CONTACTS, sender="child-telegram-42")
        rows = stored_rows(servers.db)
        logs = servers.logs()

    # The NLU saw the original text: the disclosure was understood.
    assert is_referral(reply, "sextortion") and contacts.text
    assert next(row[2] for row in rows if row[1] == "user") == "sextortion"
    # What is stored holds no identifier, and no platform sender id.
    stored = "\n".join(
        json.dumps(json.loads(row[3]), ensure_ascii=False) for row in rows
    )
    for identifier in IDENTIFIERS:
        assert identifier not in stored
    assert {row[0] for row in rows} != {"child-telegram-42"}
    users = [json.loads(row[3]) for row in rows if row[1] == "user"]
    assert users[0]["text"].endswith("jmenuje se [name] [name]")
    assert users[1]["text"] == "pise mi z [handle] a z cisla [phone], kvetakolo"
    assert users[1]["parse_data"]["text"] == users[1]["text"]
    # Nothing of the message in the logs (INFO, Rasa's and the SDK's).
    for word in ("kvetakolo", *IDENTIFIERS):
        assert word not in logs
    assert SENDER_ID_KEY not in logs
    # A new conversation is no store failure (its first save has no events).
    assert "The tracker store failed" not in logs


def test_a_failing_store_is_degraded_on_health_and_the_child_still_gets_help(
    tmp_path: Path,
) -> None:
    with running_servers(tmp_path) as servers:
        status, before = servers.get("/webhooks/rest/health")
        assert (status, before["status"], before["tracker_store"]) == (200, "ok", "ok")
        with sqlite3.connect(servers.db) as connection:
            connection.execute("DROP TABLE events")

        reply = servers.say(DISCLOSURE_WITH_NAME)
        health = servers.get("/webhooks/rest/health")
        logs = servers.logs()

    assert is_referral(reply, "sextortion") or is_safety_net(reply)
    status, after = health
    assert (status, after["status"], after["tracker_store"]) == (200, "ok", "degraded")
    # Load shedding reports beside the store: nothing was shed for one child.
    assert after["shed_turns"] == 0
    assert "The tracker store failed (OperationalError)" in logs
    assert "Kuba" not in logs


def test_the_api_is_off_and_idle_conversations_are_purged_by_the_server(
    tmp_path: Path,
) -> None:
    # Retention 2 s, purge every 0.6 s: the built-in purge of the Rasa process.
    with running_servers(
        tmp_path,
        RETENTION_HOURS=str(2 / 3600),
        RETENTION_PURGE_INTERVAL_MINUTES=str(0.6 / 60),
    ) as servers:
        assert servers.get("/status")[0] == 404
        assert servers.get("/conversations/x/tracker")[0] == 404

        assert is_referral(servers.say(DISCLOSURE_WITH_NAME), "sextortion")
        assert stored_rows(servers.db)
        deadline = time.monotonic() + 15
        while stored_rows(servers.db) and time.monotonic() < deadline:
            time.sleep(0.5)

        assert stored_rows(servers.db) == []
        assert "Retention purge: 1 idle conversation(s) deleted." in servers.logs()


def test_the_http_api_needs_the_token_when_enabled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "api-token-for-the-test"
    monkeypatch.setenv("RASA_API_TOKEN", token)
    with running_servers(tmp_path, rasa_args=api_arguments()) as servers:
        assert servers.get("/status")[0] == 401
        assert servers.get(f"/status?token={token}")[0] == 200
        logs = servers.logs()
    assert token not in logs
