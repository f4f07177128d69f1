"""The `tracker_snapshots` table: one bounded state per conversation.

Written with every save of `PrivateSQLTrackerStore`, in the same transaction as
the conversation's new events; erased and purged with them. `data` is the JSON
list of the compact, redacted events (`bot.stores.snapshot`); `event_count`,
`last_type` and `last_timestamp` say which tracker it was written from, so the
next save knows which events are new without counting the stored ones.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import declarative_base

SnapshotBase: Any = declarative_base()


class Snapshot(SnapshotBase):  # type: ignore[misc,valid-type]
    __tablename__ = "tracker_snapshots"

    sender_id = sa.Column(sa.String(255), primary_key=True)
    data = sa.Column(sa.Text, nullable=False)
    event_count = sa.Column(sa.Integer, nullable=False)
    last_type = sa.Column(sa.String(255))
    last_timestamp = sa.Column(sa.Float)
    updated = sa.Column(sa.Float, index=True)


def create_snapshot_table(engine: Any) -> None:
    """Create the table if it is missing (replicas may race: that is fine)."""
    try:
        SnapshotBase.metadata.create_all(engine)
    except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
        # Another replica created it at the same moment.
        SnapshotBase.metadata.create_all(engine)
