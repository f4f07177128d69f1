"""Faults of the scale-out profile: Redis goes down and comes back.

Two Rasa replicas and one action server as `make run-scaled` starts them
(`tests/system/scale/replicas.py`), on a throwaway PostgreSQL database of the
machine's PostgreSQL and on this test's OWN `redis-server` (lock store and the
shared rate limit), which the test stops and starts again on the same port; the
machine's Redis is never touched.

While Redis is down the conversation lock cannot be taken: Rasa raises
`LockError` at once, and the guard answers with the safety net (116 111, 158,
112) instead of leaving the child waiting; the rate limit falls back to each
replica's memory; `/webhooks/rest/health` says `"lock_store": "degraded"`. Once
Redis is back the conversation goes on where it was, and PostgreSQL holds every
turn that got a real reply exactly once (the refused turn was never processed).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, Iterator, List, Tuple

import pytest

from bot.guard.replies import SafetyReplies
from tests.support.servers import (
    Reply,
    is_referral,
    is_safety_net,
    model_for_tests,
    post,
)
from tests.support.services import OwnRedis, own_redis
from tests.system.scale.replicas import paragraphs, running_replicas, stored_turns

pytestmark = pytest.mark.servers

BURST = 11  # RATE_LIMIT_BURST of the replicas
# The guard answers a failed turn at once; generous for a loaded machine, and far
# below the replicas' TURN_DEADLINE_SECONDS (60 s), so it is not the deadline.
SAFETY_NET_WITHIN_S = 3.0


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    with own_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory, postgres_db: str, redis_server: OwnRedis
) -> Iterator[List[str]]:
    model = model_for_tests()
    if model is None:
        pytest.skip("no trained model for the current data: run `make model`")
    workdir: Path = tmp_path_factory.mktemp("replicas")
    with running_replicas(
        model,
        workdir,
        postgres_db,
        "faulttest",
        redis_port=redis_server.port,
        extra_env={"RATE_LIMIT_BURST": str(BURST)},
    ) as urls:
        yield urls
    logs = "".join(log.read_text() for log in workdir.glob("*.log"))
    assert "nahlasit" not in logs and "vydira" not in logs, "message text logged"


def say(replica: str, sender: str, text: str) -> Reply:
    body = json.dumps({"sender": sender, "message": text}).encode("utf-8")
    return post(f"{replica}/webhooks/rest/webhook", body)


def health(replica: str) -> Tuple[int, Any]:
    started = time.monotonic()
    reply = _get(f"{replica}/webhooks/rest/health")
    assert time.monotonic() - started < 2.0, "health must answer at once"
    return reply


def wait_for_health(replica: str, lock_store: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if health(replica)[1].get("lock_store") == lock_store:
            return True
        time.sleep(0.1)
    return False


def _get(url: str) -> Tuple[int, Any]:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, json.loads(response.read())


def reply_texts(reply: Reply) -> List[str]:
    assert isinstance(reply.body, list)
    return paragraphs([message.get("text") or "" for message in reply.body])


def test_the_replicas_share_one_rate_limit(replicas: List[str]) -> None:
    """Empty messages (answered by the guard, not Rasa), alternating replicas:
    the BURST + 1st is refused, though each replica saw only about half."""
    limited = SafetyReplies.from_dataset().rate_limited["cs"]
    sender = f"flood-{uuid.uuid4()}"

    replies = [say(replicas[i % 2], sender, "") for i in range(BURST + 1)]

    expected = paragraphs([m.get("text") or "" for m in limited])
    assert all(reply.status == 200 for reply in replies)
    assert [reply_texts(r) == expected for r in replies] == [False] * BURST + [True]


def test_redis_down_the_child_gets_the_safety_net_and_the_conversation_survives(
    replicas: List[str], redis_server: OwnRedis, postgres_db: str
) -> None:
    first, second = replicas
    sender = f"child-{uuid.uuid4()}"
    before = ["ahoj", "nekdo me vydira ze zverejni moje fotky", "ne"]
    question = "jak to nahlasit na policii?"
    answered: List[Tuple[str, List[str]]] = []
    for index, text in enumerate(before):
        reply = say(replicas[index % 2], sender, text)
        assert reply.status == 200 and reply.text and not is_safety_net(reply), text
        answered.append((text, reply_texts(reply)))
    for replica in replicas:
        status, body = health(replica)
        assert (status, body["status"], body["lock_store"]) == (200, "ok", "ok")

    redis_server.stop()
    down = say(first, sender, question)
    down_health = [health(replica) for replica in replicas]
    print(f"\nRedis down: safety net after {down.seconds:.2f} s")

    assert is_safety_net(down), down.text
    assert down.seconds < SAFETY_NET_WITHIN_S
    for status, body in down_health:
        assert (status, body["status"], body["lock_store"]) == (200, "ok", "degraded")
        assert body["tracker_store"] == "ok"

    redis_server.start()
    for replica in replicas:  # what a load balancer or operator would watch
        assert wait_for_health(replica, "ok", seconds=5.0), replica
    up = say(second, sender, question)
    print(f"Redis back: the referral after {up.seconds:.2f} s")

    assert is_referral(up, "ask_reporting") and not is_safety_net(up), up.text
    answered.append((question, reply_texts(up)))
    turns = stored_turns(postgres_db, sender)
    # Every turn with a real reply once, in order, with what the child got; the
    # turn refused while Redis was down was never processed, so not stored.
    assert [(turn.user, turn.bot) for turn in turns] == answered
