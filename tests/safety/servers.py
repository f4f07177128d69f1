"""The real action server and Rasa server for the `servers` tests, on ports 5300-5399.

They are started the way `bot.run.cli` starts them (`python -m actions.server`,
`rasa run` with the REST channel and the project's tracker store), but with
endpoints, database and logs in a temporary folder. The model is the one
`make model` built (models/), else the one in SAFETY_TEST_MODEL.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import yaml

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
# Even ports for Rasa, the next odd one for its action server.
_PORTS = itertools.cycle(range(5300, 5400, 2))
START_SECONDS = 300
SENDER_ID_KEY = "servers-test-key"


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


def server_env(**extra: str) -> Dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "SENDER_ID_KEY": SENDER_ID_KEY,
        **extra,
    }


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
    rasa: Optional[subprocess.Popen] = None
    actions: Optional[subprocess.Popen] = None

    @property
    def db(self) -> Path:
        return self.workdir / "tracker.db"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

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
            ],
            cwd=ROOT,
            env=self.env,
            stdout=(self.workdir / "actions.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        wait_for(f"http://127.0.0.1:{self.action_port}/health", self.actions)

    def start_rasa(self) -> None:
        endpoints = {
            "action_endpoint": {"url": f"http://127.0.0.1:{self.action_port}/webhook"},
            "tracker_store": {
                "type": "bot.stores.tracker_store.PrivateSQLTrackerStore",
                "dialect": "sqlite",
                "db": str(self.db),
            },
        }
        (self.workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
        (self.workdir / "credentials.yml").write_text(
            yaml.safe_dump({"bot.channels.rest.SafeRestInput": None})
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
        wait_for(f"{self.url}/webhooks/rest/", self.rasa, START_SECONDS)

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
    **env: str,
) -> Iterator[Servers]:
    model = model_for_tests()
    assert model is not None, skip_reason()
    rasa_port = next(_PORTS)
    servers = Servers(
        workdir=workdir,
        model=model,
        rasa_port=rasa_port,
        action_port=rasa_port + 1,
        env=server_env(**env),
        actions_package=actions_package,
        rasa_args=rasa_args or [],
    )
    try:
        servers.start_actions()
        servers.start_rasa()
        yield servers
    finally:
        stop(servers.rasa)
        stop(servers.actions)
