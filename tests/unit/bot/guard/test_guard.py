"""The channel guard: whatever the turn does, the user gets an answer within 3 s."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.channels.rest import OneObjectPerBubbleOutput
from bot.guard.rate_limit import SenderRateLimiter
from bot.guard.replies import SafetyReplies
from bot.guard.sanitize import MAX_MESSAGE_CHARS
from tests.support.guard import (
    TEST_KEY,
    make_guard,
    names_helplines,
    send,
    texts,
    wait_until,
)

REPLY = {"text": "odpověď", "buttons": [{"title": "Ano", "payload": "Ano"}]}


class FakeTurn:
    """Stands in for Rasa's `handle_message`: records messages, then behaves."""

    def __init__(self, behaviour: str = "answer", seconds: float = 0.0) -> None:
        self.behaviour = behaviour
        self.seconds = seconds
        self.messages: List[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.behaviour == "raise":
            raise RuntimeError("the NLU crashed")
        if self.behaviour == "failed_action":
            # What Rasa 3.6 does when a custom action fails: log and go on.
            self._log_failed_action()
            return
        if self.seconds:
            await asyncio.sleep(self.seconds)
        if self.behaviour != "silent":
            await message.output_channel.send_response(message.sender_id, dict(REPLY))

    def _log_failed_action(self) -> None:
        processor = logging.getLogger("rasa.core.processor")
        try:
            raise ConnectionError('body=\'{"text": "jmenuje se Petr"}\'')
        except ConnectionError:
            # Same logger, same function name as MessageProcessor._run_action.
            _run_action(processor)


def _run_action(processor: logging.Logger) -> None:
    processor.exception("Encountered an exception while running action 'x'.")


async def test_a_normal_turn_is_passed_through(safety_replies: SafetyReplies) -> None:
    turn = FakeTurn()
    messages = await send(make_guard(turn, safety_replies), "ahoj", sender="child-1")

    assert messages == [
        {"recipient_id": "child-1", "text": "odpověď", "buttons": REPLY["buttons"]}
    ]


async def test_rasa_sees_a_pseudonym_and_sanitised_text(
    safety_replies: SafetyReplies,
) -> None:
    turn = FakeTurn()
    guard = make_guard(turn, safety_replies)
    await send(guard, '/sextortion{"x": 1}', sender="telegram-chat-42")

    seen = turn.messages[0]
    assert seen.sender_id == guard.stored_sender_id("telegram-chat-42")
    assert "telegram-chat-42" not in seen.sender_id and len(seen.sender_id) == 32
    assert seen.text == 'sextortion{"x": 1}'


@pytest.mark.parametrize(
    "behaviour, seconds",
    [("raise", 0), ("silent", 0), ("failed_action", 0), ("answer", 10)],
    ids=["turn raises", "turn says nothing", "custom action fails", "turn hangs"],
)
async def test_a_failed_turn_gets_the_safety_net_within_3_seconds(
    safety_replies: SafetyReplies, behaviour: str, seconds: float
) -> None:
    started = time.monotonic()
    messages = await send(
        make_guard(FakeTurn(behaviour, seconds), safety_replies),
        "nekdo me vydira fotkama",
    )

    assert time.monotonic() - started < 3.0
    assert names_helplines(texts(messages))
    assert texts(messages).endswith(
        texts(safety_replies.safety_net["cs"]).split("\n\n")[-1]
    )


@pytest.mark.parametrize(
    "message, language",
    [
        ("someone is blackmailing me", "en"),
        ("ok", "cs"),
        ("мене шантажують фотками", "uk"),
        ("vin mene shantazhuye", "uk"),
    ],
)
async def test_the_safety_net_is_in_the_language_of_the_message(
    safety_replies: SafetyReplies, message: str, language: str
) -> None:
    messages = await send(make_guard(FakeTurn("raise"), safety_replies), message)
    expected = OneObjectPerBubbleOutput()
    for reply in safety_replies.safety_net[language]:
        await expected.send_response("child-1", dict(reply))

    assert messages == expected.messages


async def test_a_failed_action_is_logged_without_message_text(
    safety_replies: SafetyReplies, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        await send(make_guard(FakeTurn("failed_action"), safety_replies), "ahoj")

    assert "Petr" not in caplog.text and "ahoj" not in caplog.text
    assert "ConnectionError" in caplog.text
    assert "safety net was sent" in caplog.text


async def test_a_late_turn_still_delivers_its_reply_to_push_channels(
    safety_replies: SafetyReplies,
) -> None:
    output = CollectingOutputChannel()
    guard = make_guard(FakeTurn("answer", seconds=0.5), safety_replies, deadline=0.1)

    await guard(UserMessage("ahoj", output, "child-1"))
    assert names_helplines(texts(output.messages))
    await wait_until(lambda: "odpověď" in texts(output.messages))


@pytest.mark.parametrize("message", ["", "   ", "\x00\x01", None, "/"])
async def test_an_empty_message_gets_a_kind_reply_without_rasa(
    safety_replies: SafetyReplies, message: Any
) -> None:
    turn = FakeTurn()
    messages = await send(make_guard(turn, safety_replies), message)

    assert turn.messages == []
    assert texts(messages) == texts(safety_replies.empty_message["cs"])


async def test_a_100000_character_message_is_cut_and_answered(
    safety_replies: SafetyReplies,
) -> None:
    turn = FakeTurn()
    messages = await send(make_guard(turn, safety_replies), "pomoc " * 20_000)

    assert len(turn.messages[0].text) <= MAX_MESSAGE_CHARS
    assert texts(messages) == "odpověď"


async def test_a_flood_from_one_sender_is_limited_and_others_are_not(
    safety_replies: SafetyReplies,
) -> None:
    now = [0.0]
    limiter = SenderRateLimiter(per_minute=20, burst=8, clock=lambda: now[0])
    turn = FakeTurn()
    guard = make_guard(turn, safety_replies, limiter)

    flood = []
    for n in range(1000):  # 1,000 messages in one minute
        now[0] = n * 0.06
        flood.append(await send(guard, f"spam {n}", sender="flooder"))
    other = await send(guard, "ahoj", sender="someone-else")

    assert 8 + 19 <= len(turn.messages) <= 8 + 20  # the burst, then 20 a minute
    assert all(texts(reply) for reply in flood)  # never silent, even then
    assert texts(flood[-1]) == texts(safety_replies.rate_limited["cs"])
    assert texts(other) == "odpověď"


async def test_a_ukrainian_child_over_the_limit_is_answered_in_ukrainian(
    safety_replies: SafetyReplies,
) -> None:
    limiter = SenderRateLimiter(per_minute=1, burst=1, clock=lambda: 0.0)
    guard = make_guard(FakeTurn(), safety_replies, limiter)

    await send(guard, "допоможіть")
    limited = await send(guard, "допоможіть")

    assert texts(limited) == texts(safety_replies.rate_limited["uk"])


async def test_an_empty_message_is_answered_in_the_channel_language(
    safety_replies: SafetyReplies,
) -> None:
    output = CollectingOutputChannel()
    message = UserMessage(
        "  ", output, "child-1", input_channel="rest", metadata={"language_hint": "uk"}
    )

    await make_guard(FakeTurn(), safety_replies)(message)

    assert texts(output.messages) == texts(safety_replies.empty_message["uk"])


def test_the_same_sender_keeps_the_same_pseudonym_per_channel() -> None:
    from bot.guard.pseudonyms import pseudonymous_sender_id

    first = pseudonymous_sender_id("telegram", "42", TEST_KEY)
    assert first == pseudonymous_sender_id("telegram", "42", TEST_KEY)
    assert first != pseudonymous_sender_id("facebook", "42", TEST_KEY)
    assert first != pseudonymous_sender_id("telegram", "42", b"another key")


def test_the_generated_key_file_is_private(tmp_path: Any, monkeypatch: Any) -> None:
    from bot.guard.pseudonyms import sender_id_key

    monkeypatch.delenv("SENDER_ID_KEY", raising=False)
    key_file = tmp_path / "var" / "sender_id.key"
    key = sender_id_key(key_file)

    assert (key_file.stat().st_mode & 0o777) == 0o600
    assert len(key) == 64
    sender_id_key.cache_clear()
    assert sender_id_key(key_file) == key
    monkeypatch.setenv("SENDER_ID_KEY", "from-the-environment")
    sender_id_key.cache_clear()
    assert sender_id_key(key_file) == b"from-the-environment"
    sender_id_key.cache_clear()
