"""Never silent, with the real servers: whatever happens to the action server, the
child gets the safety net (116 111, 158/112) within 3 s; and when the action server
comes back, the conversation goes on where it was."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.support.servers import (
    DISCLOSURE,
    DISCLOSURE_EN,
    MARKER,
    NO,
    is_referral,
    is_safety_net,
    running_servers,
    skip_reason,
)

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(bool(skip_reason()), reason=skip_reason() or "ready"),
]


def test_stopped_killed_and_restarted_action_server(tmp_path: Path) -> None:
    with running_servers(tmp_path) as servers:
        assert is_referral(servers.say(DISCLOSURE), "sextortion")
        assert servers.actions is not None

        os.kill(servers.actions.pid, signal.SIGSTOP)  # hangs: accepts, never answers
        try:
            hung = servers.say(f"{DISCLOSURE} {MARKER}")
            hung_en = servers.say(DISCLOSURE_EN, sender="english-child")
        finally:
            os.kill(servers.actions.pid, signal.SIGCONT)
        assert hung.seconds < 3.0 and is_safety_net(hung)
        assert hung_en.seconds < 3.0 and is_safety_net(hung_en, "en")

        servers.actions.kill()  # gone: connection refused
        servers.actions.wait()
        gone = servers.say(DISCLOSURE)
        assert gone.seconds < 3.0 and is_safety_net(gone)

        servers.start_actions()  # back: the conversation goes on where it was
        assert is_referral(servers.say(NO), "not_safe")

        assert MARKER not in servers.logs()


def test_an_action_that_raises(tmp_path: Path) -> None:
    with running_servers(
        tmp_path, actions_package="tests.support.raising_actions"
    ) as servers:
        reply = servers.say(f"{DISCLOSURE} {MARKER}")

        assert reply.seconds < 3.0 and is_safety_net(reply)
        assert MARKER not in servers.logs()
        assert "RuntimeError" in servers.logs()
