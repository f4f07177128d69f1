"""`make run` and `make shell`: start the action server and Rasa, stop them cleanly.

python -m bot.run.cli run      # REST + web chat (+ Telegram/Messenger when configured)
python -m bot.run.cli shell    # talk in the terminal
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

import yaml

from bot.channels.registry import enabled_channel_credentials
from bot.operator.page import credentials as operator_page_credentials
from bot.run.training import ROOT, ensure_model
from bot.server.remote_nlu import TOKEN_VARIABLE, URL_VARIABLE

VAR = ROOT / "var"
BIN = Path(sys.executable).parent


# What the project's Rasa servers run with unless the environment says otherwise.
# SANIC_BACKLOG: Rasa's default listen backlog of 100 connections overflowed at 500
# conversations arriving at once (the kernel dropped connections; 143 of 2,000
# turns got no answer at all, `bench.scenarios --overload 500`). With 1024 they
# wait in the kernel until the guard answers them, at worst with the safety net.
SERVER_DEFAULTS: Dict[str, str] = {"SANIC_BACKLOG": "1024"}


def _env() -> Dict[str, str]:
    return {
        **SERVER_DEFAULTS,
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }


def check_dataset() -> None:
    """Stop before anything starts when the referral dataset is malformed."""
    from referrals import DatasetError, load_dataset

    try:
        load_dataset()
    except DatasetError as error:
        sys.exit(f"error: the referral dataset is invalid: {error}")


def wait_until_up(url: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(
                f"error: the server for {url} exited with code {process.returncode}"
            )
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.3)
    sys.exit(f"error: {url} did not answer within {seconds:.0f} s")


# The project's input channels: each carries the guard and the start-up hooks
# (action timeout, result validator, store health, retention purge, counting).
PROJECT_CHANNEL_PREFIXES = ("bot.channels.", "bot.operator.")


def unguarded_channels(credentials: Mapping[str, Any]) -> List[str]:
    """The channels in `credentials` that are not the project's (e.g. Rasa's
    own `rest`): they would answer without the guard, and a server with only
    those would start without the start-up hooks, silently."""
    return [
        name
        for name in credentials
        if not str(name).startswith(PROJECT_CHANNEL_PREFIXES)
    ]


def checked_credentials(credentials: Mapping[str, Any]) -> Mapping[str, Any]:
    """`credentials` if every channel is the project's and there is one; else exit
    with an error that says what to name instead."""
    others = unguarded_channels(credentials)
    if others:
        sys.exit(
            f"error: credentials.yml names {', '.join(map(repr, others))}: a channel "
            "without the guard and the start-up hooks (action timeout, store health, "
            "retention purge). Use the project's channels, e.g. "
            "bot.channels.rest.SafeRestInput (README, Channels)."
        )
    if not credentials:
        sys.exit(
            "error: credentials.yml names no channel: the assistant would reach no "
            "one. Name bot.channels.rest.SafeRestInput or "
            "bot.channels.webchat.WebChatInput."
        )
    return credentials


def runtime_credentials() -> Path:
    """credentials.yml plus the channels whose environment variables are set, and
    the operator page when OPERATOR_TOKEN is set (`bot.operator.page`); only the
    project's channels (`checked_credentials`)."""
    with (ROOT / "credentials.yml").open(encoding="utf-8") as handle:
        credentials = yaml.safe_load(handle) or {}
    credentials.update(enabled_channel_credentials(os.environ))
    credentials.update(operator_page_credentials(os.environ))  # OPERATOR_TOKEN
    checked_credentials(credentials)
    VAR.mkdir(exist_ok=True)
    path = VAR / "credentials.runtime.yml"
    path.write_text(yaml.safe_dump(credentials, sort_keys=False), encoding="utf-8")
    return path


def start_action_server(port: int) -> subprocess.Popen:
    """`python -m actions.server`: loopback unless ACTION_SERVER_HOST is set; it
    counts referral statistics in the tracker store of endpoints.yml."""
    return subprocess.Popen(
        [
            str(BIN / "python"),
            "-m",
            "actions.server",
            "--port",
            str(port),
            "--endpoints",
            str(ROOT / "endpoints.yml"),
        ],
        cwd=ROOT,
        env=_env(),
    )


