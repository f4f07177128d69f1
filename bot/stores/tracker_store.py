"""The SQL tracker store: redacted, forgettable, and honest about failures."""

from __future__ import annotations

import logging
from typing import List, Optional, Text

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.server.rasa_internals import max_event_history
from bot.stores.health import StoreHealth
from bot.stores.redaction import redacted_event

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
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.health = StoreHealth()

    async def save(self, tracker: DialogueStateTracker) -> None:
        try:
            if deletion_requested(tracker):
                await self.delete(tracker.sender_id)
            else:
                await super().save(self.redacted(tracker))
        except Exception as error:
            self.health.failed(error)
            raise
        self.health.succeeded()

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        try:
            tracker = await super().retrieve(sender_id)
        except Exception as error:
            self.health.failed(error)
            raise
        self.health.succeeded()
        return tracker

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
