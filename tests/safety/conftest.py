"""Fixtures of the safety tests: the dataset's safety texts, a guard around a fake
turn, an in-process Sanic server, and a throwaway PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import subprocess
import threading
import uuid
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterator,
    List,
    Optional,
)

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from sanic import Sanic

from bot.guard.turn import ChannelGuard, watch_action_failures
from bot.guard.rate_limit import SenderRateLimiter
from bot.guard.replies import SafetyReplies

TEST_KEY = b"test-sender-id-key"
POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
HELPLINE = "116 111"
EMERGENCY_NUMBERS = ("112", "158")

Turn = Callable[[UserMessage], Awaitable[Any]]


@pytest.fixture(scope="session")
def safety_replies() -> SafetyReplies:
    return SafetyReplies.from_dataset()


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
    """What the user sees for one message through `guard`."""
    output = CollectingOutputChannel()
    await guard(UserMessage(text, output, sender, input_channel="rest"))
    return output.messages


def texts(messages: List[Dict[str, Any]]) -> str:
    return "\n".join(str(message.get("text", "")) for message in messages)


def names_helplines(text: str) -> bool:
    return HELPLINE in text and any(number in text for number in EMERGENCY_NUMBERS)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.asynccontextmanager
async def serving(app: Sanic) -> AsyncIterator[str]:
    """Run `app` in this event loop on a loopback port; yield its base URL."""
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
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


def _psql(sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def postgres_db() -> Iterator[str]:
    """A throwaway PostgreSQL database (trust auth on 127.0.0.1:5432)."""
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.skip("psycopg2 is not installed")
    name = f"safety_{uuid.uuid4().hex[:12]}"
    try:
        created = _psql(f"CREATE DATABASE {name}")
    except (FileNotFoundError, subprocess.TimeoutExpired):
        pytest.skip("psql is not available")
    if created.returncode != 0:
        pytest.skip(
            f"PostgreSQL on 127.0.0.1:5432 is not usable: {created.stderr.strip()}"
        )
    try:
        yield name
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def wait_until(predicate: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError("condition not met in time")
        await asyncio.sleep(0.02)


class ServerThread:
    """An app served from its own event loop in a thread, for synchronous tests
    (hypothesis drives those): `with ServerThread(app) as url: ...`."""

    def __init__(self, app: Sanic) -> None:
        self.app = app
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._stop: Optional[asyncio.Event] = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        async with serving(self.app) as url:
            self.url = url
            self._ready.set()
            await self._stop.wait()

    def __enter__(self) -> str:
        self._thread.start()
        if not self._ready.wait(timeout=60):
            raise TimeoutError("the server thread did not start")
        return self.url

    def __exit__(self, *_: Any) -> None:
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout=30)
