"""Load: N simulated users talking to a running Rasa server over REST at once.

    python -m bench.load --url http://127.0.0.1:5005 -n 20 --rounds 3

Each user runs scripted exchanges (`bench/conversations.yml`) one after another,
each under a fresh conversation id, sending the next message as soon as the
previous answer arrived (no think time: the worst case for the server). A turn is
one REST request; its latency is the time to the complete answer, which includes
NLU, the policies, the custom-action round trip and the tracker store.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import AbstractSet, Dict, List, Optional, Sequence, Text

import aiohttp
import yaml

CONVERSATIONS_FILE = Path(__file__).with_name("conversations.yml")
REST_PATH = "/webhooks/rest/webhook"
MAX_ERROR_SAMPLES = 5


@dataclass(frozen=True)
class Exchange:
    """One scripted conversation: its name and the messages a user types."""

    name: Text
    messages: Sequence[Text]


def scripted_exchanges(assistant: Text) -> List[Exchange]:
    """The exchanges for `assistant` ("ours" or "stock") from conversations.yml."""
    with CONVERSATIONS_FILE.open(encoding="utf-8") as handle:
        raw: Dict[Text, Dict[Text, List[Text]]] = yaml.safe_load(handle)
    if assistant not in raw:
        raise KeyError(f"{CONVERSATIONS_FILE.name} has no exchanges for '{assistant}'")
    return [
        Exchange(name, tuple(messages)) for name, messages in raw[assistant].items()
    ]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class LoadResult:
    """What one load run measured."""

    users: int
    seconds: float = 0.0
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    error_samples: List[Text] = field(default_factory=list)

    @property
    def turns(self) -> int:
        return len(self.latencies_ms) + self.errors

    @property
    def throughput(self) -> float:
        """Answered turns per second of wall time."""
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def record_error(self, description: Text) -> None:
        self.errors += 1
        if len(self.error_samples) < MAX_ERROR_SAMPLES:
            self.error_samples.append(description)

    def summary(self) -> Text:
        line = (
            f"{self.users} users, {self.turns} turns in {self.seconds:.1f} s: "
            f"p50 {self.p(50):.0f} ms, p95 {self.p(95):.0f} ms, "
            f"p99 {self.p(99):.0f} ms, {self.throughput:.1f} turns/s, "
            f"{self.errors} errors"
        )
        return "\n".join([line, *(f"  error: {e}" for e in self.error_samples)])


def fallback_texts(assistant: Text) -> AbstractSet[Text]:
    """First bubbles that mean "no real answer" from our assistant: the channel
    guard's safety net (a turn that failed or took too long) and the rate-limit
    reply. Counted as errors, not as answers."""
    if assistant != "ours":
        return frozenset()
    from bot.guard.replies import SafetyReplies

    replies = SafetyReplies.from_dataset()
    return frozenset(
        messages[0]["text"]
        for kind in (replies.safety_net, replies.rate_limited)
        for messages in kind.values()
        if messages
    )


async def send_turn(
    session: aiohttp.ClientSession,
    url: Text,
    sender: Text,
    text: Text,
    fallbacks: AbstractSet[Text] = frozenset(),
) -> Optional[Text]:
    """Send one message; return None when answered, else what went wrong."""
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as resp:
            if resp.status != 200:
                return f"HTTP {resp.status} for {text!r}"
            body = await resp.json(content_type=None)
    except (aiohttp.ClientError, asyncio.TimeoutError) as error:
        return f"{type(error).__name__} for {text!r}: {error}"
    if not isinstance(body, list) or not body:
        return f"empty answer to {text!r}"
    if body[0].get("text") in fallbacks:
        return f"safety net or rate limit instead of an answer to {text!r}"
    return None


async def simulated_user(
    session: aiohttp.ClientSession,
    url: Text,
    user: int,
    exchanges: Sequence[Exchange],
    rounds: int,
    run_id: Text,
    result: LoadResult,
    fallbacks: AbstractSet[Text],
) -> None:
    for round_number in range(rounds):
        exchange = exchanges[(user + round_number) % len(exchanges)]
        sender = f"bench-{run_id}-{exchange.name}-{user}-{round_number}"
        for text in exchange.messages:
            started = time.perf_counter()
            problem = await send_turn(session, url, sender, text, fallbacks)
            if problem is None:
                result.latencies_ms.append((time.perf_counter() - started) * 1000)
            else:
                result.record_error(problem)


async def run_load(
    base_url: Text,
    exchanges: Sequence[Exchange],
    users: int = 20,
    rounds: int = 2,
    timeout: float = 30.0,
    fallbacks: AbstractSet[Text] = frozenset(),
) -> LoadResult:
    """`users` simulated users at once, each running `rounds` exchanges."""
    url = base_url.rstrip("/") + REST_PATH
    result = LoadResult(users=users)
    run_id = uuid.uuid4().hex[:8]
    connector = aiohttp.TCPConnector(limit=0)
    client_timeout = aiohttp.ClientTimeout(total=timeout)
    async with aiohttp.ClientSession(connector=connector, timeout=client_timeout) as s:
        started = time.perf_counter()
        await asyncio.gather(
            *(
                simulated_user(
                    s, url, user, exchanges, rounds, run_id, result, fallbacks
                )
                for user in range(users)
            )
        )
        result.seconds = time.perf_counter() - started
    return result


async def warm_up(base_url: Text, exchanges: Sequence[Exchange]) -> None:
    """One pass over every exchange, unmeasured: first calls trace TF graphs."""
    await run_load(base_url, exchanges, users=len(exchanges), rounds=1)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:5005")
    parser.add_argument("-n", "--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--assistant", choices=["ours", "stock"], default="ours")
    parser.add_argument("--no-warm-up", action="store_true")
    args = parser.parse_args(argv)

    exchanges = scripted_exchanges(args.assistant)
    if not args.no_warm_up:
        asyncio.run(warm_up(args.url, exchanges))
    fallbacks = fallback_texts(args.assistant)
    result = asyncio.run(
        run_load(args.url, exchanges, args.users, args.rounds, fallbacks=fallbacks)
    )
    print(result.summary())
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
