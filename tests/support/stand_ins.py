"""Loopback stand-ins for the Telegram Bot API and the Meta Graph API, a fake agent
that answers with referral-dataset text, and a way to serve a channel with Sanic.

Nothing here reaches the internet: every server listens on 127.0.0.1
(`tests.support.ports`); a channel is served with `tests.support.servers`.
"""

from __future__ import annotations

import copy
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Dict, List, Optional

from aiohttp import web
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered

from tests.support.ports import free_port

HELPLINE = "116 111"


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


def referral_messages(situation_id: str, language: str) -> List[Dict[str, Any]]:
    """What Rasa hands a channel's `send_response` for the action server's answer
    to `situation_id`: each bubble as `BotUttered.message()` makes it (text, then
    the rest of the bot message's data, empty fields included)."""
    from rasa_sdk.executor import CollectingDispatcher

    from actions.referral import refer

    dispatcher = CollectingDispatcher()
    refer(dispatcher, situation_id, language)
    messages = []
    for response in dispatcher.messages:
        data = {
            "elements": response.get("elements") or None,
            "quick_replies": response.get("quick_replies") or None,
            "buttons": response.get("buttons") or None,
            "attachment": response.get("attachment") or None,
            "image": response.get("image") or None,
            "custom": response.get("custom") or None,
        }
        messages.append({**BotUttered(response["text"], data).message()})
    return messages


class FakeAgent:
    """Stands in for Rasa's agent: records each message and answers it with one
    referral text and two buttons (or with `replies`, as Rasa hands them to the
    channel), saving the turn in an in-memory tracker store the way Rasa would."""

    def __init__(
        self, reply_text: str, replies: Optional[List[Dict[str, Any]]] = None
    ) -> None:
        self.reply_text = reply_text
        self.replies = replies
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
        replies = self.replies or [
            {"text": self.reply_text, "buttons": copy.deepcopy(BUTTONS)}
        ]
        for reply in copy.deepcopy(replies):
            await message.output_channel.send_response(message.sender_id, reply)
        if self.tracker_store is not None:
            tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
            tracker.update(UserUttered(message.text))
            tracker.update(BotUttered(self.reply_text))
            await self.tracker_store.save(tracker)
