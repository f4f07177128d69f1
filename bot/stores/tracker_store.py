"""The SQL tracker store, with the right to be forgotten built in."""

from __future__ import annotations

import logging
from typing import Text

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

logger = logging.getLogger(__name__)

# The custom action that answers "delete my conversation". When it has run in the
# latest turn, the store erases every stored event of that conversation instead of
# saving the turn, so deletion works the same from every channel.
DELETE_ACTION = "action_delete_conversation"


def deletion_requested(tracker: DialogueStateTracker) -> bool:
    """True when the latest turn ran the delete action."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == DELETE_ACTION:
            return True
    return False


class PrivateSQLTrackerStore(SQLTrackerStore):
    """`SQLTrackerStore` that can delete a conversation (SQLite or PostgreSQL)."""

    async def save(self, tracker: DialogueStateTracker) -> None:
        if deletion_requested(tracker):
            await self.delete(tracker.sender_id)
            return
        await super().save(tracker)

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
