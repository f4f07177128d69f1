"""Telegram channel, end to end: an update comes in over the webhook, the reply goes
out to a loopback stand-in of the Bot API."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from typing import Any, Dict, Optional

import aiohttp
import pytest
from rasa.shared.exceptions import RasaException

from bot.channels.telegram import SECRET_HEADER, SecureTelegramInput
from bot.guard.privacy_notice import PrivacyNotice
from bot.guard.pseudonyms import stored_sender_id
from referrals.schema import LANGUAGES
from tests.support import ROOT
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

WEBHOOK = "/webhooks/telegram/webhook"
SECRET = "s3cret-for-tests"
CHAT_ID = 424242


def stored_id() -> str:
    """What Rasa stores the conversation under: the guard's pseudonym."""
    return stored_sender_id("telegram", str(CHAT_ID))


def telegram_env(api_url: str) -> Dict[str, str]:
    return {
        "TELEGRAM_ACCESS_TOKEN": "123456:TEST-token",
        "TELEGRAM_BOT_NAME": "HelpBot",
        "TELEGRAM_SECRET_TOKEN": SECRET,
        "TELEGRAM_API_URL": api_url,
    }


@pytest.fixture
def channel(bot_api: PlatformStandIn, monkeypatch: pytest.MonkeyPatch) -> Any:
    for name, value in telegram_env(bot_api.url).items():
        monkeypatch.setenv(name, value)
    return SecureTelegramInput.from_credentials(None)


def text_update(
    text: str, language_code: Optional[str] = "cs", chat_type: str = "private"
) -> Dict[str, Any]:
    user: Dict[str, Any] = {"id": CHAT_ID, "is_bot": False, "first_name": "A"}
    if language_code is not None:
        user["language_code"] = language_code
    return {
        "update_id": 1,
        "message": {
            "message_id": 7,
            "from": user,
            "chat": {"id": CHAT_ID, "type": chat_type},
            "date": 1700000000,
            "text": text,
        },
    }


def button_update(
    data: str, keyboard: Optional[Dict[str, Any]] = None
) -> Dict[str, Any]:
    message: Dict[str, Any] = {
        "message_id": 8,
        "chat": {"id": CHAT_ID, "type": "private"},
        "date": 1700000000,
        "text": "?",
    }
    if keyboard is not None:
        message["reply_markup"] = keyboard
    return {
        "update_id": 2,
        "callback_query": {
            "id": "cb-1",
            "from": {"id": CHAT_ID, "is_bot": False, "language_code": "en"},
            "message": message,
            "chat_instance": "x",
            "data": data,
        },
    }


async def post_update(
    base_url: str, update: Dict[str, Any], secret: Optional[str] = SECRET
) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with aiohttp.ClientSession() as session:
        async with session.post(base_url + WEBHOOK, json=update, headers=headers) as r:
            return r.status


async def test_an_update_gets_the_referral_with_a_keyboard_then_the_notice(
    channel: SecureTelegramInput, agent: FakeAgent, bot_api: PlatformStandIn
) -> None:
    async with serving(channel, agent) as base_url:
        status = await post_update(base_url, text_update("nekdo me vydira"))

    assert status == 200
    [message] = agent.messages
    assert (message.text, message.sender_id) == ("nekdo me vydira", stored_id())
    assert message.input_channel == "telegram"
    assert message.metadata == {"language_hint": "cs"}

    reply, notice = [call.body for call in bot_api.calls("/sendMessage")]
    assert all(
        call.path.startswith("/bot123456:TEST-token/") for call in bot_api.requests
    )
    assert notice["chat_id"] == str(CHAT_ID) and set(notice) == {"chat_id", "text"}
    assert is_privacy_notice(notice["text"], "cs")
    assert HELPLINE in reply["text"]
    assert reply["chat_id"] == str(CHAT_ID)
    assert reply["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "Ano", "callback_data": "ano"}],
            [{"text": BUTTONS[1]["title"], "callback_data": "button#1"}],
        ]
    }


async def test_the_notice_comes_once_per_sender_when_no_store_can_be_asked(
    channel: SecureTelegramInput, agent: FakeAgent, bot_api: PlatformStandIn
) -> None:
    async with serving(channel, agent) as base_url:
        await post_update(base_url, text_update("ahoj"))
        await post_update(base_url, text_update("nekdo me vydira"))

    texts = [call.body["text"] for call in bot_api.calls("/sendMessage")]
    assert [is_privacy_notice(text, "cs") for text in texts] == [False, True, False]


