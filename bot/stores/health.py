"""Is the conversation store the one configured, and does it work?

Rasa 3.6 hides two failures of the tracker store:
- a store class that cannot be loaded is replaced by `InMemoryTrackerStore` with
  only a warning;
- `FailSafeTrackerStore` catches every failed read and save and logs the
  exception text (for SQL errors that includes the statement's parameters, i.e.
  the message text). A failed read gives a blank conversation (the child's
  "yes" would be answered out of context) and a failed save keeps the turn in
  that replica's memory only, so it is lost when the store comes back.

Both mean that conversations are no longer saved (no restart safety, no delete).
Here they are logged at ERROR without any message text, and reported as
`"degraded"` by `tracker_store_status` (the REST channel's `/health` endpoint).
A failed read or save also stops the turn (`refuse_turn_on_store_failure`): the
guard answers it with the safety net (116 111, 158, 112) and nothing of it is
stored, so when the store is back (a PostgreSQL restart, a full disk freed) the
conversation goes on from its last stored turn, with no turn lost or stored
twice.

`lock_store_status` reports a Redis lock store (the scale-out profile) the same
way, from one PING that may take LOCK_STORE_PING_TIMEOUT_S: while Redis is down
every message is answered by the guard's safety net (the conversation lock
cannot be taken), and the rate limit falls back to each replica's memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Optional

from rasa.core.lock_store import RedisLockStore
from rasa.core.tracker_store import InMemoryTrackerStore

from bot.server.rasa_internals import innermost_store, set_tracker_store_error_callback

logger = logging.getLogger(__name__)

STATUS_OK = "ok"
STATUS_DEGRADED = "degraded"
LOCK_STORE_PING_TIMEOUT_S = 0.5


class StoreHealth:
    """When the store last succeeded and last failed (monotonic seconds)."""

    def __init__(self) -> None:
        self.last_success: Optional[float] = None
        self.last_failure: Optional[float] = None
        self.last_error: Optional[str] = None

    def succeeded(self) -> None:
        self.last_success = time.monotonic()

    def failed(self, error: BaseException) -> None:
        self.last_failure = time.monotonic()
        self.last_error = type(error).__name__

    @property
    def degraded(self) -> bool:
        """True when the latest operation failed."""
        if self.last_failure is None:
            return False
        return self.last_success is None or self.last_failure > self.last_success


class StoreUnavailable(RuntimeError):
    """The tracker store failed in this turn; carries no text of the failure."""


def refuse_turn_on_store_failure(error: Exception) -> None:
    """`FailSafeTrackerStore` callback: log the failure without its text, then
    raise `StoreUnavailable` so the turn stops (the guard sends the safety net)
    instead of going on with a blank or unsaved conversation."""
    logger.error(
        "The tracker store failed (%s): the turn is answered by the safety net "
        "and not stored. Health: degraded.",
        type(error).__name__,
    )
    raise StoreUnavailable(type(error).__name__) from None


def watch_tracker_store(tracker_store: Any) -> None:
    """Install `refuse_turn_on_store_failure`; report a store already fallen back.

    Called once the agent is loaded (see `bot.server.hooks`).
    """
    set_tracker_store_error_callback(tracker_store, refuse_turn_on_store_failure)
    if isinstance(innermost_store(tracker_store), InMemoryTrackerStore):
        logger.error(
            "Conversations are kept in memory only: the tracker store configured "
            "in endpoints.yml could not be loaded. Health: degraded."
        )


def tracker_store_status(tracker_store: Any) -> str:
    """`"ok"` or `"degraded"` for the store the agent uses (None: degraded)."""
    store = innermost_store(tracker_store)
    if store is None or isinstance(store, InMemoryTrackerStore):
        return STATUS_DEGRADED
    health = getattr(store, "health", None)
    ping = getattr(store, "ping", None)
    if ping is not None:
        ping()
    if isinstance(health, StoreHealth) and health.degraded:
        return STATUS_DEGRADED
    return STATUS_OK


async def lock_store_status(
    lock_store: Any, timeout_s: float = LOCK_STORE_PING_TIMEOUT_S
) -> Optional[str]:
    """`"ok"` or `"degraded"` for a Redis lock store; None for any other (an
    in-memory lock store has nothing to fail)."""
    from bot.stores.lock_store import ReplicaSafeRedisLockStore

    try:
        if isinstance(lock_store, ReplicaSafeRedisLockStore):
            await asyncio.wait_for(lock_store.red.ping(), timeout_s)
        elif isinstance(lock_store, RedisLockStore):  # Rasa's, synchronous client
            await asyncio.wait_for(asyncio.to_thread(lock_store.red.ping), timeout_s)
        else:
            return None
    except Exception as error:
        logger.debug("Lock store PING failed (%s).", type(error).__name__)
        return STATUS_DEGRADED
    return STATUS_OK
