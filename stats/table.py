"""The counter table `referral_counts`, in the tracker store's database.

    day | measure | category | language | channel | count
    ----+---------+----------+----------+---------+------
    2026-11-30 | conversation | sextortion | cs | webchat | 7

The five key columns are the primary key; `count` is the only other column.
Nothing else is stored: no sender id, no pseudonym, no text, no timestamp finer
than the day (SQLite keeps the rows in key order, `WITHOUT ROWID`, so not even
the order in which they were first written). Counting is one statement,

    INSERT ... VALUES (...), (...) ON CONFLICT (key) DO UPDATE
        SET count = referral_counts.count + excluded.count

atomic in SQLite and PostgreSQL, so any number of servers can count at once
without losing or doubling a count. The retention purge and "delete my
conversation" delete events, never these rows: a counter holds no link to a
conversation to delete it by.
"""

from __future__ import annotations

import collections
import datetime
from typing import Any, Dict, Iterable, List, Tuple

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from stats.measures import Count

TABLE_NAME = "referral_counts"
SUPPORTED_DIALECTS = ("sqlite", "postgresql")

metadata = sa.MetaData()
referral_counts = sa.Table(
    TABLE_NAME,
    metadata,
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("measure", sa.String(32), primary_key=True),
    sa.Column("category", sa.String(64), primary_key=True),
    sa.Column("language", sa.String(16), primary_key=True),
    sa.Column("channel", sa.String(32), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
    sqlite_with_rowid=False,
)
KEY = ("day", "measure", "category", "language", "channel")
Row = Tuple[datetime.date, str, str, str, str, int]


def check_dialect(engine: sa.engine.Engine) -> None:
    """Raise ValueError unless the database can upsert (SQLite or PostgreSQL)."""
    if engine.dialect.name not in SUPPORTED_DIALECTS:
        raise ValueError(
            f"referral counts need SQLite or PostgreSQL, not {engine.dialect.name}"
        )


def create_table(engine: sa.engine.Engine) -> None:
    """Create `referral_counts` if it is missing (several servers may race)."""
    check_dialect(engine)
    try:
        metadata.create_all(engine, checkfirst=True)
    except (sa.exc.ProgrammingError, sa.exc.IntegrityError, sa.exc.OperationalError):
        # Another server created it between the check and the CREATE.
        if not sa.inspect(engine).has_table(TABLE_NAME):
            raise


def add_counts(
    connection: Any, day: datetime.date, counts: Iterable[Count]
) -> Dict[Count, int]:
    """Add each count to its counter of `day` in one statement; return what was added.

    `connection` is an Engine or a Connection (the statement runs in its own
    transaction when given an Engine).
    """
    added = dict(collections.Counter(counts))
    if not added:
        return added
    rows = [
        {
            "day": day,
            "measure": c.measure,
            "category": c.category,
            "language": c.language,
            "channel": c.channel,
            "count": n,
        }
        for c, n in added.items()
    ]
    dialect = connection.dialect.name
    insert = (postgresql if dialect == "postgresql" else sqlite).insert
    statement = insert(referral_counts).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=list(KEY),
        set_={"count": referral_counts.c["count"] + statement.excluded["count"]},
    )
    if isinstance(connection, sa.engine.Engine):
        with connection.begin() as transaction:
            transaction.execute(statement)
    else:
        connection.execute(statement)
    return added


def read_counts(
    engine: sa.engine.Engine, first_day: datetime.date, last_day: datetime.date
) -> List[Row]:
    """Every counter from `first_day` to `last_day` (both included); [] if no table."""
    if not sa.inspect(engine).has_table(TABLE_NAME):
        return []
    query = sa.select(referral_counts).where(
        referral_counts.c.day >= first_day, referral_counts.c.day <= last_day
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]
