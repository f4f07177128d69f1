"""Start a Rasa server and its action server for a benchmark, and measure them.

The process plumbing (free ports, waiting, stopping) is the one the integration
tests use (`tests/support/`); this module adds what a benchmark needs on top: any
assistant directory, extra environment, cold-start timing and memory from /proc.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Text

import yaml

from tests.support import ROOT
from tests.support.ports import free_port
from tests.support.servers import BIN, relaxed_env, stop, wait_for

PAGE_SIZE_KB = 4


@dataclass
class ServerPair:
    """A running Rasa server and action server, and how long they took to answer."""

    url: Text
    rasa: subprocess.Popen
    actions: subprocess.Popen
    cold_start_s: float
    workdir: Path
    parse: Optional[subprocess.Popen] = None  # the parse server, when started

    def _processes(self) -> Dict[Text, subprocess.Popen]:
        named = {"rasa": self.rasa, "actions": self.actions}
        return {**named, "parse": self.parse} if self.parse is not None else named

    def cpu_s(self) -> Dict[Text, float]:
        """CPU seconds used so far (user + system), per server."""
        return {name: cpu_seconds(p.pid) for name, p in self._processes().items()}

    def rss_mb(self) -> Dict[Text, float]:
        """Resident memory now and at its peak, per server, in MB."""
        memory: Dict[Text, float] = {}
        for name, process in self._processes().items():
            memory[name] = rss_kb(process.pid) / 1024
            memory[f"{name}_peak"] = rss_kb(process.pid, "VmHWM") / 1024
        return memory


def stop_servers_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit so `serving` stops what it started."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))


def process_tree(pid: int) -> List[int]:
    """`pid` and all its descendants (Sanic workers are child processes)."""
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (task / "children").read_text().split():
                found.extend(process_tree(int(child)))
    return found


def rss_kb(pid: int, field: Text = "VmRSS") -> int:
    """Sum of a /proc/<pid>/status memory field (kB) over the process tree."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process tree, from /proc/<pid>/stat."""
    ticks = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def post_message(url: Text, sender: Text, text: Text, timeout: float) -> Any:
    body = json.dumps({"sender": sender, "message": text}).encode()
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def wait_for_first_answer(
    url: Text, text: Text, processes: List[subprocess.Popen], seconds: float
) -> None:
    """Poll the REST channel until a message gets a non-empty answer."""
    deadline = time.monotonic() + seconds
    attempt = 0
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a server exited with {process.returncode}")
        attempt += 1
        with contextlib.suppress(OSError, urllib.error.URLError, ValueError):
            if post_message(url, f"bench-cold-start-{attempt}", text, timeout=60):
                return
        time.sleep(0.1)
    raise TimeoutError(f"{url} gave no answer in {seconds:.0f} s")


# Our action server (`actions.server`, hardened) and the stock one (`rasa_sdk`).
OUR_ACTION_SERVER = ("-m", "actions.server")
STOCK_ACTION_SERVER = ("-m", "rasa_sdk", "--actions", "actions")


def bench_env(extra: Optional[Mapping[Text, Text]] = None) -> Dict[Text, Text]:
    """The test environment, but with the production time limits.

    tests/support/servers.py stretches the turn deadline and action timeout for slow CI;
    a benchmark measures what production runs, so those two are left unset
    unless the caller's environment sets them. The sender-id key is a throwaway.
    """
    env = relaxed_env()
    for name in ("TURN_DEADLINE_SECONDS", "ACTION_TIMEOUT_SECONDS"):
        if name in os.environ:
            env[name] = os.environ[name]
        else:
            env.pop(name, None)
    env.setdefault("SENDER_ID_KEY", secrets.token_hex(16))
    return {**env, **(extra or {})}


def start_action_server(
    actions_dir: Path,
    command: Sequence[Text],
    port: int,
    log: Path,
    env: Mapping[Text, Text],
) -> subprocess.Popen:
    return subprocess.Popen(
        [str(BIN / "python"), *command, "--port", str(port)],
        cwd=actions_dir,
        env={**env, "PYTHONPATH": str(actions_dir)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def start_rasa_server(
    model: Path, workdir: Path, port: int, env: Mapping[Text, Text]
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(workdir / "endpoints.yml"),
            "--credentials",
            str(workdir / "credentials.yml"),
            "--interface",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env={**env},
        stdout=(workdir / "rasa.log").open("ab"),
        stderr=subprocess.STDOUT,
    )


@contextlib.contextmanager
def serving(
    model: Path,
    workdir: Path,
    first_message: Text,
    endpoints: Dict[Text, Any],
    credentials: Dict[Text, Any],
    actions_dir: Path = ROOT,
    action_server: Sequence[Text] = OUR_ACTION_SERVER,
    env: Optional[Mapping[Text, Text]] = None,
    counts: bool = True,
) -> Iterator[ServerPair]:
    """Start both servers, time them to their first answer, stop them on exit.

    `endpoints` may use "{action_url}" in the action endpoint's url; `counts`
    False starts our action server without referral statistics.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    rasa_port, action_port = free_port(), free_port()
    action_url = f"http://127.0.0.1:{action_port}/webhook"
    resolved = yaml.safe_load(
        yaml.safe_dump(endpoints).replace("{action_url}", action_url)
    )
    (workdir / "endpoints.yml").write_text(yaml.safe_dump(resolved))
    (workdir / "credentials.yml").write_text(yaml.safe_dump(credentials))
    environment = bench_env(env)

    started = time.monotonic()
    if action_server == OUR_ACTION_SERVER and counts:
        # Referral statistics in the benchmark's tracker store, as `make run` does.
        action_server = (*action_server, "--endpoints", str(workdir / "endpoints.yml"))
    actions = start_action_server(
        actions_dir, action_server, action_port, workdir / "actions.log", environment
    )
    rasa = start_rasa_server(model, workdir, rasa_port, environment)
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        wait_for(f"http://127.0.0.1:{action_port}/health", actions)
        wait_for_first_answer(
            f"{url}/webhooks/rest/webhook", first_message, [rasa, actions], 180
        )
        cold_start = time.monotonic() - started
        yield ServerPair(url, rasa, actions, cold_start, workdir)
    finally:
        stop(rasa)
        stop(actions)
