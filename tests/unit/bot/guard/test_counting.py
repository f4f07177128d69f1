"""The safety nets the guard sends are counted, anonymously, in the store's database."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain

import bot.guard.counting
from bot.guard.counting import count_in_tracker_store
from bot.guard.replies import SafetyReplies
from bot.stores.tracker_store import PrivateSQLTrackerStore
from stats.recorder import CountRecorder
from stats.table import read_counts
from tests.support.guard import make_guard, send

DAY = datetime.date(2026, 12, 2)


@pytest.fixture
def counted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """A fresh `GUARD_COUNTS`, bound to a SQLite file; yields a reader."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    recorder = CountRecorder(today=lambda: DAY)
    recorder.bind(engine)
    monkeypatch.setattr(bot.guard.counting, "GUARD_COUNTS", recorder)

    def rows() -> list:
        recorder.drain()
        return read_counts(engine, DAY, DAY)

    yield rows
    recorder.close()
    engine.dispose()


async def failing_turn(message: UserMessage) -> None:
    raise RuntimeError("the NLU crashed")


async def answering_turn(message: UserMessage) -> None:
    await message.output_channel.send_response(message.sender_id, {"text": "116 111"})


async def test_a_safety_net_of_the_guard_is_counted(
    counted: Any, safety_replies: SafetyReplies
) -> None:
    guard = make_guard(failing_turn, safety_replies)
    await send(guard, "someone is blackmailing me", sender="child-1")
    await send(guard, "nekdo me vydira", sender="child-2")
    await send(make_guard(answering_turn, safety_replies), "ahoj", sender="child-3")

    assert sorted(counted()) == [
        (DAY, "safety_net", "turn_failed", "cs", "rest", 1),
        (DAY, "safety_net", "turn_failed", "en", "rest", 1),
    ]


def test_the_guard_counts_in_the_sql_store_and_nowhere_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bot.guard.counting, "GUARD_COUNTS", CountRecorder())
    assert not count_in_tracker_store(InMemoryTrackerStore(Domain.empty()))
    assert not bot.guard.counting.GUARD_COUNTS.bound
    store = PrivateSQLTrackerStore(dialect="sqlite", db=str(tmp_path / "t.db"))
    assert count_in_tracker_store(FailSafeTrackerStore(store))
    assert bot.guard.counting.GUARD_COUNTS.bound
    bot.guard.counting.GUARD_COUNTS.close()
