"""Two Rasa replicas share one conversation: every turn is stored once, in order.

The scale-out profile as `make run-scaled` starts it (`bot/run/scaled.py`,
`deploy/endpoints.scaled.yml`) on free loopback ports: two Rasa servers and one
action server, against a throwaway PostgreSQL database and throwaway keys in a
test Redis database (`tests/system/scale/replicas.py`). One conversation's messages go
to both replicas, first alternately (each waits for its answer), then
concurrently (all sent at once, alternating replicas). The `events` table must
then hold every user message exactly once, each followed by exactly the bot
messages its sender received; alternately sent messages in the order sent,
concurrent ones in the order they were processed.

Rasa's stock `RedisLockStore` does not hold (rasa issue 9213): see
tests/system/scale/test_lock_store.py, and deploy/README.md for this conversation
against it (`python -m tests.system.scale.replicas --lock-store redis`).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Iterator, List

import pytest

from tests.support.servers import model_for_tests
from tests.system.scale.replicas import (
    MESSAGES,
    running_replicas,
    send_alternately,
    send_concurrently,
    stored_turns,
)

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_db: str,
    module_redis_prefix: str,
) -> Iterator[List[str]]:
    """Two Rasa replicas and one action server; yields the replicas' URLs."""
    model = model_for_tests()
    if model is None:
        pytest.skip("no trained model for the current data: run `make model`")
    workdir = tmp_path_factory.mktemp("replicas")
    with running_replicas(model, workdir, postgres_db, module_redis_prefix) as urls:
        yield urls


def test_alternating_replicas_store_each_turn_once_in_order(
    replicas: List[str], postgres_db: str
) -> None:
    sender = f"child-{uuid.uuid4()}"
    replies = asyncio.run(send_alternately(replicas, sender))

    turns = stored_turns(postgres_db, sender)

    assert all(replies), "every message got an answer"
    assert [turn.user for turn in turns] == MESSAGES
    assert [turn.bot for turn in turns] == replies


def test_concurrent_messages_to_both_replicas_are_stored_once_each(
    replicas: List[str], postgres_db: str
) -> None:
    sender = f"child-{uuid.uuid4()}"
    replies = asyncio.run(send_concurrently(replicas, sender))
    received = dict(zip(MESSAGES, replies, strict=False))

    turns = stored_turns(postgres_db, sender)

    assert all(replies), "every message got an answer"
    assert sorted(turn.user for turn in turns) == sorted(MESSAGES)  # once each
    assert {turn.user: turn.bot for turn in turns} == received  # none interleaved
    stamps = [turn.timestamp for turn in turns]
    assert stamps == sorted(stamps)  # stored in the order they were processed
