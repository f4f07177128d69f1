"""Loopback stand-ins for the Telegram Bot API and the Meta Graph API, a fake agent
that answers with referral-dataset text, and a way to serve a channel with Sanic.

Nothing here reaches the internet: every server listens on 127.0.0.1, on ports of
the range 5200-5299.
"""

from __future__ import annotations

import copy
import socket
import uuid
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional

from aiohttp import web
from rasa.core.channels.channel import InputChannel, UserMessage, register
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Sanic

PORT_RANGE = range(5200, 5300)
HELPLINE = "116 111"


def free_ports(count: int) -> List[int]:
    """`count` distinct ports of our range that nothing listens on right now."""
    ports: List[int] = []
    for port in PORT_RANGE:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        ports.append(port)
        if len(ports) == count:
            return ports
    raise RuntimeError("not enough free ports in 5200-5299")


def free_port() -> int:
    return free_ports(1)[0]


@contextmanager
def refusing_port() -> Iterator[int]:
    """A port that is taken (so no server gets it) but refuses every connection:
    where the platform's API would be when the network is down."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", free_port()))
        yield held.getsockname()[1]


@dataclass
class Recorded:
    path: str
    query: Dict[str, str]
    body: Any


@dataclass
class PlatformStandIn:
    """Answers every POST like the platform would, and records it."""

    answer: Dict[str, Any]
    requests: List[Recorded] = field(default_factory=list)
    url: str = ""

    def calls(self, suffix: str) -> List[Recorded]:
        return [request for request in self.requests if request.path.endswith(suffix)]

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(Recorded(request.path, dict(request.query), body))
        return web.json_response(self.answer)


@asynccontextmanager
async def running_stand_in(answer: Dict[str, Any]) -> AsyncIterator[PlatformStandIn]:
    stand_in = PlatformStandIn(answer=answer)
    app = web.Application()
    app.router.add_post("/{tail:.*}", stand_in._handle)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    stand_in.url = f"http://127.0.0.1:{port}"
    try:
        yield stand_in
    finally:
        await runner.cleanup()


def helpline_text(helpline_id: str = "linka_bezpeci", language: str = "cs") -> str:
    """A line of referral-dataset text that gives the helpline's number."""
    from referrals import load_dataset

    helpline = load_dataset().helpline(helpline_id)
    name, description = helpline.name[language], helpline.description[language]
    return f"{name}: {helpline.number}, {description}"


def is_privacy_notice(text: str, language: str) -> bool:
    """The text is the dataset's `channel_privacy`: what happens to the chat and
    every step of how to delete it."""
    from referrals import load_dataset

    situation = load_dataset().situations["channel_privacy"]
    return text.startswith(situation.text[language]) and all(
        step in text for step in situation.steps[language]
    )


# Titles as children see them; the second is longer than Telegram's 64-byte
# callback data and Messenger's 20-character quick-reply title.
BUTTONS = [
    {"title": "Ano", "payload": "ano"},
    {"title": "Chci si promluvit se skutečným člověkem, ne s robotem, prosím"},
]


class FakeAgent:
    """Stands in for Rasa's agent: records each message and answers it with one
    referral text and two buttons, saving the turn in an in-memory tracker store
    the way Rasa would."""

    def __init__(self, reply_text: str) -> None:
        self.reply_text = reply_text
        self.messages: List[UserMessage] = []
        self.tracker_store: Optional[InMemoryTrackerStore] = None

    def use_tracker_store(self) -> None:
        self.tracker_store = InMemoryTrackerStore(Domain.empty())

    def forget(self, stored_id: str) -> None:
        """What the project's tracker store does when a child deletes the chat."""
        assert self.tracker_store is not None
        self.tracker_store.store.pop(stored_id, None)

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        reply = {"text": self.reply_text, "buttons": copy.deepcopy(BUTTONS)}
        await message.output_channel.send_response(message.sender_id, reply)
        if self.tracker_store is not None:
            tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
            tracker.update(UserUttered(message.text))
            tracker.update(BotUttered(self.reply_text))
            await self.tracker_store.save(tracker)


@asynccontextmanager
async def serving(channel: InputChannel, agent: Any) -> AsyncIterator[str]:
    """Mount `channel` under /webhooks/ as `rasa run` does; yield the base URL."""
    # Several apps start in one process: Sanic's test mode lets each re-run its
    # start-up code rewriting (TouchUp) as sanic-testing does.
    Sanic.test_mode = True
    app = Sanic(f"channel_test_{uuid.uuid4().hex}", configure_logging=False)
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
