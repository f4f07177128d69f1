"""Fixtures of the statistics tests: a real SQLite database with the counter table."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Iterator

import pytest
import sqlalchemy as sa

from stats.table import create_table

# A Wednesday: its week (from Monday 2026-11-30) is not complete yet.
TODAY = datetime.date(2026, 12, 2)


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.engine.Engine]:
    """A SQLite file with `referral_counts`, as the tracker store's database."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    create_table(engine)
    yield engine
    engine.dispose()
