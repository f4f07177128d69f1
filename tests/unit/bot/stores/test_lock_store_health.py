"""A Redis lock store through a Redis outage: "degraded" on health while down
(`lock_store_status`), and working at once when Redis is back.

The Redis is the test's own `redis-server` (`tests.support.services.own_redis`).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Iterator

import pytest
from rasa.core.lock_store import InMemoryLockStore, RedisLockStore
from rasa.utils.endpoints import EndpointConfig
from redis import asyncio as aioredis

from bot.stores.health import lock_store_status
from bot.stores.lock_store import HEALTH_CHECK_S, ReplicaSafeRedisLockStore
from tests.support.services import OwnRedis, own_redis


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[OwnRedis]:
    with own_redis(tmp_path) as server:
        yield server


async def test_a_redis_lock_store_is_ok_then_degraded_then_ok_again(
    redis_server: OwnRedis,
) -> None:
    store = ReplicaSafeRedisLockStore(
        client=aioredis.Redis(host=redis_server.host, port=redis_server.port),
        key_prefix="healthtest",
    )
    try:
        assert await lock_store_status(store) == "ok"
        redis_server.stop()
        started = time.monotonic()
        assert await lock_store_status(store) == "degraded"
        assert time.monotonic() - started < 1.0
        redis_server.start()
        assert await lock_store_status(store) == "ok"
    finally:
        await store.close()


async def test_rasas_redis_lock_store_is_reported_too(redis_server: OwnRedis) -> None:
    store = RedisLockStore(host=redis_server.host, port=redis_server.port)

    assert await lock_store_status(store) == "ok"
    redis_server.stop()
    assert await lock_store_status(store) == "degraded"


async def test_other_lock_stores_are_not_reported() -> None:
    assert await lock_store_status(InMemoryLockStore()) is None
    assert await lock_store_status(None) is None


async def test_after_a_redis_restart_the_first_lock_is_taken(
    redis_server: OwnRedis,
) -> None:
    """The pooled connection died with the old Redis; the client configured from
    endpoints.yml PINGs an idle connection and reconnects instead of failing the
    first message after the restart (which the guard would answer with the
    safety net although Redis is back)."""
    store = ReplicaSafeRedisLockStore(
        EndpointConfig(url=redis_server.host, port=redis_server.port, key_prefix="r")
    )
    try:
        async with store.lock("conversation"):
            pass
        redis_server.stop()
        redis_server.start()
        await asyncio.sleep(HEALTH_CHECK_S + 0.2)
        async with store.lock("conversation"):
            pass
    finally:
        await store.close()
