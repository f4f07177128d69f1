"""A per-sender limit on messages, so one sender cannot flood the assistant.

A token bucket per conversation: `burst` messages at once, then `per_minute`
messages a minute. A message over the limit never reaches Rasa; the guard answers
it with the dataset's kind "slow down" text. Other senders are unaffected.

Environment: RATE_LIMIT_PER_MINUTE (default 20), RATE_LIMIT_BURST (default 8),
RATE_LIMIT_STORE (`memory`, the default, or `redis`).

`SenderRateLimiter` keeps the buckets in the process: each Rasa replica has its
own, so N replicas would allow N times the limit. `RedisSenderRateLimiter`
(RATE_LIMIT_STORE=redis, set by the scale-out profile) keeps them in the Redis of
the lock store (REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, REDIS_DB, keys under
`<LOCK_KEY_PREFIX>:ratelimit:<pseudonym>`), so every replica draws on one budget
per sender. Each check is one Lua script, atomic in Redis, timed by the Redis
server's clock; a bucket's key expires once it would be full again (an absent
key is a full bucket), so no sender is kept longer than that.

When Redis fails or is slow (REDIS_TIMEOUT_S), the Redis limiter falls back to an
in-memory limiter with the same settings: a child is never refused or left
waiting because Redis is down. The first failure is logged once at WARNING (the
error type only); Redis is tried again at most every RETRY_AFTER_S, and its first
answer ends the fallback (logged at INFO).
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Protocol

logger = logging.getLogger(__name__)

DEFAULT_PER_MINUTE = 20.0
DEFAULT_BURST = 8.0
# Buckets are forgotten once full again; this many senders trigger a sweep.
SWEEP_AT_SENDERS = 10_000
STORE_MEMORY, STORE_REDIS = "memory", "redis"
DEFAULT_KEY_PREFIX = "referralbot"
# A check waits at most this long for Redis (the guard runs in the event loop).
REDIS_TIMEOUT_S = 0.25
# While Redis is failing, it is tried again at most this often.
RETRY_AFTER_S = 1.0


class RateLimiter(Protocol):
    """What the guard needs: `await admit(sender)` is True within the limit."""

    async def admit(self, sender_id: str) -> bool: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class SenderRateLimiter:
    """`allow(sender)` is True while the sender is within the limit."""

    def __init__(
        self,
        per_minute: float = DEFAULT_PER_MINUTE,
        burst: float = DEFAULT_BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if per_minute <= 0 or burst < 1:
            raise ValueError("rate limit: per_minute must be > 0 and burst >= 1")
        self.rate = per_minute / 60.0
        self.burst = burst
        self._clock = clock
        self._buckets: Dict[str, _Bucket] = {}

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> SenderRateLimiter:
        return cls(
            per_minute=float(env.get("RATE_LIMIT_PER_MINUTE") or DEFAULT_PER_MINUTE),
            burst=float(env.get("RATE_LIMIT_BURST") or DEFAULT_BURST),
        )

    async def admit(self, sender_id: str) -> bool:
        return self.allow(sender_id)

    def allow(self, sender_id: str) -> bool:
        now = self._clock()
        bucket = self._buckets.get(sender_id)
        if bucket is None:
            if len(self._buckets) >= SWEEP_AT_SENDERS:
                self._sweep(now)
            bucket = self._buckets[sender_id] = _Bucket(self.burst, now)
        bucket.tokens = min(
            self.burst, bucket.tokens + (now - bucket.updated) * self.rate
        )
        bucket.updated = now
        if bucket.tokens < 1:
            return False
        bucket.tokens -= 1
        return True

    def _sweep(self, now: float) -> None:
        """Forget senders whose bucket has refilled (they are within the limit)."""
        self._buckets = {
            sender: bucket
            for sender, bucket in self._buckets.items()
            if bucket.tokens + (now - bucket.updated) * self.rate < self.burst
        }


# KEYS[1] the sender's bucket (a hash: tokens, updated ms by the Redis clock);
# ARGV[1] tokens per ms, ARGV[2] burst, ARGV[3] key lifetime ms.
# Returns 1 when the message is allowed (a token was taken), else 0.
TOKEN_BUCKET_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens = tonumber(state[1])
local updated = tonumber(state[2])
if tokens == nil or updated == nil then
  tokens = burst
  updated = now
end
tokens = math.min(burst, tokens + math.max(0, now - updated) * rate)
local allowed = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return allowed
"""


