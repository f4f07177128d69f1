"""Property tests: arbitrary text and arbitrary request bodies through the message path.

The sanitiser, the guard and the REST channel (in Rasa's own app, with a stand-in
agent) must never crash, never pass `/intent` through, never exceed the length
cap, and always answer, whatever a user or an attacker sends.
"""

from __future__ import annotations

import asyncio
import json
import unicodedata
import urllib.error
import urllib.request
from typing import Any, Iterator, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage
from rasa.core.run import configure_app
from sanic import Sanic

from bot.channels.rest import SafeRestInput
from bot.guard.replies import SafetyReplies
from bot.guard.sanitize import MAX_MESSAGE_CHARS, sanitize_user_text
from tests.support.guard import make_guard, send, texts
from tests.support.servers import ServerThread

WEBHOOK = "/webhooks/rest/webhook"
# Text as users and attackers send it: any code point, emoji, RTL, controls, and
# the shapes of intent injection.
user_text = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "So"]), max_size=50),
    st.from_regex(r"\s*/+[a-z_]{1,20}(\{.{0,40}\})?", fullmatch=True),
    st.text(min_size=MAX_MESSAGE_CHARS, max_size=MAX_MESSAGE_CHARS * 3),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


class RecordingAgent:
    """Rasa's agent as the channel sees it: records, answers with one text."""

    def __init__(self) -> None:
        self.seen: List[str] = []
        self.tracker_store = None

    async def handle_message(self, message: UserMessage) -> None:
        self.seen.append(message.text or "")
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})


@given(user_text)
def test_sanitised_text_is_safe_to_hand_to_rasa(text: str) -> None:
    cleaned = sanitize_user_text(text)

    assert len(cleaned) <= MAX_MESSAGE_CHARS
    assert not cleaned.startswith("/")
    assert all(
        char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
        for char in cleaned
    )


@settings(max_examples=60, deadline=None)
@given(text=user_text, sender=st.text(min_size=1, max_size=40))
def test_the_guard_always_answers(text: str, sender: str) -> None:
    replies = SafetyReplies.from_dataset()
    seen: List[str] = []

    async def turn(message: UserMessage) -> None:
        seen.append(message.text or "")
        await message.output_channel.send_response(message.sender_id, {"text": "ok"})

    messages = asyncio.run(send(make_guard(turn, replies), text, sender=sender))

    assert texts(messages)
    assert all(message["recipient_id"] == sender for message in messages)
    assert all(not t.startswith("/") and len(t) <= MAX_MESSAGE_CHARS for t in seen)


@pytest.fixture(scope="module")
def rest_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Tuple[str, RecordingAgent]]:
    Sanic.test_mode = True
    app = configure_app([SafeRestInput()], cors=None, enable_api=False)
    agent = RecordingAgent()
    app.ctx.agent = agent
    with ServerThread(app) as url:
        yield url, agent


def post(
    url: str, body: bytes, content_type: str = "application/json"
) -> Tuple[int, Any]:
    request = urllib.request.Request(
        url + WEBHOOK, data=body, headers={"Content-Type": content_type}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=user_text)
def test_any_text_through_the_rest_channel_is_answered(
    rest_server: Tuple[str, RecordingAgent], text: str
) -> None:
    url, agent = rest_server
    status, payload = post(
        url, json.dumps({"sender": "property", "message": text}).encode()
    )

    assert status == 200
    assert texts(payload)
    assert all(not seen.startswith("/") for seen in agent.seen)


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(body=json_values | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_any_body_gets_an_answer_or_a_4xx_json_error(
    rest_server: Tuple[str, RecordingAgent], body: Any
) -> None:
    url, _ = rest_server
    raw = (
        body.encode("utf-8", "surrogatepass")
        if isinstance(body, str)
        else json.dumps(body).encode()
    )
    status, payload = post(url, raw)

    assert status in (200, 400)
    if status == 400:
        assert isinstance(payload, dict) and payload["error"]
    else:
        assert texts(payload)
