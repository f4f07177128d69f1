"""A guard around a fake turn, and how to read what it sent (the guard's tests)."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import UserMessage

from bot.channels.rest import OneObjectPerBubbleOutput
from bot.guard.action_failures import watch_action_failures
from bot.guard.rate_limit import SenderRateLimiter
from bot.guard.replies import SafetyReplies
from bot.guard.turn import ChannelGuard

TEST_KEY = b"test-sender-id-key"
HELPLINE = "116 111"
EMERGENCY_NUMBERS = ("112", "158")

Turn = Callable[[UserMessage], Awaitable[Any]]


def make_guard(
    turn: Turn,
    replies: SafetyReplies,
    limiter: Optional[SenderRateLimiter] = None,
    deadline: float = 2.5,
) -> ChannelGuard:
    watch_action_failures()
    return ChannelGuard(
        on_new_message=turn,
        channel="rest",
        replies=replies,
        limiter=limiter or SenderRateLimiter(per_minute=600, burst=100),
        key=TEST_KEY,
        deadline=deadline,
    )


async def send(guard: ChannelGuard, text: Any, sender: str = "child-1") -> List[Dict]:
    """What a REST client sees for one message through `guard`."""
    output = OneObjectPerBubbleOutput()
    await guard(UserMessage(text, output, sender, input_channel="rest"))
    return output.messages


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(str(message.get("text", "")) for message in messages)


def names_helplines(text: str) -> bool:
    return HELPLINE in text and any(number in text for number in EMERGENCY_NUMBERS)


async def wait_until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)
