"""The counter table: one upsert a turn, counters and nothing else."""

from __future__ import annotations

import datetime

import sqlalchemy as sa

from stats.measures import CONVERSATION, REFERRAL, count
from stats.table import TABLE_NAME, add_counts, create_table, read_counts

from .conftest import TODAY

SEXTORTION = count(REFERRAL, "sextortion", "cs", "webchat")
FIRST = count(CONVERSATION, "sextortion", "cs", "webchat")


def test_the_table_has_counters_and_nothing_else(engine: sa.engine.Engine) -> None:
    columns = [c["name"] for c in sa.inspect(engine).get_columns(TABLE_NAME)]
    assert columns == ["day", "measure", "category", "language", "channel", "count"]
    with engine.connect() as connection:
        sql = connection.execute(
            sa.text("SELECT sql FROM sqlite_master WHERE name = :name"),
            {"name": TABLE_NAME},
        ).scalar()
    assert "WITHOUT ROWID" in sql  # not even the order of first writes is kept


def test_counts_are_added_to_the_counter_of_the_day(engine: sa.engine.Engine) -> None:
    yesterday = TODAY - datetime.timedelta(days=1)
    add_counts(engine, TODAY, [SEXTORTION, FIRST])
    add_counts(engine, TODAY, [SEXTORTION, SEXTORTION])  # one statement, merged
    add_counts(engine, yesterday, [SEXTORTION])

    rows = read_counts(engine, yesterday, TODAY)

    assert sorted(rows) == [
        (yesterday, "referral", "sextortion", "cs", "webchat", 1),
        (TODAY, "conversation", "sextortion", "cs", "webchat", 1),
        (TODAY, "referral", "sextortion", "cs", "webchat", 3),
    ]
    assert sorted(read_counts(engine, TODAY, TODAY)) == sorted(rows)[1:]


def test_creating_the_table_twice_is_harmless(engine: sa.engine.Engine) -> None:
    add_counts(engine, TODAY, [SEXTORTION])
    create_table(engine)
    assert read_counts(engine, TODAY, TODAY)[0][-1] == 1


def test_a_database_without_the_table_has_no_counts(tmp_path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert read_counts(engine, TODAY, TODAY) == []
