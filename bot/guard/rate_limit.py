"""A per-sender limit on messages, so one sender cannot flood the assistant.

A token bucket per conversation: `burst` messages at once, then `per_minute`
messages a minute. A message over the limit never reaches Rasa; the guard answers
it with the dataset's kind "slow down" text. Other senders are unaffected.

Environment: RATE_LIMIT_PER_MINUTE (default 20), RATE_LIMIT_BURST (default 8).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Callable, Dict, Mapping

DEFAULT_PER_MINUTE = 20.0
DEFAULT_BURST = 8.0
# Buckets are forgotten once full again; this many senders trigger a sweep.
SWEEP_AT_SENDERS = 10_000


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
