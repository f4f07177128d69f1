"""Messenger channel, end to end: a signed event comes in over the webhook, the reply
goes out to a loopback stand-in of the Graph API."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any, Dict, List, Optional

import aiohttp
import pytest
from rasa.shared.exceptions import RasaException

from bot.channels.facebook import SIGNATURE_HEADER, SecureMessengerInput
from bot.guard.pseudonyms import stored_sender_id
from tests.support.ports import refusing_port
from tests.support.servers import serving_channel as serving
from tests.support.stand_ins import (
    BUTTONS,
    HELPLINE,
    FakeAgent,
    PlatformStandIn,
    is_privacy_notice,
    referral_messages,
)

WEBHOOK = "/webhooks/facebook/webhook"
APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "verify-me"
PAGE_TOKEN = "PAGE-TOKEN-for-tests"
PSID = "6011223344"


def stored_id() -> str:
    """What Rasa stores the conversation under: the guard's pseudonym."""
    return stored_sender_id("facebook", PSID)


def messenger_env(graph_url: str) -> Dict[str, str]:
    return {
        "FACEBOOK_VERIFY_TOKEN": VERIFY_TOKEN,
        "FACEBOOK_APP_SECRET": APP_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": PAGE_TOKEN,
        "FACEBOOK_GRAPH_URL": graph_url,
    }


@pytest.fixture
def channel(graph_api: PlatformStandIn, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in messenger_env(graph_api.url).items():
        monkeypatch.setenv(name, value)
    return SecureMessengerInput.from_credentials(None)


def page_event(*events: Dict[str, Any]) -> bytes:
    body = {"object": "page", "entry": [{"id": "page-1", "messaging": list(events)}]}
    return json.dumps(body).encode("utf-8")


def text_event(text: str, quick_reply: Optional[str] = None) -> Dict[str, Any]:
    message: Dict[str, Any] = {"mid": "m-1", "text": text}
    if quick_reply is not None:
        message["quick_reply"] = {"payload": quick_reply}
    return {"sender": {"id": PSID}, "recipient": {"id": "page-1"}, "message": message}


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def post_event(base_url: str, body: bytes, signature: Optional[str]) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers[SIGNATURE_HEADER] = signature
    async with aiohttp.ClientSession() as session:
        async with session.post(base_url + WEBHOOK, data=body, headers=headers) as r:
            return r.status


async def verify(base_url: str, params: Dict[str, str]) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.get(base_url + WEBHOOK, params=params) as r:
            return r.status, await r.text()


def sent_messages(graph_api: PlatformStandIn) -> List[Dict[str, Any]]:
    return [call.body["message"] for call in graph_api.calls("/v18.0/me/messages")]


async def test_the_handshake_echoes_the_challenge(
    channel: SecureMessengerInput, agent: FakeAgent
) -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": VERIFY_TOKEN,
        "hub.challenge": "1158201444",
    }
    async with serving(channel, agent) as base_url:
        assert await verify(base_url, params) == (200, "1158201444")


@pytest.mark.parametrize(
    "params",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {
            "hub.mode": "unsubscribe",
            "hub.verify_token": VERIFY_TOKEN,
            "hub.challenge": "1",
        },
    ],
    ids=["wrong-token", "no-token", "wrong-mode"],
)
async def test_a_wrong_handshake_is_refused(
    channel: SecureMessengerInput, agent: FakeAgent, params: Dict[str, str]
) -> None:
    async with serving(channel, agent) as base_url:
        status, text = await verify(base_url, params)
    assert status == 403
    assert "1" not in text


