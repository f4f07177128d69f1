"""The web chat channel without a browser: a real Sanic server on loopback, a real
socket.io client, a fake agent.

What it shows: only allowed origins may open a socket; with session persistence
the socket really joins its session's room (so replies arrive); text and metadata
are cleaned; an empty message never reaches Rasa; `delete_conversation` erases the
stored (pseudonymised) conversation; no cookie is ever set.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Dict, List, Optional

import aiohttp
import pytest
import socketio
from rasa.core.channels.channel import UserMessage, register
from rasa.core.lock_store import InMemoryLockStore
from sanic import Sanic

import bot.channels.webchat as webchat
from bot.guard.pseudonyms import pseudonymous_sender_id
from bot.guard.rate_limit import SenderRateLimiter
from bot.guard.replies import SafetyReplies
from bot.guard.turn import ChannelGuard
from referrals.schema import LANGUAGES
from tests.support.ports import free_port

KEY = b"webchat-test-key"
SESSION_ID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
EMPTY_REPLY = {lang: [{"text": f"empty-{lang}"}] for lang in LANGUAGES}
SAFETY_NET = {lang: [{"text": f"net-{lang} 116 111"}] for lang in LANGUAGES}


class FakeTrackerStore:
    def __init__(self, fail: bool = False) -> None:
        self.deleted: List[str] = []
        self.fail = fail

    async def delete(self, sender_id: str) -> int:
        if self.fail:
            raise OSError("database is locked")
        self.deleted.append(sender_id)
        return 1


HELPLINES = [
    {
        "id": "linka_bezpeci",
        "number": "116 111",
        "dial": "116111",
        "name": "Linka bezpečí",
        "label": "Volat 116 111",
    }
]
# As Rasa hands a bot message to the channel: the helplines in `custom`.
CALL_REPLY = {
    "text": "116 111 – Linka bezpečí",
    "buttons": [{"title": "Ano", "payload": "Ano"}],
    "custom": {"helplines": HELPLINES},
    "quick_replies": None,
    "elements": None,
    "image": None,
    "attachment": None,
}


@dataclass
class FakeAgent:
    """Rasa's agent as the channel sees it: answers "reply to <text>"."""

    tracker_store: FakeTrackerStore = field(default_factory=FakeTrackerStore)
    lock_store: InMemoryLockStore = field(default_factory=InMemoryLockStore)
    messages: List[UserMessage] = field(default_factory=list)
    ready: bool = True

    def is_ready(self) -> bool:
        return self.ready

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        reply = CALL_REPLY if message.text == "call" else None
        await message.output_channel.send_response(
            message.sender_id, dict(reply or {"text": f"reply to {message.text}"})
        )


@dataclass
class Server:
    url: str
    origin: str
    agent: FakeAgent


def guard_for_tests(on_new_message: Any, channel: str) -> ChannelGuard:
    """The real guard with stand-in replies (the dataset is not needed here)."""
    return ChannelGuard(
        on_new_message=on_new_message,
        channel=channel,
        replies=SafetyReplies(
            safety_net=SAFETY_NET, rate_limited=SAFETY_NET, empty_message=EMPTY_REPLY
        ),
        limiter=SenderRateLimiter(),
        key=KEY,
    )


@pytest.fixture
async def server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Server]:
    monkeypatch.setattr(webchat, "guard_on_new_message", guard_for_tests)
    # Several apps start in one process: test mode lets each re-run Sanic's
    # start-up code rewriting (TouchUp).
    monkeypatch.setattr(Sanic, "test_mode", True)
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    app = Sanic(f"webchat_test_{uuid.uuid4().hex}", configure_logging=False)
    agent = FakeAgent()
    app.ctx.agent = agent
    channel = webchat.WebChatInput.from_credentials({"cors_allowed_origins": [origin]})
    register([channel], app, route="/webhooks/")
    running = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True
    )
    assert running is not None
    await running.startup()
    await running.before_start()
    await running.after_start()
    try:
        yield Server(url=origin, origin=origin, agent=agent)
    finally:
        await running.before_stop()
        running.close()
        await running.wait_closed()
        await running.after_stop()


