"""The conversation lock between replicas, against the real Redis (rasa issue 9213).

Rasa processes the messages of one conversation one at a time by holding a
ticket lock in the lock store. Each "replica" here is a thread with its own
event loop and its own lock store instance (its own Redis connections), as two
Rasa servers would have. Redis is reached through a proxy that adds a few
milliseconds each way (`tests/system/scale/latency.py`), as a network would.

What the tests show, with the same load on both stores:

- Rasa's stock `RedisLockStore` lets two replicas into one conversation at once:
  it changes the lock by read-modify-write (`GET` ... `SET`), so two replicas
  that read the lock before either writes it both get ticket 0.
- `ReplicaSafeRedisLockStore` never does, keeps arrival order, and recovers
  from a crashed holder when its ticket expires.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, List

import pytest
from rasa.core.lock_store import LockError, RedisLockStore
from redis import asyncio as aioredis

from bot.stores.lock_store import ReplicaSafeRedisLockStore
from tests.support.services import REDIS_HOST, REDIS_PORT, REDIS_TEST_DB
from tests.system.scale.latency import LatencyProxy

REPLICAS = 2
MESSAGES_PER_REPLICA = 2  # messages of one conversation arriving at each replica
ROUNDS = 12
ONE_WAY_S = 0.005  # Redis 5 ms away, each way
HOLD_S = 0.05  # how long a message holds the lock (its turn being processed)
# Short, so a message stuck behind a lost ticket shows up as a stall (a wait of
# a whole lifetime) instead of holding the test for Rasa's default 60 s.
LIFETIME_S = 2.0
BARRIER_TIMEOUT_S = 20.0


@pytest.fixture
def redis_port() -> Iterator[int]:
    """The port of a proxy to the test Redis, 2 x ONE_WAY_S per round trip."""
    with LatencyProxy(REDIS_HOST, REDIS_PORT, ONE_WAY_S) as proxy:
        yield proxy.port


def replica_safe_store(
    prefix: str, port: int = REDIS_PORT, **settings: Any
) -> ReplicaSafeRedisLockStore:
    client = aioredis.Redis(host=REDIS_HOST, port=port, db=REDIS_TEST_DB)
    return ReplicaSafeRedisLockStore(client=client, key_prefix=prefix, **settings)


def stock_store(prefix: str, port: int = REDIS_PORT) -> RedisLockStore:
    return RedisLockStore(
        host=REDIS_HOST, port=port, db=REDIS_TEST_DB, key_prefix=prefix
    )


@dataclass
class Tally:
    """What the messages saw: entries, overlaps (two inside at once), failures."""

    stop_at_first_overlap: bool = False
    inside: int = 0
    entries: int = 0
    overlaps: int = 0
    lock_errors: int = 0
    longest_wait_s: float = 0.0
    rounds: int = 0
    stop: bool = False
    guard: threading.Lock = field(default_factory=threading.Lock)

    def enter(self, waited_s: float) -> None:
        with self.guard:
            self.longest_wait_s = max(self.longest_wait_s, waited_s)
            self.inside += 1
            self.entries += 1
            if self.inside > 1:
                self.overlaps += 1

    def leave(self) -> None:
        with self.guard:
            self.inside -= 1

    def failed(self) -> None:
        with self.guard:
            self.lock_errors += 1

    def next_round(self) -> None:
        """Run by the barrier once every replica has finished the last round."""
        self.stop = self.rounds == ROUNDS or (
            self.stop_at_first_overlap and self.overlaps > 0
        )
        self.rounds += 1


def run_replica(make_store: Callable[[], Any], tally: Tally, barrier: Any) -> None:
    """One replica: each round, its messages all ask for the lock at once."""

    async def message(store: Any) -> None:
        started = time.monotonic()
        try:
            async with store.lock(
                "child-1", lock_lifetime=LIFETIME_S, wait_time_in_seconds=0.005
            ):
                tally.enter(time.monotonic() - started)
                await asyncio.sleep(HOLD_S)
                tally.leave()
        except LockError:
            tally.failed()

    async def replica() -> None:
        store = make_store()
        while True:
            barrier.wait(BARRIER_TIMEOUT_S)  # every replica starts the round at once
            if tally.stop:
                break
            await asyncio.gather(*(message(store) for _ in range(MESSAGES_PER_REPLICA)))
        if hasattr(store, "close"):
            await store.close()

    asyncio.run(replica())


def hammer(make_store: Callable[[], Any], stop_at_first_overlap: bool = False) -> Tally:
    tally = Tally(stop_at_first_overlap)
    barrier = threading.Barrier(REPLICAS, action=tally.next_round)
    threads = [
        threading.Thread(target=run_replica, args=(make_store, tally, barrier))
        for _ in range(REPLICAS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def test_stock_redis_lock_store_lets_two_replicas_into_one_conversation(
    redis_prefix: str, redis_port: int
) -> None:
    tally = hammer(lambda: stock_store(redis_prefix, redis_port), True)

    assert (
        tally.overlaps > 0
    ), f"no overlap in {tally.rounds - 1} rounds: {tally}; rasa issue 9213 fixed?"


def test_replica_safe_store_admits_one_message_at_a_time(
    redis_prefix: str, redis_port: int
) -> None:
    tally = hammer(lambda: replica_safe_store(redis_prefix, redis_port))

    assert (tally.overlaps, tally.lock_errors) == (0, 0)
    assert tally.entries == REPLICAS * MESSAGES_PER_REPLICA * ROUNDS
    assert tally.longest_wait_s < LIFETIME_S / 2  # nobody waited for an expiry


def test_stock_store_read_modify_write_issues_one_ticket_twice(
    redis_prefix: str,
) -> None:
    """The interleaving behind the overlap, step by step."""
    replica_a, replica_b = stock_store(redis_prefix), stock_store(redis_prefix)

    lock_a = replica_a.get_or_create_lock("child-2")  # both read the lock ...
    lock_b = replica_b.get_or_create_lock("child-2")
    ticket_a = lock_a.issue_ticket(LIFETIME_S)  # ... then both write it back
    replica_a.save_lock(lock_a)
    ticket_b = lock_b.issue_ticket(LIFETIME_S)
    replica_b.save_lock(lock_b)
    stored = replica_a.get_lock("child-2")

    assert ticket_a == ticket_b == 0
    assert stored is not None
    assert not stored.is_locked(ticket_a) and not stored.is_locked(ticket_b)


async def test_replica_safe_store_issues_each_ticket_once(redis_prefix: str) -> None:
    replica_a, replica_b = replica_safe_store(redis_prefix), replica_safe_store(
        redis_prefix
    )

    ticket_a = await replica_a.issue("child-2", lifetime_ms=2000)
    ticket_b = await replica_b.issue("child-2", lifetime_ms=2000)

    assert ticket_a != ticket_b
    assert await replica_a.try_acquire("child-2", ticket_a, 2000) == 1
    assert await replica_b.try_acquire("child-2", ticket_b, 2000) == 0


async def test_waiting_messages_are_served_in_arrival_order(redis_prefix: str) -> None:
    store = replica_safe_store(redis_prefix)
    served: List[int] = []

    async def message(number: int) -> None:
        async with store.lock("child-3"):
            served.append(number)
            await asyncio.sleep(0.01)

    tasks = []
    for number in range(5):
        tasks.append(asyncio.create_task(message(number)))
        await asyncio.sleep(0.005)  # arrive one after another
    await asyncio.gather(*tasks)

    assert served == [0, 1, 2, 3, 4]


async def test_a_crashed_holder_blocks_only_until_its_ticket_expires(
    redis_prefix: str,
) -> None:
    store = replica_safe_store(redis_prefix)
    await store.issue("child-4", lifetime_ms=300)  # a holder that never releases

    started = time.monotonic()
    async with store.lock("child-4"):
        waited = time.monotonic() - started

    assert 0.2 < waited < 2


async def test_waiting_gives_up_after_the_deadline_and_leaves_no_ticket(
    redis_prefix: str,
) -> None:
    store = replica_safe_store(redis_prefix, max_wait_s=0.2)
    holder = await store.issue("child-5", lifetime_ms=10_000)

    with pytest.raises(LockError):
        async with store.lock("child-5"):
            pass  # pragma: no cover
    await store.release("child-5", holder)

    assert not await store.red.exists(store.key("child-5"))


async def test_release_removes_the_lock_when_no_one_waits(redis_prefix: str) -> None:
    store = replica_safe_store(redis_prefix)

    async with store.lock("child-6"):
        assert await store.red.exists(store.key("child-6"))

    assert not await store.red.exists(store.key("child-6"))


async def test_a_redis_outage_is_a_lock_error(redis_prefix: str) -> None:
    client = aioredis.Redis(host=REDIS_HOST, port=1, db=REDIS_TEST_DB)  # nothing there
    store = ReplicaSafeRedisLockStore(client=client, key_prefix=redis_prefix)

    with pytest.raises(LockError):
        async with store.lock("child-7"):
            pass  # pragma: no cover