class RedisSenderRateLimiter:
    """The token bucket of `SenderRateLimiter`, shared by every replica in Redis;
    falls back to an in-memory limiter while Redis fails (module docstring)."""

    def __init__(
        self,
        client: Any,
        per_minute: float = DEFAULT_PER_MINUTE,
        burst: float = DEFAULT_BURST,
        key_prefix: str = DEFAULT_KEY_PREFIX,
        timeout_s: float = REDIS_TIMEOUT_S,
        retry_after_s: float = RETRY_AFTER_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not key_prefix.isalnum():
            raise ValueError(
                f"rate limit key prefix must be alphanumeric: {key_prefix!r}"
            )
        # Validates per_minute and burst, and answers while Redis is down.
        self.fallback = SenderRateLimiter(per_minute, burst, clock)
        self.rate_per_ms = per_minute / 60_000.0
        self.burst = burst
        # A bucket is full again after burst / rate; then its key may go.
        self.key_lifetime_ms = math.ceil(burst / self.rate_per_ms)
        self.key_prefix = f"{key_prefix}:ratelimit:"
        self.timeout_s = timeout_s
        self.retry_after_s = retry_after_s
        self._clock = clock
        self.red = client
        self._script = client.register_script(TOKEN_BUCKET_SCRIPT)
        self._failing_since: Optional[float] = None
        self._last_try = 0.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> RedisSenderRateLimiter:
        from redis import asyncio as aioredis
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError

        client = aioredis.Redis(
            host=env.get("REDIS_HOST") or "localhost",
            port=int(env.get("REDIS_PORT") or 6379),
            db=int(env.get("REDIS_DB") or 1),
            # An empty value (an unset secret expanded to "") means no auth.
            password=env.get("REDIS_PASSWORD") or None,
            socket_timeout=REDIS_TIMEOUT_S,
            socket_connect_timeout=REDIS_TIMEOUT_S,
            # After a Redis restart the pooled connections are dead: a check
            # that fails on one is retried once on a new connection, so a
            # restart costs no false fallback. (Unlike a lock ticket, a check
            # run twice costs at most one token.)
            retry=Retry(NoBackoff(), 1),
            retry_on_error=[RedisConnectionError],
        )
        return cls(
            client,
            per_minute=float(env.get("RATE_LIMIT_PER_MINUTE") or DEFAULT_PER_MINUTE),
            burst=float(env.get("RATE_LIMIT_BURST") or DEFAULT_BURST),
            key_prefix=env.get("LOCK_KEY_PREFIX") or DEFAULT_KEY_PREFIX,
        )

    @property
    def shared(self) -> bool:
        """False while the in-memory fallback answers."""
        return self._failing_since is None

    def key(self, sender_id: str) -> str:
        return self.key_prefix + sender_id

    async def admit(self, sender_id: str) -> bool:
        now = self._clock()
        if not self.shared and now - self._last_try < self.retry_after_s:
            return self.fallback.allow(sender_id)
        self._last_try = now
        try:
            allowed = await asyncio.wait_for(
                self._script(
                    keys=[self.key(sender_id)],
                    args=[self.rate_per_ms, self.burst, self.key_lifetime_ms],
                ),
                self.timeout_s,
            )
        except Exception as error:  # any failure of Redis: never refuse a child
            if self.shared:
                self._failing_since = now
                logger.warning(
                    "The shared rate limit in Redis failed (%s): each replica "
                    "limits senders on its own until Redis answers again.",
                    type(error).__name__,
                )
            return self.fallback.allow(sender_id)
        if not self.shared:
            self._failing_since = None
            logger.info("The shared rate limit in Redis works again.")
        return bool(int(allowed))

    async def close(self) -> None:
        await self.red.close()


def rate_limiter_from_env(env: Mapping[str, str] = os.environ) -> RateLimiter:
    """The limiter RATE_LIMIT_STORE asks for: `memory` (default) or `redis`."""
    store = (env.get("RATE_LIMIT_STORE") or STORE_MEMORY).strip().lower()
    if store == STORE_REDIS:
        return RedisSenderRateLimiter.from_env(env)
    if store != STORE_MEMORY:
        raise ValueError(f"RATE_LIMIT_STORE must be memory or redis: {store!r}")
    return SenderRateLimiter.from_env(env)
