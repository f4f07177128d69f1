"""The parse in a second process: the parse server's answer when it gives one,
the message parsed here whenever it does not (never an empty parse)."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Dict, List, Tuple

import aiohttp
import numpy as np
import pytest
from aiohttp import web
from rasa.core.channels.channel import UserMessage

from bot.run.nlu_server import make_app
from bot.server import remote_nlu
from bot.server.remote_nlu import RemoteParser, install_remote_parser
from tests.support.ports import free_port

TOKEN = "test-token"


class StubProcessor:
    """What the parse server's agent parses with: records each message."""

    def __init__(self, delay: float = 0.0) -> None:
        self.messages: List[UserMessage] = []
        self.delay = delay
        self.http_interpreter: Any = None

    async def parse_message(self, message: UserMessage) -> Dict[str, Any]:
        self.messages.append(message)
        await asyncio.sleep(self.delay)
        return {
            "text": message.text,
            "intent": {"name": "sextortion", "confidence": np.float32(0.75)},
            "entities": [],
            "language": "uk",
        }


class StubAgent:
    def __init__(self, processor: StubProcessor) -> None:
        self.processor = processor


def local_parse(calls: List[str]) -> Any:
    def parse(message: UserMessage) -> Dict[str, Any]:
        calls.append(message.text)
        return {"text": message.text, "intent": {"name": "greet", "confidence": 1.0}}

    return parse


async def serve(processor: StubProcessor) -> Tuple[web.AppRunner, str]:
    runner = web.AppRunner(make_app(StubAgent(processor), TOKEN))
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


@pytest.fixture
async def parse_server() -> AsyncIterator[Tuple[StubProcessor, str]]:
    processor = StubProcessor()
    runner, url = await serve(processor)
    yield processor, url
    await runner.cleanup()


async def test_the_parse_servers_answer_is_used_with_the_messages_metadata(
    parse_server: Tuple[StubProcessor, str],
) -> None:
    processor, url = parse_server
    calls: List[str] = []
    parser = RemoteParser(url, TOKEN, local_parse(calls), 1.0)
    message = UserMessage("мене шантажують", sender_id="s1", metadata={"hint": "uk"})

    parsed = await parser.parse(message)
    await parser.close()

    assert parsed["intent"] == {"name": "sextortion", "confidence": 0.75}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{url}/health") as r:
            assert (await r.json())["parsed"] == 1
    assert parsed["language"] == "uk"
    assert calls == [] and parser.fallbacks == 0
    (received,) = processor.messages
    assert (received.text, received.sender_id, received.metadata) == (
        "мене шантажують",
        "s1",
        {"hint": "uk"},
    )


async def test_a_wrong_token_is_refused_and_the_message_parsed_here(
    parse_server: Tuple[StubProcessor, str],
) -> None:
    processor, url = parse_server
    calls: List[str] = []
    parser = RemoteParser(url, "not-the-token", local_parse(calls), 1.0)

    parsed = await parser.parse(UserMessage("nekdo me vydira", sender_id="s2"))
    await parser.close()

    assert processor.messages == []
    assert calls == ["nekdo me vydira"] and parser.fallbacks == 1
    assert parsed["intent"]["name"] == "greet"


async def test_a_parse_server_that_is_down_costs_nothing_but_the_hop() -> None:
    calls: List[str] = []
    parser = RemoteParser(
        f"http://127.0.0.1:{free_port()}", TOKEN, local_parse(calls), 1.0
    )

    first = await parser.parse(UserMessage("help", sender_id="s3"))
    second = await parser.parse(UserMessage("pomoc", sender_id="s3"))
    await parser.close()

    assert calls == ["help", "pomoc"] and parser.fallbacks == 2
    assert first["intent"]["name"] == second["intent"]["name"] == "greet"


async def test_a_slow_parse_server_is_not_waited_for_beyond_the_timeout() -> None:
    runner, url = await serve(StubProcessor(delay=2.0))
    calls: List[str] = []
    parser = RemoteParser(url, TOKEN, local_parse(calls), 0.2)
    try:
        started = asyncio.get_running_loop().time()
        await parser.parse(UserMessage("chci umrit", sender_id="s4"))
        waited = asyncio.get_running_loop().time() - started
    finally:
        await parser.close()
        await runner.cleanup()

    assert calls == ["chci umrit"] and parser.fallbacks == 1
    assert waited < 1.5


async def test_the_parse_server_refuses_a_body_without_text(
    parse_server: Tuple[StubProcessor, str],
) -> None:
    processor, url = parse_server
    headers = {"Authorization": f"Bearer {TOKEN}"}
    async with aiohttp.ClientSession() as session:
        for body in (b"not json", b'{"text": 5}', b"[1, 2]"):
            async with session.post(f"{url}/parse", data=body, headers=headers) as r:
                assert r.status == 400, body
        async with session.get(f"{url}/health") as r:
            assert await r.json() == {"status": "ok", "parsed": 0}
    assert processor.messages == []


def test_the_parser_is_installed_only_when_a_parse_server_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    agent = StubAgent(StubProcessor())
    monkeypatch.delenv(remote_nlu.URL_VARIABLE, raising=False)
    assert install_remote_parser(agent) is None
    assert agent.processor.http_interpreter is None

    monkeypatch.setenv(remote_nlu.URL_VARIABLE, "http://127.0.0.1:5015")
    monkeypatch.setenv(remote_nlu.TOKEN_VARIABLE, TOKEN)
    parser = install_remote_parser(agent)
    assert parser is not None and agent.processor.http_interpreter is parser
    assert parser.url == "http://127.0.0.1:5015/parse"


@pytest.mark.parametrize("raw, expected", [("", 1.0), ("0.5", 0.5)])
def test_the_timeout_comes_from_the_environment_or_its_default(
    raw: str, expected: float
) -> None:
    assert remote_nlu.timeout_seconds({remote_nlu.TIMEOUT_VARIABLE: raw}) == expected


@pytest.mark.parametrize("raw", ["x", "-2", "0"])
def test_a_timeout_that_is_not_a_positive_number_stops_the_start(raw: str) -> None:
    with pytest.raises(ValueError, match=remote_nlu.TIMEOUT_VARIABLE):
        remote_nlu.timeout_seconds({remote_nlu.TIMEOUT_VARIABLE: raw})