@dataclass
class Client:
    sio: socketio.AsyncClient
    received: "asyncio.Queue[Any]"
    deleted: "asyncio.Queue[Any]"
    confirmed: "asyncio.Queue[Any]"

    async def next(self, queue: "asyncio.Queue[Any]") -> Any:
        return await asyncio.wait_for(queue.get(), timeout=5)


async def connect(server: Server, origin: Optional[str] = None) -> Client:
    # Polling: engine.io's WebSocket client needs a newer aiohttp than Rasa's (the
    # WebSocket handshake itself is tested with `websocket_handshake`).
    sio = socketio.AsyncClient(reconnection=False)
    client = Client(sio, asyncio.Queue(), asyncio.Queue(), asyncio.Queue())
    sio.on("bot_uttered", client.received.put_nowait)
    sio.on("conversation_deleted", client.deleted.put_nowait)
    sio.on("session_confirm", client.confirmed.put_nowait)
    await sio.connect(
        server.url,
        headers={"Origin": origin or server.origin},
        transports=["polling"],
        wait_timeout=5,
    )
    return client


async def hang_up(client: Client) -> None:
    # Without waiting for the pending long-poll: a polite disconnect waits for
    # the server's next ping, 25 s later.
    await client.sio.eio.disconnect(abort=True)


@pytest.fixture
async def client(server: Server) -> AsyncIterator[Client]:
    connected = await connect(server)
    await connected.sio.emit("session_request", {"session_id": SESSION_ID})
    assert await connected.next(connected.confirmed) == SESSION_ID
    yield connected
    await hang_up(connected)


async def handshake(server: Server, origin: str) -> aiohttp.ClientResponse:
    """Engine.io's first polling request, as a browser on `origin` sends it."""
    async with aiohttp.ClientSession() as http:
        async with http.get(
            f"{server.url}/socket.io/?EIO=4&transport=polling",
            headers={"Origin": origin},
        ) as answer:
            await answer.read()
            return answer


async def websocket_handshake(server: Server, origin: str) -> int:
    """The status of a WebSocket upgrade from `origin` (101 when accepted)."""
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(
                f"{server.url}/socket.io/?EIO=4&transport=websocket",
                headers={"Origin": origin},
            ) as ws:
                await ws.close()
                return 101
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status


# -- origins ----------------------------------------------------------------------


async def test_the_allowed_origin_may_open_a_socket(server: Server) -> None:
    assert (await handshake(server, server.origin)).status == 200
    assert await websocket_handshake(server, server.origin) == 101
    connected = await connect(server)
    assert connected.sio.connected
    await hang_up(connected)


@pytest.mark.parametrize(
    "origin",
    ["http://evil.example", "http://localhost:5005", "null", "http://127.0.0.1"],
)
async def test_any_other_origin_is_refused(server: Server, origin: str) -> None:
    assert (await handshake(server, origin)).status == 400
    assert await websocket_handshake(server, origin) == 400
    with pytest.raises(socketio.exceptions.ConnectionError):
        await connect(server, origin=origin)


async def test_the_handshake_sets_no_cookie(server: Server) -> None:
    answer = await handshake(server, server.origin)
    assert answer.status == 200
    assert "Set-Cookie" not in answer.headers


@pytest.mark.parametrize(
    "credentials",
    [
        {"cors_allowed_origins": "*"},
        {"cors_allowed_origins": ["*"]},
        {"cors_allowed_origins": []},
        {"cors_allowed_origins": ["https://chat.example.cz/page"]},
        {"exit_url": "javascript:alert(1)"},
    ],
)
def test_unsafe_settings_are_refused(credentials: Dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="webchat"):
        webchat.WebChatInput.from_credentials(credentials)


