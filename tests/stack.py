"""Start the real action server and Rasa server for a test, on free loopback ports."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Optional

import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def trained_model() -> Optional[Path]:
    """The model for the current data and config, if `make model` built it."""
    from bot.run.training import model_path

    path = model_path()
    return path if path.exists() else None


def wait_for(url: str, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url, timeout=1):
                return
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {seconds} s")


@dataclass
class Stack:
    rasa_url: str
    action_url: str
    db_path: Path
    rasa: subprocess.Popen
    actions: subprocess.Popen
    workdir: Path

    @property
    def rest_url(self) -> str:
        return f"{self.rasa_url}/webhooks/rest/webhook"


def _env() -> Dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        # A loaded test machine can be slower than the 2.5 s turn deadline; the
        # tests that check the deadline (tests/safety) set their own.
        "TURN_DEADLINE_SECONDS": os.environ.get("TEST_TURN_DEADLINE_SECONDS", "60"),
        "ACTION_TIMEOUT_SECONDS": os.environ.get("TEST_ACTION_TIMEOUT_SECONDS", "30"),
    }


def start_actions(port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "python"), "-m", "actions.server", "--port", str(port)],
        cwd=ROOT, env=_env(), stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )


def start_rasa(
    model: Path, workdir: Path, port: int, action_port: int,
    credentials: Optional[Dict[str, Any]] = None,
    endpoints: Optional[Dict[str, Any]] = None,
) -> subprocess.Popen:
    endpoints = endpoints or {
        "action_endpoint": {"url": f"http://127.0.0.1:{action_port}/webhook"},
        "tracker_store": {
            "type": "bot.stores.tracker_store.PrivateSQLTrackerStore",
            "dialect": "sqlite",
            "db": str(workdir / "tracker.db"),
        },
    }
    credentials = credentials or {"bot.channels.rest.SafeRestInput": None}
    (workdir / "endpoints.yml").write_text(yaml.safe_dump(endpoints))
    (workdir / "credentials.yml").write_text(yaml.safe_dump(credentials))
    return subprocess.Popen(
        [
            str(BIN / "rasa"), "run", "--model", str(model),
            "--endpoints", str(workdir / "endpoints.yml"),
            "--credentials", str(workdir / "credentials.yml"),
            "--interface", "127.0.0.1", "--port", str(port),
        ],
        cwd=ROOT, env=_env(),
        stdout=(workdir / "rasa.log").open("ab"), stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def running_stack(workdir: Path, **rasa_kwargs: Any) -> Iterator[Stack]:
    model = trained_model()
    if model is None:
        raise FileNotFoundError("no trained model: run `make model` first")
    rasa_port, action_port = free_port(), free_port()
    actions = start_actions(action_port, workdir / "actions.log")
    rasa = start_rasa(model, workdir, rasa_port, action_port, **rasa_kwargs)
    try:
        wait_for(f"http://127.0.0.1:{action_port}/health", actions)
        wait_for(f"http://127.0.0.1:{rasa_port}/", rasa)
        yield Stack(
            rasa_url=f"http://127.0.0.1:{rasa_port}",
            action_url=f"http://127.0.0.1:{action_port}",
            db_path=workdir / "tracker.db",
            rasa=rasa, actions=actions, workdir=workdir,
        )
    finally:
        stop(rasa)
        stop(actions)
