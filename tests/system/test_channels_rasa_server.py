"""Both channels through a real `rasa run`: trained model, action server, the
project's tracker store, and the credentials the start-up derives from the
environment. The platforms are loopback stand-ins; nothing reaches the internet."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import signal
import sys
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator, Dict, List

import aiohttp
import pytest
import yaml

from bot.channels.registry import enabled_channel_credentials
from bot.guard.pseudonyms import pseudonymous_sender_id
from tests.support import ROOT
from tests.support.ports import free_ports
from tests.support.stand_ins import (
    HELPLINE,
    PlatformStandIn,
    is_privacy_notice,
    running_stand_in,
)

BIN = Path(sys.executable).parent
START_TIMEOUT_SECONDS = 600
TELEGRAM_SECRET = "server-test-secret"
APP_SECRET = "server-test-app-secret"
SENDER_ID_KEY = "server-test-key"


def _skip_reason() -> str:
    if not list((ROOT / "models").glob("*.tar.gz")):
        return "no trained model in models/ (run `make model`)"
    if not (ROOT / "actions" / "server.py").exists():
        return "no action server (actions/server.py)"
    if not (BIN / "rasa").exists():
        return "no rasa executable next to the test interpreter"
    return ""


pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(bool(_skip_reason()), reason=_skip_reason() or "ready"),
]


@asynccontextmanager
async def server_process(
    args: List[str], env: Dict[str, str], log: Path, ready_url: str
) -> AsyncIterator[None]:
    """Run a server (its own process group) until `ready_url` answers 200."""
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            *args,
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        await _wait_until_ready(process, ready_url, log)
        yield
    finally:
        if process.returncode is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                await asyncio.wait_for(process.wait(), timeout=30)
            except asyncio.TimeoutError:
                os.killpg(process.pid, signal.SIGKILL)
                await process.wait()


async def _wait_until_ready(process: Any, url: str, log: Path) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_TIMEOUT_SECONDS
    async with aiohttp.ClientSession() as session:
        while loop.time() < deadline:
            if process.returncode is not None:
                break
            try:
                async with session.get(url) as answer:
                    if answer.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(2)
    tail = log.read_text(errors="replace")[-3000:]
    pytest.fail(f"{log.name}: the server did not start:\n{tail}")


@pytest.fixture
async def bot_api() -> AsyncIterator[PlatformStandIn]:
    """The Telegram Bot API, a loopback stand-in (as TELEGRAM_API_URL allows)."""
    async with running_stand_in({"ok": True, "result": True}) as stand_in:
        yield stand_in


@pytest.fixture
async def graph_api() -> AsyncIterator[PlatformStandIn]:
    """The Graph API's Send API, a loopback stand-in."""
    async with running_stand_in({"recipient_id": "1", "message_id": "m"}) as stand_in:
        yield stand_in


@pytest.fixture
async def rasa_server(
    tmp_path: Path, bot_api: PlatformStandIn, graph_api: PlatformStandIn
) -> AsyncIterator[str]:
    action_port, rasa_port = free_ports(2)
    channel_env = {
        "TELEGRAM_ACCESS_TOKEN": "123456:SERVER-test",
        "TELEGRAM_BOT_NAME": "HelpBot",
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": bot_api.url,
        "FACEBOOK_VERIFY_TOKEN": "verify",
        "FACEBOOK_APP_SECRET": APP_SECRET,
        "FACEBOOK_PAGE_ACCESS_TOKEN": "PAGE-server-test",
        "FACEBOOK_GRAPH_URL": graph_api.url,
    }
    env = {
        **os.environ,
        **channel_env,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "SENDER_ID_KEY": SENDER_ID_KEY,
        # Two shared cores: let the real turn answer, not the guard's safety net.
        "TURN_DEADLINE_SECONDS": "120",
        "ACTION_TIMEOUT_SECONDS": "60",
    }
    # As `bot.run.cli` does: the repository's channels plus those the environment
    # enables.
    channels = yaml.safe_load((ROOT / "credentials.yml").read_text()) or {}
    channels.update(enabled_channel_credentials(env))
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(yaml.safe_dump(channels))
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        yaml.safe_dump(
            {
                "action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook"},
                "tracker_store": {
                    "type": "bot.stores.tracker_store.PrivateSQLTrackerStore",
                    "dialect": "sqlite",
                    "db": str(tmp_path / "tracker.db"),
                },
            }
        )
    )
    actions = [sys.executable, "-m", "actions.server"]  # as `make run` starts it
    rasa = [str(BIN / "rasa"), "run", "--model", str(ROOT / "models")]
    async with (
        server_process(
            [*actions, "--port", str(action_port)],
            env,
            tmp_path / "actions.log",
            f"http://127.0.0.1:{action_port}/health",
        ),
        server_process(
            [
                *rasa,
                "--credentials",
                str(credentials),
                "--endpoints",
                str(endpoints),
                "--interface",
                "127.0.0.1",
                "--port",
                str(rasa_port),
                "--enable-api",
            ],
            env,
            tmp_path / "rasa.log",
            f"http://127.0.0.1:{rasa_port}/status",
        ),
    ):
        yield f"http://127.0.0.1:{rasa_port}"


