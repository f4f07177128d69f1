"""Erase a conversation wherever the tracker store is wrapped."""

from __future__ import annotations

from typing import Text

from rasa.core.tracker_store import TrackerStore

from bot.server.rasa_internals import innermost_store


async def erase_conversation(tracker_store: TrackerStore, sender_id: Text) -> None:
    """Delete every stored event of `sender_id` from the configured store.

    Raises TypeError when the store cannot delete: a deployment whose store
    cannot forget must fail loudly, not pretend it did.
    """
    store = innermost_store(tracker_store)
    delete = getattr(store, "delete", None)
    if delete is None:
        raise TypeError(f"{type(store).__name__} cannot delete conversations")
    await delete(sender_id)