async def test_a_signed_message_gets_the_referral_with_quick_replies_then_the_notice(
    channel: SecureMessengerInput, agent: FakeAgent, graph_api: PlatformStandIn
) -> None:
    body = page_event(text_event("nekdo me vydira"))
    async with serving(channel, agent) as base_url:
        status = await post_event(base_url, body, sign(body))

    assert status == 200
    [message] = agent.messages
    assert (message.text, message.sender_id) == ("nekdo me vydira", stored_id())
    assert (message.input_channel, message.metadata) == ("facebook", None)

    calls = graph_api.calls("/v18.0/me/messages")
    assert [call.query for call in calls] == [{"access_token": PAGE_TOKEN}] * 2
    assert {call.body["recipient"]["id"] for call in calls} == {PSID}
    assert {call.body["messaging_type"] for call in calls} == {"RESPONSE"}
    reply, notice = sent_messages(graph_api)
    assert set(notice) == {"text"} and is_privacy_notice(notice["text"], "cs")
    assert HELPLINE in reply["text"]
    long_title = BUTTONS[1]["title"]
    assert reply["quick_replies"] == [
        {"content_type": "text", "title": "Ano", "payload": "ano"},
        {
            "content_type": "text",
            "title": "Chci si promluvit s…",
            "payload": long_title,
        },
    ]


async def test_the_notice_language_follows_the_message(
    channel: SecureMessengerInput, agent: FakeAgent, graph_api: PlatformStandIn
) -> None:
    body = page_event(text_event("someone is blackmailing me with my photos"))
    async with serving(channel, agent) as base_url:
        await post_event(base_url, body, sign(body))

    assert is_privacy_notice(sent_messages(graph_api)[1]["text"], "en")


def call_buttons(message: Dict[str, Any]) -> List[Dict[str, str]]:
    payload = message["attachment"]["payload"]
    assert message["attachment"]["type"] == "template"
    assert payload["template_type"] == "button"
    return list(payload["buttons"])


async def test_a_disclosure_gets_a_call_button_per_helpline_first_then_the_notice(
    channel: SecureMessengerInput, graph_api: PlatformStandIn
) -> None:
    """The action server's real answer to sextortion, as Rasa hands it over."""
    replies = referral_messages("sextortion", "cs")
    agent = FakeAgent(reply_text="", replies=replies)
    body = page_event(text_event("nekdo me vydira s fotkama"))
    async with serving(channel, agent) as base_url:
        await post_event(base_url, body, sign(body))

    first, notice, steps, question = sent_messages(graph_api)
    # The first message names every helpline and dials each in one tap.
    assert first["attachment"]["payload"]["text"] == replies[0]["text"]
    assert call_buttons(first) == [
        {"type": "phone_number", "title": "Volat 116 111", "payload": "+420116111"},
        {"type": "phone_number", "title": "Volat 158", "payload": "+420158"},
        {"type": "phone_number", "title": "Volat 116 006", "payload": "+420116006"},
    ]
    assert is_privacy_notice(notice["text"], "cs")
    assert steps == {"text": replies[1]["text"]}
    # Quick replies show under the last message only: the notice is not last.
    assert question["text"] == replies[2]["text"]
    assert [q["title"] for q in question["quick_replies"]] == [
        "Ano",
        "Ne",
        "Co říká zákon?",
    ]


async def test_a_long_bubble_is_text_then_call_buttons_three_to_a_template(
    channel: SecureMessengerInput, graph_api: PlatformStandIn
) -> None:
    helplines = [
        {
            "dial": f"11{i}",
            "number": f"11{i}",
            "name": f"Line {i}",
            "label": f"Call {i}",
        }
        for i in range(4)
    ]
    reply = {
        "text": "x" * 700,
        "custom": {"helplines": helplines},
        "buttons": [{"title": "Yes", "payload": "Yes"}],
    }
    agent = FakeAgent(reply_text="", replies=[reply])
    body = page_event(text_event("hello"))
    async with serving(channel, agent) as base_url:
        await post_event(base_url, body, sign(body))

    text, three, one, notice = sent_messages(graph_api)
    assert text == {"text": "x" * 700}
    assert [b["payload"] for b in call_buttons(three)] == [
        "+420110",
        "+420111",
        "+420112",
    ]
    assert three["attachment"]["payload"]["text"] == "\n".join(
        f"11{i} – Line {i}" for i in range(3)
    )
    assert [b["payload"] for b in call_buttons(one)] == ["+420113"]
    assert [q["title"] for q in one["quick_replies"]] == ["Yes"]
    assert "quick_replies" not in three
    assert is_privacy_notice(notice["text"], "en")


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        "sha256=",
        "sha256=" + "0" * 64,
        "sha1=" + hmac.new(APP_SECRET.encode(), b"x", hashlib.sha1).hexdigest(),
        "wrong-secret",
        "tampered",
    ],
    ids=["missing", "empty", "no-digest", "zeros", "sha1", "wrong-secret", "tampered"],
)
async def test_a_badly_signed_event_is_refused_and_reaches_nobody(
    channel: SecureMessengerInput,
    agent: FakeAgent,
    graph_api: PlatformStandIn,
    signature: Optional[str],
) -> None:
    body = page_event(text_event("ahoj"))
    if signature == "wrong-secret":
        signature = sign(body, secret="not-the-app-secret")
    elif signature == "tampered":
        signature = sign(page_event(text_event("ahoj!")))
    async with serving(channel, agent) as base_url:
        status = await post_event(base_url, body, signature)

    assert status == 403
    assert agent.messages == []
    assert graph_api.requests == []