def test_the_default_origins_are_the_servers_own() -> None:
    channel = webchat.WebChatInput.from_credentials(None)
    assert channel.cors_allowed_origins == [
        "http://localhost:5005",
        "http://127.0.0.1:5005",
    ]


# -- sessions and messages --------------------------------------------------------


async def test_the_socket_joins_its_session_room_so_replies_arrive(
    server: Server, client: Client
) -> None:
    # Rasa's stock channel calls `sio.enter_room` without await: the socket never
    # joins the room the replies are sent to, and this reply would never arrive.
    await client.sio.emit("user_uttered", {"message": "ahoj", "session_id": SESSION_ID})
    assert await client.next(client.received) == {"text": "reply to ahoj"}


async def test_a_bubble_and_its_helplines_arrive_as_one_event(
    server: Server, client: Client
) -> None:
    # Rasa's stock channel sends `custom` as an event of its own, after the text.
    await client.sio.emit("user_uttered", {"message": "call", "session_id": SESSION_ID})
    assert await client.next(client.received) == {
        "text": "116 111 – Linka bezpečí",
        "quick_replies": [{"content_type": "text", "title": "Ano", "payload": "Ano"}],
        "custom": {"helplines": HELPLINES},
    }
    await client.sio.emit("user_uttered", {"message": "ahoj", "session_id": SESSION_ID})
    assert await client.next(client.received) == {"text": "reply to ahoj"}


async def test_the_widget_knows_the_origins_it_may_start_on(server: Server) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/webhooks/webchat/widget.js") as answer:
            widget = await answer.text()
    assert f'"allowedOrigins": ["{server.origin}"]' in widget
    assert "allowedOrigins || []).indexOf(window.location.origin) < 0" in widget


async def test_a_message_cannot_speak_for_another_session(
    server: Server, client: Client
) -> None:
    await client.sio.emit(
        "user_uttered", {"message": "ahoj", "session_id": "another-session-0000000"}
    )
    await client.next(client.received)
    (message,) = server.agent.messages
    assert message.sender_id == pseudonymous_sender_id("webchat", SESSION_ID, KEY)


async def test_a_message_sent_before_the_session_request_still_gets_its_reply(
    server: Server,
) -> None:
    early = await connect(server)
    await early.sio.emit("user_uttered", {"message": "ahoj", "session_id": SESSION_ID})
    assert await early.next(early.received) == {"text": "reply to ahoj"}
    await hang_up(early)


async def test_text_is_sanitised_and_only_the_page_language_is_passed_on(
    server: Server, client: Client
) -> None:
    await client.sio.emit(
        "user_uttered",
        {
            "message": '/sextortion{"language": "en"}\x00',
            "session_id": SESSION_ID,
            "lang": "en",
            "metadata": {"language_hint": "cs", "admin": True},
        },
    )
    await client.next(client.received)
    (message,) = server.agent.messages
    assert message.text == 'sextortion{"language": "en"}'
    assert message.metadata == {"language_hint": "en"}
    assert message.input_channel == "webchat"


async def test_a_ukrainian_page_passes_its_language_on(
    server: Server, client: Client
) -> None:
    await client.sio.emit(
        "user_uttered", {"message": "ok", "session_id": SESSION_ID, "lang": "uk"}
    )
    await client.next(client.received)
    assert server.agent.messages[0].metadata == {"language_hint": "uk"}


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_an_empty_message_is_answered_in_the_page_language(
    server: Server, client: Client, lang: str
) -> None:
    await client.sio.emit(
        "user_uttered", {"message": " ", "session_id": SESSION_ID, "lang": lang}
    )
    assert await client.next(client.received) == {"text": f"empty-{lang}"}


async def test_an_unknown_page_language_is_not_passed_on(
    server: Server, client: Client
) -> None:
    await client.sio.emit(
        "user_uttered", {"message": "ahoj", "session_id": SESSION_ID, "lang": "de"}
    )
    await client.next(client.received)
    assert server.agent.messages[0].metadata is None


