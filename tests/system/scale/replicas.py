"""Two Rasa replicas on loopback, one conversation sent to both, and what was stored.

Used by tests/system/scale/test_two_replicas.py. Run as a script, it sends one
conversation concurrently to two replicas that use a lock store of your choice
and prints what the tracker store kept; with Rasa's stock store:

    python -m tests.system.scale.replicas --lock-store redis

(deploy/README.md shows its output.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import aiohttp
import sqlalchemy as sa
import yaml

from bot.guard.pseudonyms import pseudonymous_sender_id
from bot.run.scaled import (
    ENDPOINTS,
    Profile,
    profile_env,
    start_action_server,
    start_replica,
)
from tests.support.ports import free_ports
from tests.support.servers import model_for_tests, stop, wait_for
from tests.support.services import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    REDIS_HOST,
    REDIS_PORT,
    REDIS_TEST_DB,
    postgres_url,
    throwaway_database,
    throwaway_redis_prefix,
)

# One child's conversation, both languages; every message distinct.
MESSAGES = [
    "ahoj",
    "nekdo me vydira ze zverejni moje fotky",
    "ne",
    "muzu dostat nejake odskodneni?",
    "jak to nahlasit na policii?",
    "diky",
    "someone posted my nudes online",
    "yes",
    "how do i get the photos taken down?",
    "will i get in trouble for sending them?",
    "thank you",
]
STAGGER_S = 0.01  # concurrent messages leave this far apart
SENDER_ID_KEY = "scale-test-key"


@dataclass
class Turn:
    user: str
    timestamp: float
    bot: List[str] = field(default_factory=list)


def stored_turns(database: str, sender: str, pg_port: int = PG_PORT) -> List[Turn]:
    """The conversation as the `events` table holds it, in insertion order.

    The REST channel stores a conversation under the pseudonym of its sender.
    """
    stored_id = pseudonymous_sender_id("rest", sender, SENDER_ID_KEY.encode())
    engine = sa.create_engine(postgres_url(database, pg_port))
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT type_name, data FROM events "
                "WHERE sender_id = :sender ORDER BY id"
            ),
            {"sender": stored_id},
        ).fetchall()
    engine.dispose()
    turns: List[Turn] = []
    for type_name, data in rows:
        event = json.loads(data)
        if type_name == "user":
            turns.append(Turn(event["text"], float(event["timestamp"])))
        elif type_name == "bot":
            if not turns:  # only a broken lock gets here
                turns.append(Turn("<no user message>", float(event["timestamp"])))
            turns[-1].bot.extend(paragraphs([event.get("text") or ""]))
    return turns


def paragraphs(messages: List[str]) -> List[str]:
    """Rasa's output channels send each paragraph ("\n\n") as its own message."""
    return [part for message in messages for part in message.split("\n\n")]


def texts(reply: List[Dict[str, Any]]) -> List[str]:
    return paragraphs([message.get("text") or "" for message in reply])


async def say(
    session: aiohttp.ClientSession, replica: str, sender: str, text: str
) -> List[Dict[str, Any]]:
    url = f"{replica}/webhooks/rest/webhook"
    async with session.post(url, json={"sender": sender, "message": text}) as response:
        assert response.status == 200, f"{replica}: HTTP {response.status} for {text!r}"
        return await response.json()


async def send_alternately(replicas: List[str], sender: str) -> List[List[str]]:
    """Each message to the next replica, after the previous one was answered."""
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        return [
            texts(await say(session, replicas[i % len(replicas)], sender, text))
            for i, text in enumerate(MESSAGES)
        ]


async def send_concurrently(
    replicas: List[str], sender: str, return_exceptions: bool = False
) -> List[Any]:
    """All messages at once (STAGGER_S apart), alternating between replicas.

    Each message's reply texts, or (with `return_exceptions`) what failed."""

    async def send(index: int, text: str) -> List[str]:
        await asyncio.sleep(index * STAGGER_S)
        return texts(await say(session, replicas[index % len(replicas)], sender, text))

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        return list(
            await asyncio.gather(
                *(send(i, t) for i, t in enumerate(MESSAGES)),
                return_exceptions=return_exceptions,
            )
        )


class Replicas(List[str]):
    """The replicas' base URLs, and their processes (`processes`, same order;
    `action_server`), for a test that stops or kills one."""

    def __init__(self, urls: List[str], processes: List[Any], action_server: Any):
        super().__init__(urls)
        self.processes = processes
        self.action_server = action_server


