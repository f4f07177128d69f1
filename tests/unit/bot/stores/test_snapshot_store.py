"""The SQL store with snapshots: bounded retrieve, every event stored once."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import List

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.snapshot_table import Snapshot
from bot.stores.tracker_store import PrivateSQLTrackerStore
from tests.unit.bot.stores.test_snapshot import assert_same_state, long_conversation

ROOT = Path(__file__).resolve().parents[4]


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def store_at(path: Path, domain: Domain) -> PrivateSQLTrackerStore:
    return PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(path))


def stored_events(store: PrivateSQLTrackerStore, sender: str) -> List[Event]:
    from rasa.shared.core.events import deserialise_events

    with store.session_scope() as session:
        rows = (
            session.query(store.SQLEvent)
            .filter(store.SQLEvent.sender_id == sender)
            .order_by(store.SQLEvent.id)
            .all()
        )
        return deserialise_events([json.loads(row.data) for row in rows])


def test_turn_by_turn_with_a_restart_matches_a_replay_of_every_event(
    tmp_path: Path, domain: Domain
) -> None:
    async def scenario() -> None:
        db = tmp_path / "t.db"
        store = store_at(db, domain)
        saved = 0
        sizes = []
        for turn, script in enumerate(long_conversation()):
            if turn == 20:
                store = store_at(db, domain)  # the server restarts
            tracker = await store.retrieve("child")
            if tracker is None:
                tracker = DialogueStateTracker("child", domain.slots)
            # Rasa appends this turn's events to the tracker it retrieved.
            for event in script.events[saved:]:
                tracker.update(event)
            saved = len(script.events)
            await store.save(tracker)
            sizes.append(len(tracker.events))
            if turn % 4:
                continue
            everything = stored_events(store, "child")
            # Every event stored once, in order.
            assert [e.as_dict() for e in everything] == [
                e.as_dict() for e in script.events
            ]
            full = DialogueStateTracker.from_events("child", everything, domain.slots)
            compact = await store.retrieve("child")
            assert compact is not None
            assert_same_state(full, compact, domain)
        assert max(sizes[len(sizes) // 2 :]) < 200 < saved

    asyncio.run(scenario())


def test_erase_and_purge_remove_the_snapshot_too(
    tmp_path: Path, domain: Domain
) -> None:
    async def scenario() -> None:
        store = store_at(tmp_path / "t.db", domain)
        for sender in ("a", "b"):
            script = next(iter(long_conversation()))
            tracker = DialogueStateTracker.from_events(
                sender, script.events, domain.slots
            )
            await store.save(tracker)
        await store.delete("a")
        assert await store.retrieve("a") is None
        assert store.purge_inactive_since(cutoff=1e12) == 1
        assert await store.retrieve("b") is None
        with store.session_scope() as session:
            assert session.query(Snapshot).count() == 0

    asyncio.run(scenario())


def test_a_conversation_stored_before_snapshots_is_read_and_then_snapshotted(
    tmp_path: Path, domain: Domain
) -> None:
    async def scenario() -> None:
        store = store_at(tmp_path / "t.db", domain)
        script = list(long_conversation())[-1]
        legacy = DialogueStateTracker.from_events("old", script.events, domain.slots)
        # As the store before snapshots wrote it: events only.
        with store.session_scope() as session:
            session.execute(
                store.SQLEvent.__table__.insert(),
                [store._event_row("old", event) for event in script.events],
            )
            session.commit()
        tracker = await store.retrieve("old")
        # Rasa's own retrieval: the latest session, every event of it.
        assert tracker is not None
        session_length = len(tracker.events)
        await store.save(tracker)
        assert len(stored_events(store, "old")) == len(script.events)
        compact = await store.retrieve("old")
        assert compact is not None and len(compact.events) < session_length
        assert_same_state(legacy, compact, domain)

    asyncio.run(scenario())


def test_a_new_conversation_saved_before_its_first_event_is_not_a_failure(
    tmp_path: Path, domain: Domain
) -> None:
    # Rasa's processor creates a new conversation with no events (no initial
    # action_listen) and saves it at once; that save raised IndexError and showed
    # the store as degraded on every new conversation.
    async def scenario() -> None:
        store = store_at(tmp_path / "t.db", domain)
        created = await store.get_or_create_tracker(
            "new-child", append_action_listen=False
        )
        assert list(created.events) == []
        assert not store.health.degraded
        assert stored_events(store, "new-child") == []
        assert await store.retrieve("new-child") is None

    asyncio.run(scenario())


def test_compacting_no_events_gives_none() -> None:
    from bot.stores.snapshot import compact_events

    assert compact_events([], []) == []


def test_a_sqlite_file_is_written_ahead_on_pooled_connections(
    tmp_path: Path, domain: Domain
) -> None:
    import sqlite3

    import sqlalchemy as sa

    async def scenario() -> None:
        db = tmp_path / "t.db"
        store = store_at(db, domain)
        assert isinstance(store.engine.pool, sa.pool.QueuePool)
        script = list(long_conversation())[3]
        tracker = DialogueStateTracker.from_events("child", script.events, domain.slots)
        await store.save(tracker)
        with store.engine.connect() as own:
            # FULL: a committed turn survives a power cut.
            assert own.exec_driver_sql("PRAGMA synchronous").scalar() == 2
        # Another process (a second replica, `make stats`) sees the committed turn.
        with sqlite3.connect(db) as other:
            assert other.execute("PRAGMA journal_mode").fetchone() == ("wal",)
            (count,) = other.execute(
                "SELECT count(*) FROM events WHERE sender_id = 'child'"
            ).fetchone()
        assert count == len(script.events)

    asyncio.run(scenario())
