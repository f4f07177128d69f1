"""`python -m actions.server`: secret header, no CORS, failures without the request."""

from __future__ import annotations

import logging
from typing import Any, AsyncIterator, Dict, Optional, Tuple

import aiohttp
import pytest
from sanic import Sanic

from actions.server import SECRET_HEADER, build_app
from tests.support.servers import serving_app as serving

SECRET = "a-shared-secret"
ACTION_CALL = {
    "next_action": "action_refer_to_help",
    "sender_id": "x",
    "tracker": {
        "sender_id": "x",
        "slots": {"language": "cs"},
        "latest_message": {"text": "jmenuje se Petr", "intent": {"name": "sextortion"}},
        "events": [],
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    },
    "domain": {},
    "version": "3.6.21",
}


@pytest.fixture
async def action_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    async with serving(build_app(SECRET)) as url:
        yield url


@pytest.fixture
async def raising_action_server(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[str]:
    monkeypatch.setattr(Sanic, "test_mode", True)
    async with serving(build_app(None, "tests.support.raising_actions")) as url:
        yield url


async def call(
    url: str, path: str, secret: Optional[str] = None, body: Any = None
) -> Tuple[int, Any, Dict[str, str]]:
    headers = {"Origin": "https://evil.example"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with aiohttp.ClientSession() as session:
        method = session.post if body is not None else session.get
        async with method(url + path, json=body, headers=headers) as response:
            return response.status, await response.json(), dict(response.headers)


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x"])
async def test_actions_need_the_secret(
    action_server: str, secret: Optional[str]
) -> None:
    status, _, _ = await call(action_server, "/webhook", secret, ACTION_CALL)
    assert status == 403
    status, _, _ = await call(action_server, "/actions", secret)
    assert status == 403


async def test_with_the_secret_the_action_runs(action_server: str) -> None:
    status, body, headers = await call(action_server, "/webhook", SECRET, ACTION_CALL)

    assert status == 200
    assert "116 111" in body["responses"][0]["text"]
    assert "Access-Control-Allow-Origin" not in headers


async def test_health_is_open(action_server: str) -> None:
    status, body, _ = await call(action_server, "/health")
    assert (status, body) == (200, {"status": "ok"})


async def test_a_raising_action_is_answered_without_the_conversation(
    raising_action_server: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        status, body, _ = await call(
            raising_action_server, "/webhook", None, ACTION_CALL
        )

    assert status == 500
    assert body == {"error": "action failed", "action_name": "action_refer_to_help"}
    assert "Petr" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_rasa_sends_the_secret_without_it_being_written_to_disk(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from rasa.utils.endpoints import read_endpoint_config

    from bot.run.cli import runtime_endpoints

    monkeypatch.setenv("ACTION_SERVER_SECRET", SECRET)
    path = runtime_endpoints(5399)

    assert SECRET not in path.read_text(encoding="utf-8")
    endpoint = read_endpoint_config(str(path), "action_endpoint")
    assert endpoint is not None
    assert endpoint.url == "http://127.0.0.1:5399/webhook"
    assert endpoint.headers == {SECRET_HEADER: SECRET}


def test_the_http_api_is_enabled_only_with_a_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bot.run.cli import api_arguments

    monkeypatch.delenv("RASA_API_TOKEN", raising=False)
    assert api_arguments() == []
    monkeypatch.setenv("RASA_API_TOKEN", "t0ken")
    assert api_arguments() == ["--enable-api", "--auth-token", "t0ken"]
