"""Faults of the scale-out profile: Redis down and back, PostgreSQL restarted,
one replica killed in the middle of a conversation.

Two Rasa replicas and one action server as `make run-scaled` starts them
(`tests/system/scale/replicas.py`), on this module's OWN PostgreSQL
(`own_postgres`: a throwaway data directory, a free port) and OWN `redis-server`
(lock store and the shared rate limit), which the tests stop and start again
on the same ports; the machine's services are never touched. The tests run in
this order on the same replicas; the last one kills a replica.

- Redis down: the conversation lock cannot be taken; Rasa raises `LockError`
  at once and the guard answers with the safety net (116 111, 158, 112); the
  rate limit falls back to each replica's memory; health says
  `"lock_store": "degraded"`.
- PostgreSQL down (a restart): the conversation cannot be read; the store's
  failure stops the turn (`bot.stores.health.refuse_turn_on_store_failure`)
  and the guard answers with the safety net, instead of Rasa's default of
  answering on a blank conversation kept in memory; health says
  `"tracker_store": "degraded"`. Pooled connections are tested before use, so
  the first turn after the restart is answered normally.
- A replica killed (SIGKILL) while it answers: the child's next message goes
  to the other replica (as a load balancer would send it). If the dead replica
  held the conversation's lock, the answer is the safety net until its ticket
  expires (TICKET_LOCK_LIFETIME), then the conversation goes on.

After each, PostgreSQL holds every turn that got a real reply exactly once, in
order, with what the child got; a refused turn is stored at most once.
"""

from __future__ import annotations

import json
import signal
import threading
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
from tests.support.services import OwnPostgres, OwnRedis, own_postgres, own_redis
from tests.system.scale.replicas import (
    Replicas,
    paragraphs,
    running_replicas,
    stored_turns,
)

pytestmark = pytest.mark.servers

BURST = 11  # RATE_LIMIT_BURST of the replicas
# The guard answers a failed turn at once: the 3 s.
SAFETY_NET_WITHIN_S = 3.0
# The conversation lock of a killed replica expires after this; short, so the
# test does not wait the production 60 s.
LOCK_LIFETIME_S = 5
# The replicas' deadline: 2.5 s in production. Here it only answers the turn
# that waits for a killed replica's lock, so it is below SAFETY_NET_WITHIN_S.
TURN_DEADLINE_S = 2.5


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnRedis]:
    with own_redis(tmp_path_factory.mktemp("redis")) as server:
        yield server


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[OwnPostgres]:
    with own_postgres() as server:
        yield server


@pytest.fixture(scope="module")
def replicas(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_server: OwnPostgres,
    redis_server: OwnRedis,
) -> Iterator[Replicas]:
    model = model_for_tests()
    if model is None:
        pytest.skip("no trained model for the current data: run `make model`")
    workdir: Path = tmp_path_factory.mktemp("replicas")
    with running_replicas(
        model,
        workdir,
        "rasa",
        "faulttest",
        redis_port=redis_server.port,
        pg_port=postgres_server.port,
        extra_env={
            "RATE_LIMIT_BURST": str(BURST),
            "TICKET_LOCK_LIFETIME": str(LOCK_LIFETIME_S),
            "TURN_DEADLINE_SECONDS": str(TURN_DEADLINE_S),
        },
    ) as urls:
        for url in urls:  # the first turn of a replica is slow (graph warm-up)
            post(
                f"{url}/webhooks/rest/webhook",
                json.dumps({"sender": "warm-up", "message": "ahoj"}).encode(),
            )
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
    replicas: List[str], redis_server: OwnRedis, postgres_server: OwnPostgres
) -> None:
    first, second = replicas
    sender = f"child-{uuid.uuid4()}"
    answered = start_conversation(replicas, sender)
    question = "jak to nahlasit na policii?"
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
    turns = stored_turns("rasa", sender, postgres_server.port)
    # Every turn with a real reply once, in order, with what the child got; the
    # turn refused while Redis was down was never processed, so not stored.
    assert [(turn.user, turn.bot) for turn in turns] == answered


def start_conversation(replicas: List[str], sender: str) -> List[Tuple[str, List[str]]]:
    """Three turns on alternating replicas, each a real reply."""
    answered = []
    for index, text in enumerate(["ahoj", "nekdo me vydira ze zverejni fotky", "ne"]):
        reply = say(replicas[index % 2], sender, text)
        assert reply.status == 200 and reply.text and not is_safety_net(reply), text
        answered.append((text, reply_texts(reply)))
    return answered