async def test_the_notice_comes_again_after_the_conversation_was_deleted(
    channel: SecureTelegramInput, agent: FakeAgent, bot_api: PlatformStandIn
) -> None:
    agent.use_tracker_store()
    async with serving(channel, agent) as base_url:
        await post_update(base_url, text_update("ahoj"))
        await post_update(base_url, text_update("co mam delat"))
        agent.forget(stored_id())
        await post_update(base_url, text_update("hello", language_code="en"))

    texts = [call.body["text"] for call in bot_api.calls("/sendMessage")]
    assert len(texts) == 5  # reply, notice; reply; after the deletion: reply, notice
    assert is_privacy_notice(texts[1], "cs") and is_privacy_notice(texts[4], "en")
    assert not any(
        is_privacy_notice(texts[i], lang) for i in (0, 2, 3) for lang in LANGUAGES
    )


async def test_a_disclosure_names_the_helplines_first_in_bold_then_the_notice(
    channel: SecureTelegramInput, bot_api: PlatformStandIn
) -> None:
    """The action server's real answer to sextortion, as Rasa hands it over."""
    replies = referral_messages("sextortion", "cs")
    agent = FakeAgent(reply_text="", replies=replies)
    async with serving(channel, agent) as base_url:
        await post_update(base_url, text_update("nekdo me vydira s fotkama"))

    sent = [call.body for call in bot_api.calls("/sendMessage")]
    first, notice, steps, question = sent
    assert first["text"] == replies[0]["text"]  # names 116 111, 158, 116 006
    assert is_privacy_notice(notice["text"], "cs")
    assert steps["text"] == replies[1]["text"]
    # Every number of the first bubble is bold (UTF-16 offsets, as Telegram counts).
    text16 = first["text"].encode("utf-16-le")
    bold = [
        text16[2 * e["offset"] : 2 * (e["offset"] + e["length"])].decode("utf-16-le")
        for e in first["entities"]
    ]
    assert [e["type"] for e in first["entities"]] == ["bold"] * 3
    assert bold == ["116 111", "158", "116 006"]
    assert "custom" not in first and "helplines" not in str(first)
    # Telegram cannot dial from a button: the keyboard stays for the answers.
    assert [row[0]["text"] for row in question["reply_markup"]["inline_keyboard"]] == [
        "Ano",
        "Ne",
        "Co říká zákon?",
    ]


@pytest.mark.parametrize(
    "secret",
    [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()],
    ids=["missing", "empty", "wrong", "prefix", "longer", "case"],
)
async def test_a_forged_update_is_refused_and_reaches_nobody(
    channel: SecureTelegramInput,
    agent: FakeAgent,
    bot_api: PlatformStandIn,
    secret: Optional[str],
) -> None:
    async with serving(channel, agent) as base_url:
        status = await post_update(base_url, text_update("ahoj"), secret=secret)

    assert status == 403
    assert agent.messages == []
    assert bot_api.requests == []


async def test_a_button_tap_is_a_plain_text_message(
    channel: SecureTelegramInput, agent: FakeAgent, bot_api: PlatformStandIn
) -> None:
    async with serving(channel, agent) as base_url:
        status = await post_update(base_url, button_update("ano"))

    assert status == 200
    [message] = agent.messages
    assert (message.text, message.sender_id) == ("ano", stored_id())
    assert message.metadata == {"language_hint": "en"}
    [answer] = bot_api.calls("/answerCallbackQuery")
    assert answer.body == {"callback_query_id": "cb-1"}


async def test_a_button_too_long_for_callback_data_sends_its_title(
    channel: SecureTelegramInput, agent: FakeAgent, bot_api: PlatformStandIn
) -> None:
    keyboard = {
        "inline_keyboard": [
            [{"text": "Ano", "callback_data": "ano"}],
            [{"text": BUTTONS[1]["title"], "callback_data": "button#1"}],
        ]
    }
    async with serving(channel, agent) as base_url:
        await post_update(base_url, button_update("button#1", keyboard))

    assert [m.text for m in agent.messages] == [BUTTONS[1]["title"]]


@pytest.mark.parametrize(
    ("typed", "reaches_nlu"),
    [
        ("/start", "start"),
        ("/start@HelpBot", "start"),
        ('/some_intent{"x":1}', 'some_intent{"x":1}'),
        ("//greet", "greet"),
        ("/stop\u0000", "stop"),
    ],
)
async def test_commands_and_intent_injection_go_through_the_nlu(
    channel: SecureTelegramInput,
    agent: FakeAgent,
    bot_api: PlatformStandIn,
    typed: str,
    reaches_nlu: str,
) -> None:
    async with serving(channel, agent) as base_url:
        await post_update(base_url, text_update(typed))
        await post_update(base_url, button_update(typed))

    assert [m.text for m in agent.messages] == [reaches_nlu, reaches_nlu]


