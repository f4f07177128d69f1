"""Never silent, with the real servers: whatever happens to the action server, the
child gets the safety net (116 111, 158/112) within 3 s; and when the action server
comes back, the conversation goes on where it was."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from referrals import load_dataset
from tests.safety.servers import Reply, running_servers, skip_reason

pytestmark = [
    pytest.mark.servers,
    pytest.mark.skipif(bool(skip_reason()), reason=skip_reason() or "ready"),
]

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
        tmp_path, actions_package="tests.safety.raising_actions"
    ) as servers:
        reply = servers.say(f"{DISCLOSURE} {MARKER}")

        assert reply.seconds < 3.0 and is_safety_net(reply)
        assert MARKER not in servers.logs()
        assert "RuntimeError" in servers.logs()