@contextlib.contextmanager
def running_replicas(
    model: Path,
    workdir: Path,
    database: str,
    redis_prefix: str,
    lock_store: Optional[str] = None,
    redis_port: int = REDIS_PORT,
    extra_env: Optional[Dict[str, str]] = None,
    pg_port: int = PG_PORT,
) -> Iterator[Replicas]:
    """Two replicas and one action server with deploy/endpoints.scaled.yml;
    `lock_store` replaces its lock store type (e.g. "redis", Rasa's own);
    `redis_port` and `pg_port` are another Redis or PostgreSQL on 127.0.0.1 (a
    test's own, which it may stop); `extra_env` overrides the servers'
    environment."""
    first, second, actions = free_ports(3)
    profile = Profile((first, second), actions)
    env = profile_env(
        profile,
        {
            **os.environ,
            "DB_HOST": PG_HOST,
            "DB_PORT": str(pg_port),
            "DB_USER": PG_USER,
            "DB_PASSWORD": "",
            "DB_DATABASE": database,
            "REDIS_HOST": REDIS_HOST,
            "REDIS_PORT": str(redis_port),
            "REDIS_PASSWORD": "",
            "REDIS_DB": str(REDIS_TEST_DB),
            "LOCK_KEY_PREFIX": redis_prefix,
            "SENDER_ID_KEY": SENDER_ID_KEY,
            "RATE_LIMIT_BURST": str(len(MESSAGES)),  # one child, no limit
            # A loaded CI machine can be slower than the production deadlines.
            "TURN_DEADLINE_SECONDS": "60",
            "ACTION_TIMEOUT_SECONDS": "30",
            **(extra_env or {}),
        },
    )
    endpoints = ENDPOINTS
    if lock_store:
        config = yaml.safe_load(ENDPOINTS.read_text())
        config["lock_store"]["type"] = lock_store
        env["TICKET_LOCK_LIFETIME"] = "10"  # a lost ticket stalls 10 s, not 60 s
        endpoints = workdir / "endpoints.yml"
        endpoints.write_text(yaml.safe_dump(config))
    credentials = workdir / "credentials.yml"
    credentials.write_text(yaml.safe_dump({"bot.channels.rest.SafeRestInput": None}))
    actions = start_action_server(profile, env, workdir / "actions.log")
    servers = [
        start_replica(
            model,
            port,
            credentials,
            env,
            endpoints=endpoints,
            log=workdir / f"rasa-{port}.log",
        )
        for port in profile.replica_ports
    ]
    try:
        wait_for(f"http://127.0.0.1:{profile.action_port}/health", actions)
        for url, server in zip(profile.replica_urls(), servers, strict=False):
            wait_for(f"{url}/", server, seconds=240)
        yield Replicas(profile.replica_urls(), servers, actions)
    finally:
        for server in servers:
            stop(server)
        stop(actions)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--lock-store", default=None, help="lock store type (default: the profile's)"
    )
    args = parser.parse_args(argv)
    model = model_for_tests()
    if model is None:
        raise SystemExit("no trained model: run `make model`")
    with tempfile.TemporaryDirectory() as tmp, throwaway_database() as database:
        with throwaway_redis_prefix() as prefix:
            with running_replicas(
                model, Path(tmp), database, prefix, args.lock_store
            ) as urls:
                sender = f"child-{uuid.uuid4()}"
                replies = asyncio.run(send_concurrently(urls, sender, True))
                turns = stored_turns(database, sender)
    failed = [str(r).split(": ", 1)[-1] for r in replies if isinstance(r, Exception)]
    received = {
        m: r
        for m, r in zip(MESSAGES, replies, strict=False)
        if not isinstance(r, Exception)
    }
    users = [turn.user for turn in turns]
    lost = [m for m in MESSAGES if m not in users]
    doubled = sorted({u for u in users if users.count(u) > 1})
    mixed = [t.user for t in turns if t.user in received and t.bot != received[t.user]]
    print(f"lock store: {args.lock_store or 'deploy/endpoints.scaled.yml'}")
    print(f"{len(MESSAGES)} messages of one conversation sent at once to 2 replicas")
    print(f"requests failed: {len(failed)} {failed}")
    print(f"user turns stored: {len(turns)}; lost: {len(lost)}; twice: {len(doubled)}")
    print(f"turns stored with other bot messages than were sent: {len(mixed)}")
    return 0 if not (failed or lost or doubled or mixed) else 1


if __name__ == "__main__":
    raise SystemExit(main())
