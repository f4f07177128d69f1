"""The SQL tracker store: redacted, forgettable, and honest about failures."""

from __future__ import annotations

import json
import logging
import time
from typing import Any, Dict, List, Optional, Sequence, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.orm import sessionmaker

from bot.server.rasa_internals import events_not_yet_stored, max_event_history
from bot.stores.health import StoreHealth
from bot.stores.redaction import redacted_event
from bot.stores.snapshot import compact_events
from bot.stores.snapshot_table import Snapshot, create_snapshot_table

SNAPSHOTS = Snapshot.__table__

logger = logging.getLogger(__name__)

# The custom action that answers "delete my conversation". When it has run in the
# latest turn, the store erases every stored event of that conversation instead of
# saving the turn, so deletion works the same from every channel.
DELETE_ACTION = "action_delete_conversation"
# Conversations deleted per statement by the retention purge.
PURGE_BATCH = 500


def deletion_requested(tracker: DialogueStateTracker) -> bool:
    """True when the latest turn ran the delete action."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == DELETE_ACTION:
            return True
    return False


def write_ahead_log(engine: sa.engine.Engine) -> None:
    """Put an SQLite database file in write-ahead-log mode (kept in the file).

    Each turn's commit then syncs one append to the log instead of the rollback
    journal and the database: 0.4 instead of 1.3 ms on these machines, and the
    server's event loop waits for it (README, "Performance and scale-out").
    `synchronous` stays FULL, SQLite's default: a committed turn survives a
    power cut as before. The connections are pooled (SQLAlchemy 1.4 opens and
    closes one per session for a file, and closing the last one folds the log
    back into the database, which is the cost saved).
    """
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA journal_mode=WAL")


class PrivateSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` (SQLite or PostgreSQL) that keeps as little as it can.

    - What is written (to the database and to an event broker) is the tracker
      with identifiers redacted from user text (`bot.stores.redaction`). The
      tracker Rasa works with in memory, and so the NLU, keeps the original.
    - A turn that ran `action_delete_conversation` erases the conversation.
    - `purge_inactive_since` deletes conversations idle for too long
      (`bot.stores.purge`).
    - Every operation records success or failure in `health`, so a store that
      Rasa silently replaced by memory shows up as degraded.
    - Flat turn cost: every save also writes the conversation's bounded state
      (`bot.stores.snapshot`, one row per conversation in `tracker_snapshots`),
      and `retrieve` reads that row instead of every event of the session. The
      `events` table still receives every (redacted) event, once.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.health = StoreHealth()
        engine: sa.engine.Engine = self.engine
        if engine.dialect.name == "postgresql":
            # After a PostgreSQL restart every pooled connection is dead; tested
            # before use, the first turn on each of them does not fail.
            self._replace_engine(engine, pool_pre_ping=True)
        elif engine.dialect.name == "sqlite" and engine.url.database:
            self._replace_engine(
                engine,
                poolclass=sa.pool.QueuePool,
                connect_args={"check_same_thread": False},
            )
            write_ahead_log(self.engine)
        create_snapshot_table(self.engine)

    def _replace_engine(self, engine: sa.engine.Engine, **options: Any) -> None:
        """Rasa's engine, created again with `options`."""
        self.engine = sa.create_engine(
            engine.url, **{**create_engine_kwargs(engine.url), **options}
        )
        self.sessionmaker = sessionmaker(bind=self.engine)
        engine.dispose()

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            if deletion_requested(tracker):
                await self.delete(tracker.sender_id)
            else:
                self._save_with_snapshot(tracker)
        except Exception as error:
            self.health.failed(error)
            raise
        self.health.succeeded()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        try:
            tracker = self._retrieve_snapshot(sender_id)
            if tracker is None:
                # A conversation stored before snapshots existed (or none at all).
                tracker = await super().retrieve(sender_id)
        except Exception as error:
            self.health.failed(error)
            raise
        self.health.succeeded()
        return tracker

    def _retrieve_snapshot(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        if not self.domain:
            return None
        with self.session_scope() as session:
            data = session.execute(
                sa.select(SNAPSHOTS.c.data).where(SNAPSHOTS.c.sender_id == sender_id)
            ).scalar()
        if data is None:
            return None
        return DialogueStateTracker.from_dict(
            sender_id, json.loads(data), self.domain.slots
        )

    def _save_with_snapshot(self, tracker: DialogueStateTracker) -> None:
        """Append the new events (redacted) and replace the snapshot, atomically.

        A tracker with no events (Rasa's processor creates every new conversation
        so, and saves it before the session starts) stores nothing, as in Rasa's
        own SQL store: there is no state to snapshot yet. Written with SQL
        statements, not ORM objects: the ORM's bookkeeping of a flush was a
        tenth of a turn's CPU under load.
        """
        events = list(tracker.events)
        if not events:
            return
        sender_id = tracker.sender_id
        with self.session_scope() as session:
            row = session.execute(
                sa.select(
                    SNAPSHOTS.c.event_count,
                    SNAPSHOTS.c.last_type,
                    SNAPSHOTS.c.last_timestamp,
                ).where(SNAPSHOTS.c.sender_id == sender_id)
            ).first()
            new = self._new_events(session, tracker, events, row)
            stored_new = [redacted_event(event) for event in new]
            if stored_new:
                session.execute(
                    self.SQLEvent.__table__.insert(),
                    [self._event_row(sender_id, event) for event in stored_new],
                )
            known = events[: len(events) - len(new)]
            slots = self.domain.slots if self.domain else []
            compact = [
                redacted_event(event)
                for event in compact_events(known + stored_new, slots)
            ]
            last = compact[-1] if compact else None
            snapshot = {
                "data": json.dumps([event.as_dict() for event in compact]),
                "event_count": len(compact),
                "last_type": last.type_name if last else None,
                "last_timestamp": last.timestamp if last else None,
                "updated": time.time(),
            }
            if row is None:
                session.execute(
                    SNAPSHOTS.insert().values(sender_id=sender_id, **snapshot)
                )
            else:
                session.execute(
                    SNAPSHOTS.update()
                    .where(SNAPSHOTS.c.sender_id == sender_id)
                    .values(**snapshot)
                )
            session.commit()
        if self.event_broker is not None:
            for event in stored_new:
                self.event_broker.publish({"sender_id": sender_id, **event.as_dict()})

    def _new_events(
        self,
        session: Any,
        tracker: DialogueStateTracker,
        events: Sequence[Event],
        row: Optional[Any],
    ) -> List[Event]:
        """The events of `tracker` not yet stored."""
        if row is None:
            # No snapshot: Rasa's count of the stored events of the session.
            return list(events_not_yet_stored(self, session, tracker))
        count = row.event_count or 0
        if 0 < count <= len(events):
            previous = events[count - 1]
            if (
                previous.type_name == row.last_type
                and previous.timestamp == row.last_timestamp
            ):
                return list(events[count:])
        # Not the tracker last saved (kept in memory while the store failed):
        # what is newer than the latest stored event.
        since = row.last_timestamp or 0.0
        return [event for event in events if event.timestamp > since]

    @staticmethod
    def _event_row(sender_id: Text, event: Event) -> Dict[Text, Any]:
        """The `events` table's columns for one event, as Rasa's store fills them."""
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def redacted(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """A copy of `tracker` whose events carry no identifiers."""
        slots = self.domain.slots if self.domain else None
        return DialogueStateTracker.from_events(
            tracker.sender_id,
            [redacted_event(event) for event in tracker.events],
            slots,
            max_event_history(tracker),
        )

    async def delete(self, sender_id: Text) -> int:
        """Erase every stored event of one conversation; return how many."""
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.query(Snapshot).filter(Snapshot.sender_id == sender_id).delete(
                synchronize_session=False
            )
            session.commit()
        logger.info("Conversation erased on request (%d events).", deleted)
        return int(deleted)

    def purge_inactive_since(self, cutoff: float) -> int:
        """Delete conversations whose latest event is older than `cutoff`.

        `cutoff` is a Unix timestamp; returns the number of conversations deleted.
        """
        with self.session_scope() as session:
            stale: List[Text] = [
                sender_id
                for (sender_id,) in session.query(self.SQLEvent.sender_id)
                .group_by(self.SQLEvent.sender_id)
                .having(sa.func.max(self.SQLEvent.timestamp) < cutoff)
                .all()
            ]
            for start in range(0, len(stale), PURGE_BATCH):
                batch = stale[start : start + PURGE_BATCH]
                session.query(self.SQLEvent).filter(
                    self.SQLEvent.sender_id.in_(batch)
                ).delete(synchronize_session=False)
                session.query(Snapshot).filter(Snapshot.sender_id.in_(batch)).delete(
                    synchronize_session=False
                )
            session.query(Snapshot).filter(Snapshot.updated < cutoff).delete(
                synchronize_session=False
            )
            session.commit()
        return len(stale)

    def ping(self) -> None:
        """Run `SELECT 1`; a failure is recorded in `health`.

        Success is not recorded: a database that answers reads may still refuse
        writes, so only a successful save clears a failed one.
        """
        try:
            with self.session_scope() as session:
                session.execute(sa.text("SELECT 1"))
        except Exception as error:
            self.health.failed(error)
