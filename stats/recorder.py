"""Counting from a server: the write happens in the background and never raises.

    RECORDER = CountRecorder()          # at import: no engine, no thread yet
    RECORDER.bind(engine)               # at start-up: creates the table
    RECORDER.record(count(...), ...)    # in a turn: returns at once

`record` takes the day (UTC) when it is called and hands the counts of one turn
to a single writer thread, which adds them in one upsert (`stats.table`). The
reply never waits for the database: a database that is slow or down delays
nothing and fails nothing; the counts are then lost, and the failure is logged
once, with its exception type only. Until `bind` is called (a unit test, a
server without an SQL tracker store) `record` does nothing.
"""

from __future__ import annotations

import concurrent.futures
import datetime
import logging
import threading
from typing import Callable, Optional, Set

import sqlalchemy as sa

from stats.measures import Count
from stats.table import add_counts, check_dialect, create_table

logger = logging.getLogger(__name__)

# Turns waiting for the writer before new ones are dropped (a database that hangs
# must not grow the server's memory without end).
MAX_PENDING = 1000


def utc_today() -> datetime.date:
    return datetime.datetime.now(datetime.timezone.utc).date()


class CountRecorder:
    """Adds counts to `referral_counts` from a background thread (see module)."""

    def __init__(
        self,
        today: Callable[[], datetime.date] = utc_today,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self.today = today
        self.max_pending = max_pending
        self._engine: Optional[sa.engine.Engine] = None
        self._writer: Optional[concurrent.futures.ThreadPoolExecutor] = None
        self._pending: Set["concurrent.futures.Future[object]"] = set()
        self._lock = threading.Lock()
        self._failing = False

    @property
    def bound(self) -> bool:
        return self._engine is not None

    def bind(self, engine: sa.engine.Engine) -> None:
        """Count into `engine`'s database from now on (the table is created first).

        Raises ValueError for a database that cannot upsert (`stats.table`).
        """
        check_dialect(engine)
        self._engine = engine
        self._submit(create_table, engine)

    def record(self, *counts: Count) -> None:
        """Add 1 to each counter of `counts`, for today, in the background."""
        if self._engine is None or not counts:
            return
        self._submit(add_counts, self._engine, self.today(), counts)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait until every count recorded so far is written (or failed)."""
        with self._lock:
            pending = list(self._pending)
        concurrent.futures.wait(pending, timeout=timeout)

    def close(self) -> None:
        """Write what is pending, then stop the writer thread."""
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def _submit(self, work: Callable[..., object], *args: object) -> None:
        with self._lock:
            if len(self._pending) >= self.max_pending:
                self._failed("TooManyPending")
                return
            if self._writer is None:
                self._writer = concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, thread_name_prefix="referral-counts"
                )
            future = self._writer.submit(work, *args)
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: "concurrent.futures.Future[object]") -> None:
        with self._lock:
            self._pending.discard(future)
        error = future.exception()
        if error is None:
            if self._failing:
                logger.info("Referral counts are written again.")
            self._failing = False
        else:
            self._failed(type(error).__name__)

    def _failed(self, error_type: str) -> None:
        if not self._failing:
            logger.error(
                "Referral counts could not be written (%s); the replies are not "
                "affected. Logged once until counting works again.",
                error_type,
            )
        self._failing = True
