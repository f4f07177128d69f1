"""A Redis lock store that holds between Rasa replicas (rasa issue 9213).

Rasa serialises the messages of one conversation with a ticket lock. Its
`RedisLockStore` keeps the lock as one JSON value and changes it by
read-modify-write from each replica (`get` ... `set`), so two replicas can read
the same lock, both append ticket N, and both go ahead; and one replica's
clean-up can delete the lock while another has just been issued a ticket, which
then fails with "Could not acquire lock". It also waits a whole second between
attempts, and each replica judges expiry by its own clock.

`ReplicaSafeRedisLockStore` keeps the same ticket-lock behaviour (first come,
first served, per conversation) with every change made by one Lua script, so
Redis applies it atomically:

- one hash per conversation: `last` (the ticket counter) and `t:<n>` (ticket n's
  expiry, by the Redis server's clock);
- issue: increment `last`, add `t:<n>`;
- try: drop expired tickets; the lowest live ticket holds the lock; a waiter's
  own ticket is renewed on every try, so only a crashed waiter expires;
- release: remove only the caller's own ticket, and the hash when it is empty.

Waiting polls every few milliseconds (doubling up to `max_poll_ms`) and gives up
with `LockError` after `max_wait_s`.

endpoints.yml:

    lock_store:
      type: bot.stores.lock_store.ReplicaSafeRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 1
      key_prefix: referralbot   # optional, alphanumeric
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import Any, AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig
from redis import asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

logger = logging.getLogger(__name__)

DEFAULT_KEY_PREFIX = "lock"
FIRST_POLL_MS = 5.0
HEALTH_CHECK_S = 1.0

# Current time in ms by the Redis server's clock (one clock for every replica).
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# KEYS[1] lock hash; ARGV[1] lifetime ms. Returns the new ticket number.
ISSUE_SCRIPT = _NOW + """
local ticket = redis.call('HINCRBY', KEYS[1], 'last', 1)
redis.call('HSET', KEYS[1], 't:' .. ticket, now + tonumber(ARGV[1]))
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[1]))
return ticket
"""

# KEYS[1] lock hash; ARGV[1] ticket, ARGV[2] lifetime ms.
# Returns 1 when the ticket holds the lock, 0 when it must wait, -1 when it is
# gone (expired).
TRY_SCRIPT = _NOW + """
local mine = tonumber(ARGV[1])
local fields = redis.call('HGETALL', KEYS[1])
local lowest = nil
local alive = false
for i = 1, #fields, 2 do
  local name = fields[i]
  if string.sub(name, 1, 2) == 't:' then
    local number = tonumber(string.sub(name, 3))
    if tonumber(fields[i + 1]) < now then
      redis.call('HDEL', KEYS[1], name)
    else
      if number == mine then alive = true end
      if lowest == nil or number < lowest then lowest = number end
    end
  end
