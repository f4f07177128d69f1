"""Counting from a server: in the background, never raising, never waited for."""

from __future__ import annotations

import logging
import time

import pytest
import sqlalchemy as sa

from stats.measures import REFERRAL, count
from stats.recorder import CountRecorder
from stats.table import read_counts

from .conftest import TODAY

SEXTORTION = count(REFERRAL, "sextortion", "cs", "webchat")


def test_an_unbound_recorder_counts_nothing() -> None:
    recorder = CountRecorder()
    recorder.record(SEXTORTION)
    assert not recorder.bound and recorder._writer is None


def test_recorded_counts_are_written_for_the_day(engine: sa.engine.Engine) -> None:
    recorder = CountRecorder(today=lambda: TODAY)
    recorder.bind(engine)
    for _ in range(25):
        recorder.record(SEXTORTION)
    recorder.drain()
    assert read_counts(engine, TODAY, TODAY) == [
        (TODAY, "referral", "sextortion", "cs", "webchat", 25)
    ]
    recorder.close()


def test_a_failing_database_fails_nothing_and_is_logged_once_by_type(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'missing' / 'tracker.db'}")
    recorder = CountRecorder(today=lambda: TODAY)
    with caplog.at_level(logging.INFO):
        recorder.bind(engine)
        for _ in range(3):
            recorder.record(SEXTORTION)  # does not raise
        recorder.drain()
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "OperationalError" in errors[0]
    assert "sextortion" not in caplog.text and str(tmp_path) not in caplog.text
    recorder.close()


def test_a_database_that_hangs_delays_nothing_and_grows_nothing(
    engine: sa.engine.Engine,
) -> None:
    recorder = CountRecorder(today=lambda: TODAY, max_pending=5)
    recorder.bind(engine)
    recorder.drain()
    recorder._submit(time.sleep, 1.0)  # the writer is busy for a second
    started = time.monotonic()
    for _ in range(50):
        recorder.record(SEXTORTION)
    assert time.monotonic() - started < 0.5
    assert len(recorder._pending) <= 5
    recorder.drain()
    recorder.close()


def test_a_database_that_cannot_upsert_is_refused_at_once() -> None:
    recorder = CountRecorder()
    with pytest.raises(ValueError, match="SQLite or PostgreSQL"):
        recorder.bind(sa.create_mock_engine("mysql://", executor=None))