@pytest.mark.parametrize("data", [{"message": "   "}, {"message": None}, {}, "text"])
async def test_an_empty_message_is_answered_without_rasa(
    server: Server, client: Client, data: Any
) -> None:
    if isinstance(data, dict):
        data = {**data, "session_id": SESSION_ID}
    await client.sio.emit("user_uttered", data)
    assert await client.next(client.received) == {"text": "empty-cs"}
    assert server.agent.messages == []
    assert client.sio.connected


# -- deletion ---------------------------------------------------------------------


async def test_delete_erases_the_stored_conversation(
    server: Server, client: Client
) -> None:
    await client.sio.emit("delete_conversation", {})
    assert await client.next(client.deleted) == {"ok": True}
    stored_id = pseudonymous_sender_id("webchat", SESSION_ID, KEY)
    assert server.agent.tracker_store.deleted == [stored_id]


async def test_after_delete_the_old_session_gets_no_more_replies(
    server: Server, client: Client
) -> None:
    await client.sio.emit("delete_conversation", {})
    await client.next(client.deleted)
    new_session = "1a2b3c4d-0000-4000-8000-000000000001"
    await client.sio.emit("session_request", {"session_id": new_session})
    await client.next(client.confirmed)
    await client.sio.emit(
        "user_uttered", {"message": "znovu", "session_id": SESSION_ID}
    )
    await client.next(client.received)
    assert server.agent.messages[-1].sender_id == pseudonymous_sender_id(
        "webchat", new_session, KEY
    )


async def test_a_failed_erasure_is_reported_to_the_page(
    server: Server, client: Client
) -> None:
    server.agent.tracker_store.fail = True
    await client.sio.emit("delete_conversation", {})
    assert await client.next(client.deleted) == {"ok": False}


async def test_delete_without_a_session_erases_nothing(server: Server) -> None:
    connected = await connect(server)
    await connected.sio.emit("delete_conversation", {})
    assert await connected.next(connected.deleted) == {"ok": False}
    assert server.agent.tracker_store.deleted == []
    await hang_up(connected)


# -- the page ---------------------------------------------------------------------


async def test_the_page_is_served_with_a_strict_policy_and_no_cache(
    server: Server,
) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/webhooks/webchat/") as answer:
            page = await answer.text()
            headers = answer.headers
    assert answer.status == 200
    assert 'role="log"' in page and 'aria-live="polite"' in page
    assert headers["Cache-Control"] == "no-store"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "script-src 'self';" in headers["Content-Security-Policy"]
    assert "Set-Cookie" not in headers


@pytest.mark.parametrize(
    "path",
    ["static/app.js", "static/style.css", "widget.js", "vendor/socket.io.min.js"],
)
async def test_the_page_files_are_served_by_the_bot(server: Server, path: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/webhooks/webchat/{path}") as answer:
            assert answer.status == 200, path
            assert answer.headers["Cache-Control"] == "no-store"


def test_the_page_gets_every_language_and_the_nearest_ones() -> None:
    config = webchat.WebChatInput().page_config()
    assert config["languages"] == ["cs", "en", "uk"]
    assert set(config["strings"]) == set(LANGUAGES)
    assert config["nearestLanguage"] == {"sk": "cs", "ru": "uk", "be": "uk"}


@pytest.mark.parametrize("path", ["static/strings.json", "static/..%2Fwebchat.py"])
async def test_only_the_page_files_are_served(server: Server, path: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/webhooks/webchat/{path}") as answer:
            assert answer.status == 404


@pytest.mark.parametrize("ready, status", [(True, 200), (False, 503)])
async def test_health_answers_ok_only_once_the_model_is_loaded(
    server: Server, ready: bool, status: int
) -> None:
    server.agent.ready = ready
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{server.url}/webhooks/webchat/health") as answer:
            assert answer.status == status
