"""Delete conversations that have been idle longer than the retention period.

The Rasa server purges by itself: `purge_periodically` runs as a background task
of the server (started by `bot.server.hooks`), once at start and then
every `RETENTION_PURGE_INTERVAL_MINUTES`. The same purge from a shell or cron:

    python -m bot.stores.purge [--endpoints endpoints.yml]

Environment:
    RETENTION_HOURS                   idle hours after which a conversation is
                                      deleted (default 24)
    RETENTION_PURGE_INTERVAL_MINUTES  how often the server purges (default 15)
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, List, Mapping, Optional

from bot.server.rasa_internals import innermost_store
from bot.settings import positive_float

logger = logging.getLogger(__name__)

DEFAULT_RETENTION_HOURS = 24.0
DEFAULT_PURGE_INTERVAL_MINUTES = 15.0
ROOT = Path(__file__).resolve().parent.parent.parent


def retention_seconds(env: Mapping[str, str] = os.environ) -> float:
    return positive_float(env, "RETENTION_HOURS", DEFAULT_RETENTION_HOURS) * 3600


def purge_interval_seconds(env: Mapping[str, str] = os.environ) -> float:
    minutes = positive_float(
        env, "RETENTION_PURGE_INTERVAL_MINUTES", DEFAULT_PURGE_INTERVAL_MINUTES
    )
    return minutes * 60


def purge_expired(tracker_store: Any, now: Optional[float] = None) -> int:
    """Delete conversations idle for longer than the retention period.

    Returns how many were deleted. Raises TypeError for a store that cannot
    purge: a deployment that cannot forget must fail loudly.
    """
    store = innermost_store(tracker_store)
    purge = getattr(store, "purge_inactive_since", None)
    if purge is None:
        raise TypeError(f"{type(store).__name__} cannot purge old conversations")
    cutoff = (time.time() if now is None else now) - retention_seconds()
    deleted = int(purge(cutoff))
    log = logger.info if deleted else logger.debug
    log("Retention purge: %d idle conversation(s) deleted.", deleted)
    return deleted


async def purge_periodically(tracker_store: Any, interval: float) -> None:
    """Purge now and then every `interval` seconds, until cancelled.

    The purge runs in the event loop like every other call of Rasa's SQL store
    (they are synchronous): one indexed query and a few deletes.
    """
    while True:
        try:
            purge_expired(tracker_store)
        except Exception as error:
            logger.error("Retention purge failed (%s).", type(error).__name__)
        await asyncio.sleep(interval)


def store_from_endpoints(endpoints: Path) -> Any:
    """Build the tracker store configured in an endpoints file."""
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    config = read_endpoint_config(str(endpoints), "tracker_store")
    return TrackerStore.create(config)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoints", type=Path, default=ROOT / "endpoints.yml")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    endpoints = args.endpoints.resolve()
    os.chdir(ROOT)  # endpoints.yml names the SQLite file relative to the project
    try:
        purge_expired(store_from_endpoints(endpoints))
    except (TypeError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
