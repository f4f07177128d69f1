"""The safety nets the guard sends, counted (anonymously) like the referrals.

When a turn fails, times out or says nothing, the guard answers with the
safety net itself: the action server, which counts every other referral
(`actions.statistics`), never saw that turn. `count_safety_net` adds it to
`referral_counts` as `safety_net` / `turn_failed`, with the channel and the
language of the reply, in the background (`stats.recorder`). The start-up hooks
bind `GUARD_COUNTS` to the tracker store's database (`count_in_tracker_store`);
until then, and with a tracker store that is not SQL, nothing is counted.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.server.rasa_internals import innermost_store
from stats.measures import SAFETY_NET, TURN_FAILED, count
from stats.recorder import CountRecorder

logger = logging.getLogger(__name__)

GUARD_COUNTS = CountRecorder()


def count_safety_net(channel: str, language: str) -> None:
    """The guard sent the safety net on `channel`, in `language`."""
    GUARD_COUNTS.record(count(SAFETY_NET, TURN_FAILED, language, channel))


def count_in_tracker_store(tracker_store: Any) -> bool:
    """Count into the database of the agent's SQL tracker store; False if none."""
    engine = getattr(innermost_store(tracker_store), "engine", None)
    if engine is None:
        logger.warning("Referral statistics: the guard counts nothing (no SQL store).")
        return False
    try:
        GUARD_COUNTS.bind(engine)
    except ValueError as error:
        logger.warning("Referral statistics: the guard counts nothing (%s).", error)
        return False
    return True
