"""The per-sender rate limit shared by the replicas in Redis, and its fallback.

Each test has its own `redis-server` on a free loopback port
(`tests.support.services.own_redis`), so stopping it touches nothing else.
Two `RedisSenderRateLimiter` instances, each with its own client, stand for two
Rasa replicas.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from pathlib import Path
from typing import AsyncIterator, Iterator, List

import pytest
from redis import asyncio as aioredis

from bot.guard.rate_limit import (
    RedisSenderRateLimiter,
    SenderRateLimiter,
    rate_limiter_from_env,
)
from tests.support.services import OwnRedis, own_redis

SENDER = "c0ffee-pseudonym"
PREFIX = "ratetest"


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[OwnRedis]:
    with own_redis(tmp_path) as server:
        yield server


def client(server: OwnRedis) -> aioredis.Redis:
    return aioredis.Redis(
        host=server.host,
        port=server.port,
        socket_timeout=0.25,
        socket_connect_timeout=0.25,
    )


@pytest.fixture
async def replicas(
    redis_server: OwnRedis,
) -> AsyncIterator[List[RedisSenderRateLimiter]]:
    """Two replicas' limiters: 3 messages at once, then (almost) none."""
    limiters = [
        RedisSenderRateLimiter(
            client(redis_server),
            per_minute=1,
            burst=3,
            key_prefix=PREFIX,
            retry_after_s=0.05,
        )
        for _ in range(2)
    ]
    yield limiters
    for limiter in limiters:
        await limiter.close()


async def test_two_replicas_share_one_budget(
    replicas: List[RedisSenderRateLimiter],
) -> None:
    first, second = replicas

    answers = [
        await first.admit(SENDER),
        await second.admit(SENDER),
        await first.admit(SENDER),
        await second.admit(SENDER),
        await first.admit(SENDER),
    ]

    assert answers == [True, True, True, False, False]
    assert await second.admit("another-sender")  # others are unaffected
    # In memory, each replica would have allowed the burst on its own.
    assert first.shared and second.shared


async def test_a_bucket_key_has_a_prefix_and_expires_once_full_again(
    redis_server: OwnRedis,
) -> None:
    limiter = RedisSenderRateLimiter(
        client(redis_server), per_minute=600, burst=2, key_prefix=PREFIX
    )
    red = client(redis_server)
    try:
        assert await limiter.admit(SENDER) and await limiter.admit(SENDER)
        assert not await limiter.admit(SENDER)
        assert await red.keys("*") == [f"{PREFIX}:ratelimit:{SENDER}".encode()]
        # 2 tokens at 10 a second: full again after 200 ms, and then gone.
        assert 0 < await red.pttl(f"{PREFIX}:ratelimit:{SENDER}") <= 200
        await asyncio.sleep(0.4)
        assert await red.keys("*") == []
        assert await limiter.admit(SENDER) and await limiter.admit(SENDER)
    finally:
        await limiter.close()
        await red.close()


async def test_redis_down_falls_back_to_memory_and_back_to_redis_when_up(
    replicas: List[RedisSenderRateLimiter],
    redis_server: OwnRedis,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = replicas
    assert await first.admit(SENDER)  # both connected before Redis goes
    assert await second.admit(SENDER)
    redis_server.stop()
    caplog.set_level(logging.INFO, logger="bot.guard.rate_limit")

    started = time.monotonic()
    down = [await first.admit(SENDER) for _ in range(4)]
    down_second = [await second.admit(SENDER) for _ in range(4)]
    took = time.monotonic() - started

    # Each replica limits on its own now: a full burst each, nothing raised.
    assert down == [True, True, True, False]
    assert down_second == [True, True, True, False]
    assert not first.shared and not second.shared
    assert took < 2.0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # once per replica (per limiter), not per message
    assert all(SENDER not in r.getMessage() for r in caplog.records)
    assert "ConnectionError" in warnings[0].getMessage()

    redis_server.start()
    await asyncio.sleep(0.1)  # retry_after_s
    fresh = "fresh-pseudonym"
    up = [
        await first.admit(fresh),
        await second.admit(fresh),
        await first.admit(fresh),
        await second.admit(fresh),
    ]

    assert up == [True, True, True, False]  # one budget again
    assert first.shared and second.shared
    back = [r for r in caplog.records if "works again" in r.getMessage()]
    assert len(back) == 2 and all(r.levelno == logging.INFO for r in back)


async def test_a_hung_redis_costs_a_check_at_most_its_timeout(
    replicas: List[RedisSenderRateLimiter], redis_server: OwnRedis
) -> None:
    first, _ = replicas
    assert await first.admit(SENDER)
    assert redis_server.process is not None
    redis_server.process.send_signal(signal.SIGSTOP)
    try:
        started = time.monotonic()
        allowed = await first.admit(SENDER)
        again = await first.admit(SENDER)  # within retry_after_s: memory at once
        took = time.monotonic() - started
    finally:
        redis_server.process.send_signal(signal.SIGCONT)

    assert allowed and again
    assert not first.shared
    assert took < 1.0


async def test_the_fallback_keeps_the_limit_of_the_settings(
    redis_server: OwnRedis,
) -> None:
    limiter = RedisSenderRateLimiter(
        client(redis_server), per_minute=1, burst=2, key_prefix=PREFIX
    )
    redis_server.stop()
    try:
        assert [await limiter.admit(SENDER) for _ in range(3)] == [True, True, False]
    finally:
        await limiter.close()


async def test_a_redis_restart_costs_no_fallback_once_redis_is_back(
    redis_server: OwnRedis, caplog: pytest.LogCaptureFixture
) -> None:
    """The client from the environment retries a check that failed on a
    connection the old Redis closed, on a new connection."""
    limiter = rate_limiter_from_env(
        {
            "RATE_LIMIT_STORE": "redis",
            "REDIS_HOST": redis_server.host,
            "REDIS_PORT": str(redis_server.port),
            "REDIS_DB": "0",
        }
    )
    assert isinstance(limiter, RedisSenderRateLimiter)
    try:
        assert await limiter.admit(SENDER)
        redis_server.stop()
        redis_server.start()
        caplog.set_level(logging.INFO, logger="bot.guard.rate_limit")
        assert await limiter.admit(SENDER)
        assert limiter.shared and not caplog.records
    finally:
        await limiter.close()


def test_the_store_is_chosen_by_the_environment() -> None:
    assert isinstance(rate_limiter_from_env({}), SenderRateLimiter)
    assert isinstance(
        rate_limiter_from_env({"RATE_LIMIT_STORE": "memory"}), SenderRateLimiter
    )
    shared = rate_limiter_from_env(
        {
            "RATE_LIMIT_STORE": "redis",
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": "1",
            "LOCK_KEY_PREFIX": "bot1",
            "RATE_LIMIT_BURST": "4",
        }
    )
    assert isinstance(shared, RedisSenderRateLimiter)
    assert shared.key(SENDER) == f"bot1:ratelimit:{SENDER}"
    assert shared.burst == 4
    with pytest.raises(ValueError):
        rate_limiter_from_env({"RATE_LIMIT_STORE": "memcached"})
    with pytest.raises(ValueError):
        RedisSenderRateLimiter(client=None, key_prefix="bad:prefix")