@pytest.mark.parametrize(
    ("language_code", "metadata"),
    [
        ("cs", {"language_hint": "cs"}),
        ("sk", {"language_hint": "cs"}),
        ("en-GB", {"language_hint": "en"}),
        ("uk", {"language_hint": "uk"}),
        ("ru", {"language_hint": "uk"}),
        ("be", {"language_hint": "uk"}),
        ("de", {"language_hint": "en"}),
        (None, None),
    ],
)
async def test_the_telegram_language_is_the_only_metadata(
    channel: SecureTelegramInput,
    agent: FakeAgent,
    bot_api: PlatformStandIn,
    language_code: Optional[str],
    metadata: Optional[Dict[str, str]],
) -> None:
    update = text_update("ok", language_code=language_code)
    update["metadata"] = {"language": "en", "is_admin": True}
    update["message"]["metadata"] = {"language_hint": "en"}
    async with serving(channel, agent) as base_url:
        await post_update(base_url, update)

    assert agent.messages[0].metadata == metadata


@pytest.mark.parametrize("language_code", ["uk", "ru"])
async def test_a_ukrainian_or_russian_phone_gets_the_notice_in_ukrainian(
    channel: SecureTelegramInput,
    agent: FakeAgent,
    bot_api: PlatformStandIn,
    language_code: str,
) -> None:
    async with serving(channel, agent) as base_url:
        await post_update(base_url, text_update("ok", language_code=language_code))

    [message] = agent.messages
    assert message.metadata == {"language_hint": "uk"}
    # The notice follows the first reply message (issue 13), in Ukrainian.
    notice = bot_api.calls("/sendMessage")[1].body["text"]
    assert notice == PrivacyNotice.from_dataset().texts["uk"]


@pytest.mark.parametrize("chat_type", ["group", "supergroup", "channel"])
async def test_group_chats_are_not_answered(
    channel: SecureTelegramInput,
    agent: FakeAgent,
    bot_api: PlatformStandIn,
    chat_type: str,
) -> None:
    async with serving(channel, agent) as base_url:
        status = await post_update(base_url, text_update("ahoj", chat_type=chat_type))

    assert status == 200
    assert agent.messages == []
    assert bot_api.requests == []


async def test_startup_and_updates_need_no_network(
    agent: FakeAgent, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with refusing_port() as port:
        for name, value in telegram_env(f"http://127.0.0.1:{port}").items():
            monkeypatch.setenv(name, value)
        channel = SecureTelegramInput.from_credentials(None)
        caplog.set_level(logging.INFO)

        async with serving(channel, agent) as base_url:
            status = await post_update(base_url, text_update("nekdo me vydira"))

        assert (
            status == 200
        )  # the reply is lost (and logged), the update is not retried
        assert [m.text for m in agent.messages] == ["nekdo me vydira"]
        assert (
            "Telegram reply not delivered (sendMessage: ClientConnectorError)"
            in caplog.text
        )
        assert "TEST-token" not in caplog.text


def test_the_channel_is_off_until_every_variable_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("TELEGRAM_ACCESS_TOKEN", "TELEGRAM_BOT_NAME", "TELEGRAM_API_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", SECRET)

    with pytest.raises(RasaException, match="TELEGRAM_ACCESS_TOKEN, TELEGRAM_BOT_NAME"):
        SecureTelegramInput.from_credentials(None)


def test_secrets_in_the_credentials_file_are_refused() -> None:
    with pytest.raises(RasaException, match="environment"):
        SecureTelegramInput.from_credentials({"access_token": "123:abc"})


async def test_set_webhook_registers_the_url_with_the_secret(
    bot_api: PlatformStandIn,
) -> None:
    url = "https://bot.example.org/webhooks/telegram/webhook"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.channels.telegram",
        "set-webhook",
        "--url",
        url,
        cwd=ROOT,
        env={**os.environ, **telegram_env(bot_api.url), "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()

    assert process.returncode == 0, stderr.decode()
    [call] = bot_api.calls("/setWebhook")
    assert call.path == "/bot123456:TEST-token/setWebhook"
    assert call.body == {
        "url": url,
        "secret_token": SECRET,
        "allowed_updates": ["message", "callback_query"],
    }
    assert b"TEST-token" not in stdout + stderr


def test_the_notice_needs_every_language() -> None:
    with pytest.raises(RasaException, match="en"):
        PrivacyNotice({"cs": "text"})
    with pytest.raises(RasaException, match="uk"):
        PrivacyNotice({"cs": "text", "en": "text"})