async def telegram_says(base_url: str, chat_id: int, text: str) -> int:
    update = {
        "update_id": chat_id,
        "message": {
            "message_id": 1,
            "from": {"id": chat_id, "is_bot": False, "language_code": "cs"},
            "chat": {"id": chat_id, "type": "private"},
            "date": 1700000000,
            "text": text,
        },
    }
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    async with aiohttp.ClientSession() as session:
        url = f"{base_url}/webhooks/telegram/webhook"
        async with session.post(url, json=update, headers=headers) as answer:
            return answer.status


def stored_id_of(channel: str, sender_id: int) -> str:
    """The conversation id the server's channel guard stores (same key)."""
    return pseudonymous_sender_id(channel, str(sender_id), SENDER_ID_KEY.encode())


async def latest_message(base_url: str, sender_id: str) -> Dict[str, Any]:
    async with aiohttp.ClientSession() as session:
        url = f"{base_url}/conversations/{sender_id}/tracker"
        async with session.get(url) as answer:
            tracker = await answer.json()
    return dict(tracker["latest_message"])


async def test_both_channels_through_a_real_rasa_server(
    rasa_server: str, bot_api: PlatformStandIn, graph_api: PlatformStandIn
) -> None:
    # Telegram: a disclosure in Czech without diacritics.
    assert (
        await telegram_says(rasa_server, 1001, "nekdo me vydira s mymi fotkami") == 200
    )
    sent = [call.body for call in bot_api.calls("/sendMessage")]
    texts = [body["text"] for body in sent]
    # The first message names the helplines (each number bold); then the notice.
    assert HELPLINE in texts[0] and "158" in texts[0], texts
    assert {entity["type"] for entity in sent[0]["entities"]} == {"bold"}
    assert is_privacy_notice(texts[1], "cs")
    law = [row[0]["text"] for row in sent[-1]["reply_markup"]["inline_keyboard"]]
    assert law[-1] == "Co říká zákon?"
    assert {call.body["chat_id"] for call in bot_api.calls("/sendMessage")} == {"1001"}
    latest = await latest_message(rasa_server, stored_id_of("telegram", 1001))
    assert latest["intent"]["name"] == "sextortion"  # the NLU's answer, not a fallback

    # A forged update never reaches the server's conversation store.
    async with aiohttp.ClientSession() as session:
        url = f"{rasa_server}/webhooks/telegram/webhook"
        async with session.post(url, json={"update_id": 9}) as answer:
            assert answer.status == 403

    # Commands and intent injection go through the NLU as text.
    for chat_id, typed, seen in [
        (1002, "/start", "start"),
        (1003, '/some_intent{"x":1}', 'some_intent{"x":1}'),
    ]:
        assert await telegram_says(rasa_server, chat_id, typed) == 200
        latest = await latest_message(rasa_server, stored_id_of("telegram", chat_id))
        assert latest["text"] == seen
        assert latest["intent"]["name"] != "some_intent"
        assert all(entity["entity"] != "x" for entity in latest["entities"])

    # Messenger: a signed disclosure in English.
    body = json.dumps(
        {
            "object": "page",
            "entry": [
                {
                    "id": "page",
                    "messaging": [
                        {
                            "sender": {"id": "2001"},
                            "message": {
                                "mid": "m",
                                "text": "someone is blackmailing me with my nudes",
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()
    signature = hmac.new(APP_SECRET.encode(), body, hashlib.sha256).hexdigest()
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{rasa_server}/webhooks/facebook/webhook",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Hub-Signature-256": f"sha256={signature}",
            },
        ) as answer:
            assert answer.status == 200
    latest = await latest_message(rasa_server, stored_id_of("facebook", 2001))
    assert latest["intent"]["name"] == "sextortion"
    sent = [call.body["message"] for call in graph_api.calls("/me/messages")]
    # The first message names the helplines and dials each in one tap.
    template = sent[0]["attachment"]["payload"]
    assert HELPLINE in template["text"], sent
    assert {
        "type": "phone_number",
        "title": "Call 116 111",
        "payload": "+420116111",
    } in (template["buttons"])
    assert is_privacy_notice(sent[1]["text"], "en")
    assert sent[-1]["quick_replies"][-1]["title"] == "What's the law?"