def runtime_endpoints(action_port: int) -> Path:
    """endpoints.yml with the action server's port and, when ACTION_SERVER_SECRET
    is set, its secret header. The header value is written as
    `${ACTION_SERVER_SECRET}`, which Rasa expands, so the secret is not on disk."""
    with (ROOT / "endpoints.yml").open(encoding="utf-8") as handle:
        endpoints = yaml.safe_load(handle) or {}
    action_endpoint = endpoints.setdefault("action_endpoint", {})
    action_endpoint["url"] = f"http://127.0.0.1:{action_port}/webhook"
    if os.environ.get("ACTION_SERVER_SECRET"):
        action_endpoint["headers"] = {
            "X-Action-Server-Secret": "${ACTION_SERVER_SECRET}"
        }
    VAR.mkdir(exist_ok=True)
    path = VAR / "endpoints.runtime.yml"
    path.write_text(yaml.safe_dump(endpoints, sort_keys=False), encoding="utf-8")
    return path


def start_parse_server(
    model: Path, port: int
) -> Tuple[subprocess.Popen, Dict[str, str]]:
    """With NLU_PROCESS=1: the parse server (`bot.run.nlu_server`) on loopback, and
    the environment that makes the Rasa server parse through it, with a token
    made for this start."""
    token = secrets.token_urlsafe(24)
    process = subprocess.Popen(
        [
            str(BIN / "python"),
            "-m",
            "bot.run.nlu_server",
            "--model",
            str(model),
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env={**_env(), TOKEN_VARIABLE: token},
    )
    return process, {URL_VARIABLE: f"http://127.0.0.1:{port}", TOKEN_VARIABLE: token}


def api_arguments() -> List[str]:
    """Rasa's HTTP API is off unless RASA_API_TOKEN is set (never printed)."""
    token = os.environ.get("RASA_API_TOKEN")
    return ["--enable-api", "--auth-token", token] if token else []


def rasa_command(
    kind: str, model: Path, host: str, port: int, action_port: int = 5055
) -> List[str]:
    common = ["--model", str(model), "--endpoints", str(runtime_endpoints(action_port))]
    if kind == "shell":
        return [str(BIN / "rasa"), "shell", *common]
    return [
        str(BIN / "rasa"),
        "run",
        *common,
        "--credentials",
        str(runtime_credentials()),
        "--interface",
        host,
        "--port",
        str(port),
        *api_arguments(),
    ]


def stop(processes: List[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM (a service manager, `kill`) both raise KeyboardInterrupt,
    even when the shell that started us made background jobs ignore SIGINT."""
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)


def main(argv: Optional[List[str]] = None) -> int:
    stop_on_signals()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run", "shell"])
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 5005)))
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--nlu-port", type=int, default=5015)
    args = parser.parse_args(argv)

    check_dataset()
    model = ensure_model()
    VAR.mkdir(exist_ok=True)
    processes: List[subprocess.Popen] = []
    try:
        actions = start_action_server(args.action_port)
        processes.append(actions)
        wait_until_up(f"http://127.0.0.1:{args.action_port}/health", actions, 60)
        parse_server: Optional[subprocess.Popen] = None
        parse_env: Dict[str, str] = {}
        if args.command == "run" and os.environ.get("NLU_PROCESS") == "1":
            parse_server, parse_env = start_parse_server(model, args.nlu_port)
            processes.append(parse_server)
        rasa = subprocess.Popen(
            rasa_command(args.command, model, args.host, args.port, args.action_port),
            cwd=ROOT,
            env={**_env(), **parse_env},
        )
        processes.append(rasa)
        if args.command == "run":
            local = args.host in ("127.0.0.1", "0.0.0.0")
            base = f"http://{'localhost' if local else args.host}:{args.port}"
            wait_until_up(f"http://127.0.0.1:{args.port}/", rasa, 120)
            if parse_server is not None:  # until it answers, Rasa parses itself
                wait_until_up(f"{parse_env[URL_VARIABLE]}/health", parse_server, 120)
            print(f"\nREST: POST {base}/webhooks/rest/webhook", flush=True)
            print(f"Web chat: {base}/webhooks/webchat/", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
        return rasa.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