def test_postgresql_restarted_the_child_gets_the_safety_net_and_no_turn_is_lost(
    replicas: List[str], postgres_server: OwnPostgres
) -> None:
    first, second = replicas
    sender = f"child-{uuid.uuid4()}"
    answered = start_conversation(replicas, sender)
    question = "muzu dostat nejake odskodneni?"

    postgres_server.stop()
    try:
        down = say(first, sender, question)
        # Only the first replica is asked: the second keeps its pooled
        # connections, dead after the restart, for the turn below.
        status, body = health(first)
    finally:
        postgres_server.start()
    print(f"\nPostgreSQL down: safety net after {down.seconds:.2f} s")

    assert is_safety_net(down), down.text
    assert down.seconds < SAFETY_NET_WITHIN_S
    assert (status, body["status"], body["tracker_store"]) == (200, "ok", "degraded")
    assert body["lock_store"] == "ok"

    up = say(second, sender, question)
    print(f"PostgreSQL back: the referral after {up.seconds:.2f} s")

    # The first turn after the restart is a real one, in the conversation's
    # context (the dead pooled connections were not used), and health is ok.
    assert is_referral(up, "ask_compensation") and not is_safety_net(up), up.text
    assert health(second)[1]["tracker_store"] == "ok"
    answered.append((question, reply_texts(up)))
    turns = stored_turns("rasa", sender, postgres_server.port)
    assert [(turn.user, turn.bot) for turn in turns] == answered


def test_a_replica_killed_mid_turn_the_other_goes_on(
    replicas: Replicas, postgres_server: OwnPostgres
) -> None:
    """The hardest moment: the replica dies holding the conversation's lock.

    The action server is paused (SIGSTOP) so the replica is surely inside the
    turn, waiting for an action, when it is killed (SIGKILL); the action server
    then goes on."""
    victim, survivor = replicas
    sender = f"child-{uuid.uuid4()}"
    answered = start_conversation(replicas, sender)
    cut_off = "jak to nahlasit na policii?"
    in_flight: List[Any] = []
    sending = threading.Thread(
        target=lambda: in_flight.append(_try_say(victim, sender, cut_off))
    )
    replicas.action_server.send_signal(signal.SIGSTOP)
    try:
        sending.start()
        time.sleep(1.0)  # the replica takes the lock and waits for the action
        replicas.processes[0].send_signal(signal.SIGKILL)
        replicas.processes[0].wait(timeout=10)
    finally:
        replicas.action_server.send_signal(signal.SIGCONT)
    sending.join(timeout=30)

    after = "muzu dostat nejake odskodneni?"
    next_reply = say(survivor, sender, after)
    status, body = health(survivor)
    print(f"\nReplica killed: safety net after {next_reply.seconds:.2f} s")

    # The dead replica's ticket still holds the lock: the guard answers at its
    # deadline, with the helplines.
    assert is_safety_net(next_reply), next_reply.text
    assert next_reply.seconds < SAFETY_NET_WITHIN_S
    assert (status, body["status"], body["tracker_store"], body["lock_store"]) == (
        200,
        "ok",
        "ok",
        "ok",
    )

    # Once the dead replica's ticket has expired the conversation goes on.
    time.sleep(LOCK_LIFETIME_S + 1)
    last = "diky"
    final = say(survivor, sender, last)
    assert final.status == 200 and final.text and not is_safety_net(final), final.text

    turns = stored_turns("rasa", sender, postgres_server.port)
    users = [turn.user for turn in turns]
    # The turn cut off by the kill was never stored; the one that waited for
    # the lock was (late: the child had the safety net), once; the turns the
    # child saw answered are stored once, in order, with what the child got.
    assert isinstance(in_flight[0], Exception) or in_flight[0].status != 200
    assert users == [text for text, _ in answered] + [after, last], users
    assert [(t.user, t.bot) for t in turns[: len(answered)]] == answered
    assert turns[-1].bot == reply_texts(final)


def _try_say(replica: str, sender: str, text: str) -> Any:
    try:
        return say(replica, sender, text)
    except Exception as error:  # the replica died under it
        return error
