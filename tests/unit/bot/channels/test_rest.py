"""The REST channel in Rasa's own app (no API, no CORS), with a stand-in agent."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List, Tuple

import aiohttp
import pytest
import rasa.core.actions.action
from rasa.core.channels.channel import UserMessage
from rasa.core.run import configure_app
from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.domain import Domain
from redis import asyncio as aioredis
from sanic import Sanic

from bot.channels.rest import SafeRestInput
from bot.stores.lock_store import ReplicaSafeRedisLockStore
from bot.stores.tracker_store import PrivateSQLTrackerStore
from referrals.schema import LANGUAGES
from tests.support import ROOT
from tests.support.guard import names_helplines, texts
from tests.support.servers import serving_app as serving
from tests.support.services import own_redis

WEBHOOK = "/webhooks/rest/webhook"


class StandInAgent:
    """Answers every message with one text; keeps a real (SQLite) tracker store."""

    def __init__(self, db: Path) -> None:
        domain = Domain.load(str(ROOT / "domain.yml"))
        self.tracker_store = FailSafeTrackerStore(
            PrivateSQLTrackerStore(domain=domain, dialect="sqlite", db=str(db))
        )
        self.seen: List[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.seen.append(message)
        await message.output_channel.send_response(
            message.sender_id, {"text": "Linka bezpečí: 116 111"}
        )


@pytest.fixture
async def server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Tuple[str, StandInAgent]]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", 300)
    app = configure_app([SafeRestInput()], cors=None, enable_api=False)
    agent = StandInAgent(tmp_path / "tracker.db")
    app.ctx.agent = agent
    async with serving(app) as url:
        yield url, agent


async def post(url: str, body: bytes, content_type: str) -> Tuple[int, Any, Dict]:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            url + WEBHOOK,
            data=body,
            headers={"Content-Type": content_type, "Origin": "https://evil.example"},
        ) as response:
            return response.status, await response.json(), dict(response.headers)


@pytest.mark.parametrize(
    "body, content_type, status",
    [
        (b'{"sender": "a", "message": ', "application/json", 400),
        (b"\xff\xfe", "application/json", 400),
        (b'["a", "b"]', "application/json", 400),
        (b'{"sender": "a", "message": 42}', "application/json", 400),
        (b'{"sender": {"id": 1}, "message": "ahoj"}', "application/json", 400),
        (
            b'{"sender": "' + b"x" * 300 + b'", "message": "ahoj"}',
            "application/json",
            400,
        ),
        (b'{"sender": "a", "message": "ahoj"}', "text/plain", 415),
        (b"sender=a&message=ahoj", "application/x-www-form-urlencoded", 415),
        (b'{"message": "' + b"a" * 1_000_001 + b'"}', "application/json", 413),
    ],
    ids=[
        "truncated JSON",
        "not UTF-8",
        "JSON array",
        "message not a string",
        "sender an object",
        "sender too long",
        "text/plain",
        "form",
        "huge body",
    ],
)
async def test_bad_requests_get_a_4xx_json_error(
    server: Tuple[str, StandInAgent], body: bytes, content_type: str, status: int
) -> None:
    url, agent = server
    got_status, payload, _ = await post(url, body, content_type)

    assert got_status == status
    assert isinstance(payload, dict) and payload["error"]
    assert agent.seen == []


async def test_a_message_is_answered_to_the_sender_who_sent_it(
    server: Tuple[str, StandInAgent],
) -> None:
    url, agent = server
    status, payload, headers = await post(
        url, b'{"sender": "child-7", "message": "pomoc"}', "application/json"
    )

    assert status == 200
    assert payload == [{"recipient_id": "child-7", "text": "Linka bezpečí: 116 111"}]
    assert agent.seen[0].sender_id != "child-7"  # Rasa only sees the pseudonym
    assert "Access-Control-Allow-Origin" not in headers


async def test_client_metadata_is_ignored(server: Tuple[str, StandInAgent]) -> None:
    url, agent = server
    await post(
        url,
        b'{"sender": "a", "message": "ahoj", "metadata": {"language_hint": "en"}}',
        "application/json; charset=utf-8",
    )

    assert agent.seen[0].metadata in (None, {})


async def test_an_empty_message_is_answered_kindly(
    server: Tuple[str, StandInAgent],
) -> None:
    url, agent = server
    status, payload, _ = await post(
        url, b'{"sender": "a", "message": "  "}', "application/json"
    )

    assert status == 200 and texts(payload)
    assert agent.seen == []


async def test_health_reports_the_tracker_store(
    server: Tuple[str, StandInAgent],
) -> None:
    url, _ = server
    async with aiohttp.ClientSession() as session:
        async with session.get(url + "/webhooks/rest/health") as response:
            assert await response.json() == {
                "status": "ok",
                "tracker_store": "ok",
                "turns_in_flight": 0,
                "max_turns_in_flight": 24,
                "turns_in_flight_limit": 24,
                "shed_turns": 0,
            }


async def test_health_reports_a_redis_lock_store_degraded_while_redis_is_down(
    server: Tuple[str, StandInAgent], tmp_path: Path
) -> None:
    """`status` stays "ok": the server still answers every child (see rest.py)."""
    url, agent = server
    with own_redis(tmp_path) as redis_server:
        agent.lock_store = ReplicaSafeRedisLockStore(  # type: ignore[attr-defined]
            client=aioredis.Redis(host=redis_server.host, port=redis_server.port),
            key_prefix="resttest",
        )
        async with aiohttp.ClientSession() as session:
            health = url + "/webhooks/rest/health"
            async with session.get(health) as response:
                up = await response.json()
            redis_server.stop()
            async with session.get(health) as response:
                down = (response.status, await response.json())
        await agent.lock_store.close()  # type: ignore[attr-defined]

    assert (up["status"], up["tracker_store"], up["lock_store"]) == ("ok", "ok", "ok")
    status, body = down
    assert (status, body["status"], body["lock_store"]) == (200, "ok", "degraded")
    assert body["tracker_store"] == "ok" and body["shed_turns"] == 0


async def test_server_start_cuts_the_action_timeout(
    server: Tuple[str, StandInAgent],
) -> None:
    assert rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT == 2.0


async def test_a_hung_action_server_fails_the_action_after_the_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """RemoteAction reads the module global at call time: a server that accepts
    the connection and never answers (a SIGSTOPped action server) costs 0.5 s."""
    import asyncio

    from rasa.core.actions.action import RemoteAction
    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.server.hooks import set_action_timeout

    async def never_answer(reader: Any, writer: Any) -> None:
        await asyncio.sleep(30)

    hung = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = hung.sockets[0].getsockname()[1]
    monkeypatch.setattr(rasa.core.actions.action, "DEFAULT_REQUEST_TIMEOUT", 300)
    set_action_timeout(0.5)
    domain = Domain.load(str(ROOT / "domain.yml"))
    action = RemoteAction(
        "action_refer_to_help", EndpointConfig(f"http://127.0.0.1:{port}/webhook")
    )
    started = time.monotonic()
    try:
        with pytest.raises(asyncio.TimeoutError):
            await action.run(
                CollectingOutputChannel(),
                TemplatedNaturalLanguageGenerator(domain.responses),
                DialogueStateTracker("t", domain.slots),
                domain,
            )
    finally:
        hung.close()
    assert time.monotonic() - started < 2.0


def test_safety_texts_name_the_helplines() -> None:
    from bot.guard.replies import SafetyReplies

    replies = SafetyReplies.from_dataset()
    for language in LANGUAGES:
        assert names_helplines(texts(replies.safety_net[language]))


async def test_a_bubble_keeps_its_helplines_in_the_same_object() -> None:
    """Old clients read `text` (it names every number); new ones `custom`."""
    from bot.channels.rest import OneObjectPerBubbleOutput

    helplines = [{"id": "police", "number": "158", "dial": "158", "name": "Policie"}]
    output = OneObjectPerBubbleOutput()
    await output.send_response(
        "child",
        {
            "text": "158 – Policie",
            "buttons": [{"title": "Ano", "payload": "Ano"}],
            "custom": {"helplines": helplines},
            "quick_replies": None,
            "image": None,
        },
    )
    await output.send_response("child", {"text": "Co dělat teď:", "custom": None})

    assert output.messages == [
        {
            "recipient_id": "child",
            "text": "158 – Policie",
            "buttons": [{"title": "Ano", "payload": "Ano"}],
            "custom": {"helplines": helplines},
        },
        {"recipient_id": "child", "text": "Co dělat teď:"},
    ]