end
if not alive then return -1 end
redis.call('HSET', KEYS[1], 't:' .. mine, now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
if lowest == mine then return 1 end
return 0
"""

# KEYS[1] lock hash; ARGV[1] ticket. Returns 1 if the ticket was still there.
RELEASE_SCRIPT = """
local removed = redis.call('HDEL', KEYS[1], 't:' .. ARGV[1])
if redis.call('HLEN', KEYS[1]) <= 1 then redis.call('DEL', KEYS[1]) end
return removed
"""


class ReplicaSafeRedisLockStore(LockStore):
    """Rasa's ticket lock in Redis, safe between replicas and Sanic workers."""

    def __init__(
        self,
        endpoint_config: Optional[EndpointConfig] = None,
        client: Optional[aioredis.Redis] = None,
        key_prefix: Text = DEFAULT_KEY_PREFIX,
        max_wait_s: float = LOCK_LIFETIME,
        max_poll_ms: float = 50.0,
    ) -> None:
        settings = dict(endpoint_config.kwargs) if endpoint_config else {}
        prefix = str(settings.pop("key_prefix", key_prefix))
        if not prefix.isalnum():
            raise ValueError(f"lock_store key_prefix must be alphanumeric: {prefix!r}")
        self.key_prefix = f"{prefix}:conversation:"
        self.max_wait_s = float(settings.pop("max_wait_s", max_wait_s))
        self.max_poll_ms = float(settings.pop("max_poll_ms", max_poll_ms))
        self.red = client or aioredis.Redis(
            host=(endpoint_config.url if endpoint_config else None) or "localhost",
            port=int(settings.pop("port", 6379)),
            db=int(settings.pop("db", 1)),
            # An empty value (an unset secret expanded to "") means no auth.
            username=settings.pop("username", None) or None,
            password=settings.pop("password", None) or None,
            ssl=bool(settings.pop("use_ssl", False)),
            socket_timeout=float(settings.pop("socket_timeout", 10)),
            # After a Redis restart every pooled connection is dead, and the
            # first command on each would fail: a child's message answered by
            # the safety net although Redis is back. A connection idle for
            # HEALTH_CHECK_S is PINGed before use, and a failed PING reconnects
            # once. Commands themselves are never retried (a retried `issue`
            # could leave a ticket no one holds, stalling the conversation).
            health_check_interval=float(
                settings.pop("health_check_interval", HEALTH_CHECK_S)
            ),
            retry=Retry(NoBackoff(), 1),
        )
        self._issue = self.red.register_script(ISSUE_SCRIPT)
        self._try = self.red.register_script(TRY_SCRIPT)
        self._release = self.red.register_script(RELEASE_SCRIPT)
        super().__init__()

    def key(self, conversation_id: Text) -> Text:
        return self.key_prefix + conversation_id

    async def issue(self, conversation_id: Text, lifetime_ms: int) -> int:
        key = self.key(conversation_id)
        return int(await self._issue(keys=[key], args=[lifetime_ms]))

    async def try_acquire(
        self, conversation_id: Text, ticket: int, lifetime_ms: int
    ) -> int:
        """1: holds the lock; 0: must wait; -1: the ticket expired."""
        key = self.key(conversation_id)
        return int(await self._try(keys=[key], args=[ticket, lifetime_ms]))

    async def release(self, conversation_id: Text, ticket: int) -> bool:
        """Remove this ticket only; False when it had already expired."""
        key = self.key(conversation_id)
        return bool(await self._release(keys=[key], args=[ticket]))

    async def wait_for_turn(
        self, conversation_id: Text, ticket: int, lifetime_ms: int
    ) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.max_wait_s
        pause_ms = FIRST_POLL_MS
        while True:
            state = await self.try_acquire(conversation_id, ticket, lifetime_ms)
            if state == 1:
                return
            if state == -1:
                raise LockError(
                    f"Ticket {ticket} for conversation '{conversation_id}' expired."
                )
            if loop.time() + pause_ms / 1000 > deadline:
                raise LockError(
                    f"Could not acquire lock for conversation '{conversation_id}' "
                    f"within {self.max_wait_s:.0f} s."
                )
            await asyncio.sleep(pause_ms / 1000)
            pause_ms = min(pause_ms * 2, self.max_poll_ms)

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: Text,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncGenerator[TicketLock, None]:
        """Hold the conversation's lock; `wait_time_in_seconds` is not used."""
        lifetime_ms = int(lock_lifetime * 1000)
        try:
            ticket = await self.issue(conversation_id, lifetime_ms)
        except Exception as error:  # a Redis outage must surface as LockError
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error
        try:
            await self.wait_for_turn(conversation_id, ticket, lifetime_ms)
            yield TicketLock(conversation_id)
        finally:
            await self._release_logged(conversation_id, ticket)

    async def _release_logged(self, conversation_id: Text, ticket: int) -> None:
        """Release; a failure is logged, not raised: the turn itself succeeded,
        and an unreleased ticket expires after its lifetime."""
        try:
            released = await self.release(conversation_id, ticket)
        except Exception as error:
            logger.error("Could not release a lock ticket: %s.", type(error).__name__)
            return
        if not released:
            logger.warning(
                "Lock ticket %s of a conversation expired before release: "
                "another message may have been processed concurrently.",
                ticket,
            )

    async def close(self) -> None:
        await self.red.close()

    # The synchronous ticket-lock API of `LockStore` is not used by Rasa outside
    # `lock()`; refuse it rather than fake it.
    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        raise NotImplementedError("use `lock()`")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("use `lock()`")

    def delete_lock(self, conversation_id: Text) -> None:
        raise NotImplementedError("use `lock()`")

    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = 0) -> Any:
        raise NotImplementedError("use `lock()`")
