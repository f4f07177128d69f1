"""The turn guard: every message a channel receives goes through it to Rasa.

    on_new_message = guard_on_new_message(on_new_message, self.name())

in a channel's `blueprint()` wraps Rasa's handler. For each message the guard

1. sanitises the text (`sanitize_user_text`: no `/intent` injection, no control
   characters, at most MAX_MESSAGE_CHARS);
2. replaces the sender id by its pseudonym (`pseudonyms`): the tracker store,
   logs and event broker never see a platform id;
3. applies the per-sender rate limit (`rate_limit`: in memory, or shared by
   the replicas in Redis when RATE_LIMIT_STORE=redis, falling back to memory
   while Redis fails) and answers an empty message, both with dataset text and
   without asking Rasa;
4. runs the turn with its own output channel that collects the replies, then
   sends them through the channel's output channel to the real recipient;
5. never leaves the user without an answer: when the turn raises, a custom
   action fails (Rasa 3.6 only logs that: `action_failures`), the turn
   produces no message, or it is not done after TURN_DEADLINE_SECONDS (default
   2.5), the guard sends the dataset's `safety_net` messages (116 111, 158,
   112) in the language of the message. A turn that finishes after the
   deadline still delivers its replies to channels that push messages
   (Telegram, Messenger, web chat).

Failures are logged with their exception type and a short conversation id,
never with message text.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Set

from rasa.core.channels.channel import OutputChannel, UserMessage

from bot.guard.action_failures import CURRENT_TURN, TurnReport, watch_action_failures
from bot.guard.counting import count_safety_net
from bot.guard.pseudonyms import sender_id_key, stored_sender_id
from bot.guard.rate_limit import RateLimiter, rate_limiter_from_env
from bot.guard.replies import SafetyReplies, message_language
from bot.guard.sanitize import sanitize_user_text
from bot.guard.shedding import SHEDDER, LoadShedder

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
Message = Dict[str, Any]

DEFAULT_TURN_DEADLINE_SECONDS = 2.5
LOGGED_ID_CHARS = 8
MAX_REMEMBERED_LIMITED = 10_000


class TurnCollector(OutputChannel):
    """Collects what Rasa sends in one turn, exactly as Rasa sends it."""

    def __init__(self, channel_name: str) -> None:
        self._channel_name = channel_name
        self.messages: List[Message] = []

    def name(self) -> str:  # type: ignore[override]
        """The real channel's name, so channel-specific responses still apply."""
        return self._channel_name

    async def send_response(self, recipient_id: str, message: Message) -> None:
        self.messages.append(dict(message))


@dataclass
class ChannelGuard:
    """Wraps one channel's `on_new_message`; see the module docstring."""

    on_new_message: OnNewMessage
    channel: str
    replies: SafetyReplies
    limiter: RateLimiter
    key: bytes
    deadline: float = DEFAULT_TURN_DEADLINE_SECONDS
    shedder: LoadShedder = field(default_factory=lambda: SHEDDER)
    _late_turns: Set["asyncio.Future[Any]"] = field(default_factory=set)
    # Senders over the limit right now: logged once when they reach it.
    _limited: Set[str] = field(default_factory=set)

    def stored_sender_id(self, sender_id: str) -> str:
        """The pseudonym under which Rasa stores this sender's conversation."""
        return stored_sender_id(self.channel, sender_id, self.key)

    async def __call__(self, message: UserMessage) -> None:
        output = message.output_channel
        recipient = message.sender_id
        text = sanitize_user_text(message.text)
        stored_id = self.stored_sender_id(recipient)
        metadata = message.metadata if isinstance(message.metadata, dict) else {}
        language = message_language(text, metadata.get("language_hint"))

        if not await self.limiter.admit(stored_id):
            if stored_id not in self._limited:
                if len(self._limited) >= MAX_REMEMBERED_LIMITED:
                    self._limited.clear()
                self._limited.add(stored_id)
                logger.info("Rate limit reached by %s.", _short(stored_id))
            await _send_all(output, recipient, self.replies.rate_limited[language])
            return
        self._limited.discard(stored_id)
        if not text:
            await _send_all(output, recipient, self.replies.empty_message[language])
            return
        # Load shedding (bot.guard.shedding): a full server answers at once.
        if not self.shedder.admit():
            await _send_all(output, recipient, self.replies.safety_net[language])
            return

        admitted_at = self.shedder.clock()
        collector = TurnCollector(output.name())
        report = TurnReport()
        token = CURRENT_TURN.set(report)
        try:
            turn = asyncio.ensure_future(
                self.on_new_message(
                    UserMessage(
                        text,
                        collector,
                        stored_id,
                        input_channel=message.input_channel,
                        message_id=message.message_id,
                        metadata=message.metadata,
                    )
                )
            )
        except BaseException:
            self.shedder.release()
            raise
        finally:
            CURRENT_TURN.reset(token)
        turn.add_done_callback(
            lambda _: self.shedder.release(self.shedder.clock() - admitted_at)
        )
        await asyncio.wait({turn}, timeout=self.deadline)

        problem = _problem(turn, report)
        sent = len(collector.messages)
        await _send_all(output, recipient, collector.messages[:sent])
        if problem is None and sent == 0:
            problem = "no reply"
        if problem is not None:
            logger.warning(
                "Turn of %s: %s; the safety net was sent.", _short(stored_id), problem
            )
            await _send_all(output, recipient, self.replies.safety_net[language])
            count_safety_net(self.channel, language)  # anonymous statistics
        if not turn.done():
            late = asyncio.ensure_future(
                _deliver_late(turn, collector, sent, output, recipient, stored_id)
            )
            self._late_turns.add(late)
            late.add_done_callback(self._late_turns.discard)


def guard_on_new_message(on_new_message: OnNewMessage, channel: str) -> ChannelGuard:
    """Wrap Rasa's `on_new_message` for `channel` (see the module docstring).

    Reads the safety replies from the dataset and the sender-id key now, so a
    misconfigured server fails at start-up, not on a child's first message.
    """
    watch_action_failures()
    return ChannelGuard(
        on_new_message=on_new_message,
        channel=channel,
        replies=SafetyReplies.from_dataset(),
        limiter=rate_limiter_from_env(),
        key=sender_id_key(),
        deadline=float(
            os.environ.get("TURN_DEADLINE_SECONDS") or DEFAULT_TURN_DEADLINE_SECONDS
        ),
    )


def _problem(turn: "asyncio.Future[Any]", report: TurnReport) -> Optional[str]:
    if not turn.done():
        return "no answer within the deadline"
    if turn.cancelled():
        return "cancelled"
    error = turn.exception()
    if error is not None:
        return f"raised {type(error).__name__}"
    if report.failed_actions:
        return "a custom action failed"
    return None


async def _deliver_late(
    turn: "asyncio.Future[Any]",
    collector: TurnCollector,
    already_sent: int,
    output: OutputChannel,
    recipient: str,
    stored_id: str,
) -> None:
    """Wait for a turn past its deadline, then send what it produced."""
    try:
        await turn
    except Exception as error:
        logger.warning(
            "Late turn of %s raised %s.", _short(stored_id), type(error).__name__
        )
    await _send_all(output, recipient, collector.messages[already_sent:])


async def _send_all(
    output: OutputChannel, recipient: str, messages: List[Message]
) -> None:
    for message in messages:
        try:
            await output.send_response(recipient, dict(message))
        except Exception as error:
            logger.error(
                "Could not send a reply through %s (%s).",
                output.name(),
                type(error).__name__,
            )


def _short(stored_id: str) -> str:
    return stored_id[:LOGGED_ID_CHARS]