async def test_quick_replies_and_postbacks_are_plain_text_messages(
    channel: SecureMessengerInput, agent: FakeAgent
) -> None:
    body = page_event(
        text_event("Ano", quick_reply="ano"),
        {"sender": {"id": PSID}, "postback": {"title": "Pomoc", "payload": "pomoc"}},
        {"sender": {"id": PSID}, "postback": {"title": "Pomoc"}},
    )
    async with serving(channel, agent) as base_url:
        await post_event(base_url, body, sign(body))

    assert [m.text for m in agent.messages] == ["ano", "pomoc", "Pomoc"]
    assert {m.sender_id for m in agent.messages} == {stored_id()}


@pytest.mark.parametrize(
    ("sent", "reaches_nlu"),
    [
        ("/start", "start"),
        ('/some_intent{"x":1}', 'some_intent{"x":1}'),
        ("/restart", "restart"),
    ],
)
async def test_intent_injection_goes_through_the_nlu(
    channel: SecureMessengerInput, agent: FakeAgent, sent: str, reaches_nlu: str
) -> None:
    body = page_event(
        text_event(sent),
        text_event("whatever", quick_reply=sent),
        {"sender": {"id": PSID}, "postback": {"title": "x", "payload": sent}},
    )
    async with serving(channel, agent) as base_url:
        await post_event(base_url, body, sign(body))

    assert [m.text for m in agent.messages] == [reaches_nlu] * 3


async def test_echoes_deliveries_and_reads_are_ignored(
    channel: SecureMessengerInput, agent: FakeAgent, graph_api: PlatformStandIn
) -> None:
    body = page_event(
        {"sender": {"id": "page-1"}, "message": {"is_echo": True, "text": "hi"}},
        {"sender": {"id": PSID}, "delivery": {"mids": ["m-1"]}},
        {"sender": {"id": PSID}, "read": {"watermark": 1}},
    )
    async with serving(channel, agent) as base_url:
        status = await post_event(base_url, body, sign(body))

    assert status == 200
    assert agent.messages == []
    assert graph_api.requests == []


async def test_startup_and_events_need_no_network(
    agent: FakeAgent, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with refusing_port() as port:
        for name, value in messenger_env(f"http://127.0.0.1:{port}").items():
            monkeypatch.setenv(name, value)
        channel = SecureMessengerInput.from_credentials(None)
        body = page_event(text_event("ahoj"))
        caplog.set_level(logging.INFO)

        async with serving(channel, agent) as base_url:
            status = await post_event(base_url, body, sign(body))

        assert status == 200  # the reply is lost (and logged), Meta does not resend
        assert [m.text for m in agent.messages] == ["ahoj"]
        assert "Messenger reply not delivered (me/messages: ClientConnectorError)" in (
            caplog.text
        )
        assert PAGE_TOKEN not in caplog.text


def test_the_channel_is_off_until_every_variable_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FACEBOOK_VERIFY_TOKEN", VERIFY_TOKEN)
    monkeypatch.setenv("FACEBOOK_APP_SECRET", APP_SECRET)
    monkeypatch.delenv("FACEBOOK_PAGE_ACCESS_TOKEN", raising=False)

    with pytest.raises(RasaException, match="FACEBOOK_PAGE_ACCESS_TOKEN"):
        SecureMessengerInput.from_credentials(None)
