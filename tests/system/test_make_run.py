"""`make run` (`python -m bot.run.cli run`): where to chat, answers, clean stop."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import List

import pytest

from tests.support import ROOT
from tests.support.ports import free_ports
from tests.support.servers import model_for_tests

pytestmark = pytest.mark.servers

START_SECONDS = 240
STOP_SECONDS = 30


def children_of(pid: int) -> List[int]:
    """Every live descendant of `pid`, from /proc."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent:
                found.append(child)
                frontier.append(child)
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, finished but not yet reaped, does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


# SIGTERM's run also starts the parse server (NLU_PROCESS=1): the message is parsed
# there, and it stops with the rest.
@pytest.mark.parametrize(
    "stop_signal, nlu_process", [(signal.SIGINT, False), (signal.SIGTERM, True)]
)
def test_run_prints_where_to_chat_answers_and_stops_everything(
    stop_signal, nlu_process, tmp_path
):
    if model_for_tests() is None:
        if os.environ.get("CI"):
            pytest.fail("no trained model for the current data: run `make model`")
        pytest.skip("no trained model: run `make model`")
    port, action_port, nlu_port = free_ports(3)
    env = {**os.environ, "NLU_PROCESS": "1" if nlu_process else "0"}
    output = tmp_path / "run.log"
    with output.open("w") as log:
        # SIGINT ignored, as a shell's background job has it: the CLI must still stop.
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bot.run.cli",
                "run",
                "--port",
                str(port),
                "--action-port",
                str(action_port),
                "--nlu-port",
                str(nlu_port),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        )
    servers: List[int] = []
    try:
        deadline = time.monotonic() + START_SECONDS
        while "Web chat:" not in output.read_text() and time.monotonic() < deadline:
            assert process.poll() is None, output.read_text()[-3000:]
            time.sleep(1)
        printed = output.read_text()
        assert f"REST: POST http://localhost:{port}/webhooks/rest/webhook" in printed
        assert f"Web chat: http://localhost:{port}/webhooks/webchat/" in printed

        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            data=json.dumps(
                {"sender": "run-test", "message": "uz nechci zit"}
            ).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            first = json.loads(response.read())[0]["text"]
        assert "116 111" in first and "112" in first
        if nlu_process:
            health = f"http://127.0.0.1:{nlu_port}/health"
            with urllib.request.urlopen(health, timeout=10) as response:
                assert json.loads(response.read())["parsed"] >= 1

        servers = children_of(process.pid)
        assert servers, "the action server and Rasa run as children"
        process.send_signal(stop_signal)
        assert process.wait(timeout=STOP_SECONDS) == 0
        time.sleep(1)
        assert [pid for pid in servers if alive(pid)] == []
    finally:
        for pid in set(servers) | set(children_of(process.pid)):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
