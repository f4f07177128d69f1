"""Servers for tests: the real action server and Rasa server as processes, and any
Sanic app in this process. The one harness of the test suite (and of `bench/`).

- `running_servers(workdir, ...)` starts `python -m actions.server` and `rasa run`
  the way `bot.run.cli` does (the REST channel unless `credentials` say otherwise,
  the project's tracker store), with endpoints, database and logs in `workdir`,
  on free loopback ports (`tests.support.ports`). The model is the one `make
  model` built (models/), else the one in SAFETY_TEST_MODEL.
- `serving_app(app)` runs a Sanic app in the current event loop; `ServerThread`
  runs one in its own thread, for synchronous tests; `serving_channel(channel,
  agent)` mounts an input channel under /webhooks/ as `rasa run` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Dict, Iterator, List, Mapping, Optional, Tuple

import yaml
from rasa.core.channels.channel import InputChannel, register
from sanic import Sanic

from referrals import load_dataset
from tests.support import ROOT
from tests.support.ports import free_port, free_ports

BIN = Path(sys.executable).parent
START_SECONDS = 300
SENDER_ID_KEY = "servers-test-key"
REST_CREDENTIALS: Dict[str, Any] = {"bot.channels.rest.SafeRestInput": None}
# A loaded test machine can be slower than the 2.5 s turn deadline; the tests that
# check the deadline and the action timeout (tests/system/servers) keep the real ones.
RELAXED_LIMITS = {
    "TURN_DEADLINE_SECONDS": os.environ.get("TEST_TURN_DEADLINE_SECONDS", "60"),
    "ACTION_TIMEOUT_SECONDS": os.environ.get("TEST_ACTION_TIMEOUT_SECONDS", "30"),
}


def model_for_tests() -> Optional[Path]:
    """The trained model, or None (the server tests are then skipped)."""
    from bot.run.training import model_path

    built = model_path()
    if built.exists():
        return built
    fallback = os.environ.get("SAFETY_TEST_MODEL")
    if fallback and Path(fallback).exists():
        return Path(fallback)
    return None


def skip_reason() -> str:
    if model_for_tests() is None:
        return "no trained model in models/ (run `make model`) nor SAFETY_TEST_MODEL"
    return ""


def base_env(**extra: str) -> Dict[str, str]:
    """This environment, with what every server of the project runs with."""
    from bot.run.cli import SERVER_DEFAULTS

    return {
        **SERVER_DEFAULTS,
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        **extra,
    }


def relaxed_env() -> Dict[str, str]:
    """`base_env` with the turn deadline and action timeout a slow machine needs."""
    return base_env(**RELAXED_LIMITS)


def server_env(**extra: str) -> Dict[str, str]:
    return base_env(SENDER_ID_KEY=SENDER_ID_KEY, **extra)


@dataclass
class Reply:
    status: int
    body: Any
    seconds: float

    @property
    def text(self) -> str:
        if not isinstance(self.body, list):
            return ""
        return "\n".join(str(message.get("text", "")) for message in self.body)


@dataclass
class Servers:
    workdir: Path
    model: Path
    rasa_port: int
    action_port: int
    env: Dict[str, str]
    actions_package: str = "actions"
    rasa_args: List[str] = field(default_factory=list)
    credentials: Mapping[str, Any] = field(default_factory=lambda: REST_CREDENTIALS)
    ready_path: str = "/webhooks/rest/"
    rasa: Optional[subprocess.Popen] = None
    actions: Optional[subprocess.Popen] = None

    @property
    def db(self) -> Path:
        return self.workdir / "tracker.db"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def rest_url(self) -> str:
        return f"{self.url}/webhooks/rest/webhook"

    def logs(self) -> str:
        return "".join(
            path.read_text(encoding="utf-8", errors="replace")
            for path in sorted(self.workdir.glob("*.log"))
        )

    def start_actions(self, package: Optional[str] = None) -> None:
        self.actions_package = package or self.actions_package
        self.actions = subprocess.Popen(
            [
                str(BIN / "python"),
                "-m",
                "actions.server",
                "--port",
                str(self.action_port),
                "--actions",
                self.actions_package,
                "--endpoints",  # referral statistics beside the test's tracker store
                str(self.write_endpoints()),
            ],
            cwd=ROOT,
            env=self.env,
            stdout=(self.workdir / "actions.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{self.action_port}/health", self.actions)

    def write_endpoints(self) -> Path:
        """The endpoints of both servers: the test's own SQLite tracker store."""
        endpoints = {
            "action_endpoint": {"url": f"http://127.0.0.1:{self.action_port}/webhook"},
            "tracker_store": {
                "type": "bot.stores.tracker_store.PrivateSQLTrackerStore",
                "dialect": "sqlite",
                "db": str(self.db),
            },
        }
        path = self.workdir / "endpoints.yml"
        path.write_text(yaml.safe_dump(endpoints))
        return path

    def start_rasa(self) -> None:
        self.write_endpoints()
        (self.workdir / "credentials.yml").write_text(
            yaml.safe_dump(dict(self.credentials))
        )
        self.rasa = subprocess.Popen(
            [
                str(BIN / "rasa"),
                "run",
                "--model",
                str(self.model),
                "--endpoints",
                str(self.workdir / "endpoints.yml"),
                "--credentials",
                str(self.workdir / "credentials.yml"),
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
                *self.rasa_args,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=(self.workdir / "rasa.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for(f"{self.url}{self.ready_path}", self.rasa, START_SECONDS)

    def say(
        self,
        message: Any,
        sender: str = "child",
        raw: Optional[bytes] = None,
        content_type: str = "application/json",
    ) -> Reply:
        body = (
            raw
            if raw is not None
            else json.dumps({"sender": sender, "message": message}).encode("utf-8")
        )
        return post(f"{self.url}/webhooks/rest/webhook", body, content_type)

    def get(self, path: str) -> Tuple[int, Any]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, _json(response.read())
        except urllib.error.HTTPError as error:
            return error.code, _json(error.read())


def post(url: str, body: bytes, content_type: str = "application/json") -> Reply:
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": content_type}, method="POST"
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return Reply(
                response.status, _json(response.read()), time.monotonic() - started
            )
    except urllib.error.HTTPError as error:
        return Reply(error.code, _json(error.read()), time.monotonic() - started)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for {url} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=1):
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {seconds} s")


def stop(process: Optional[subprocess.Popen]) -> None:
    if process is None or process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGCONT)  # a stopped process cannot exit
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def running_servers(
    workdir: Path,
    actions_package: str = "actions",
    rasa_args: Optional[List[str]] = None,
    credentials: Optional[Mapping[str, Any]] = None,
    ready_path: str = "/webhooks/rest/",
    rasa_port: Optional[int] = None,
    **env: str,
) -> Iterator[Servers]:
    """The action server, then Rasa; both stopped afterwards, whatever happens."""
    model = model_for_tests()
    assert model is not None, skip_reason()
    if rasa_port is None:
        rasa_port, action_port = free_ports(2)
    else:
        action_port = free_port(taken={rasa_port})
    servers = Servers(
        workdir=workdir,
        model=model,
        rasa_port=rasa_port,
        action_port=action_port,
        env=server_env(**env),
        actions_package=actions_package,
        rasa_args=rasa_args or [],
        credentials=credentials or REST_CREDENTIALS,
        ready_path=ready_path,
    )
    try:
        servers.start_actions()
        servers.start_rasa()
        yield servers
    finally:
        stop(servers.rasa)
        stop(servers.actions)


@contextlib.asynccontextmanager
async def serving_app(app: Sanic) -> AsyncIterator[str]:
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


@contextlib.asynccontextmanager
async def serving_channel(channel: InputChannel, agent: Any) -> AsyncIterator[str]:
    """Mount `channel` under /webhooks/ as `rasa run` does; yield the base URL."""
    # Several apps start in one process: Sanic's test mode lets each re-run its
    # start-up code rewriting (TouchUp) as sanic-testing does.
    Sanic.test_mode = True
    app = Sanic(f"channel_test_{uuid.uuid4().hex}", configure_logging=False)
    app.ctx.agent = agent
    register([channel], app, route="/webhooks/")
    async with serving_app(app) as url:
        yield url


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
        async with serving_app(self.app) as url:
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


# What the conversations of the server tests say, and how their replies are judged.
DISCLOSURE = "nekdo me vydira ze zverejni moje nahe fotky"
DISCLOSURE_EN = "someone is blackmailing me with my nude photos"
MARKER = "kvetakolo"  # a word that must never reach a log
# "No", as the button under "Are you safe right now?" says it (trained verbatim).
NO = load_dataset().buttons("yes_no", "cs")[1]


def flat(text: str) -> str:
    return " ".join(text.split())


def is_safety_net(reply: Reply, language: str = "cs") -> bool:
    opener = load_dataset().situations["safety_net"].text[language]
    return (
        reply.status == 200
        and flat(opener) in flat(reply.text)
        and "116 111" in reply.text
        and ("112" in reply.text or "158" in reply.text)
    )


def is_referral(reply: Reply, situation: str, language: str = "cs") -> bool:
    opener = load_dataset().situations[situation].text[language]
    return reply.status == 200 and flat(opener) in flat(reply.text)
