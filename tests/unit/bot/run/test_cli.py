"""`make run` starts only the project's channels: a channel without the guard and
the start-up hooks (Rasa's own `rest`, say) is refused with a clear error, so the
action timeout, store health and retention purge cannot go missing silently."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from bot.run import cli
from tests.support import ROOT


@pytest.mark.parametrize(
    "path", [ROOT / "credentials.yml", *sorted(ROOT.glob("deploy/credentials*.yml"))]
)
def test_the_shipped_credentials_name_only_the_projects_channels(path: Path) -> None:
    credentials = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert cli.unguarded_channels(credentials) == []
    assert cli.checked_credentials(credentials) == credentials


def test_a_stock_rasa_channel_is_refused_with_what_to_name_instead() -> None:
    with pytest.raises(SystemExit) as refused:
        cli.checked_credentials({"rest": None, "bot.channels.rest.SafeRestInput": None})
    assert "'rest'" in str(refused.value)
    assert "bot.channels.rest.SafeRestInput" in str(refused.value)


def test_no_channel_at_all_is_refused() -> None:
    with pytest.raises(SystemExit) as refused:
        cli.checked_credentials({})
    assert "no channel" in str(refused.value)


def test_the_runtime_credentials_check_what_they_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "credentials.yml").write_text("socketio:\n  user_message_evt: x\n")
    monkeypatch.setattr(cli, "ROOT", tmp_path)
    monkeypatch.setattr(cli, "VAR", tmp_path / "var")
    with pytest.raises(SystemExit) as refused:
        cli.runtime_credentials()
    assert "'socketio'" in str(refused.value)


def test_the_server_queues_a_burst_of_connections_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Rasa's default backlog (100) dropped connections at 500 at once.
    monkeypatch.delenv("SANIC_BACKLOG", raising=False)
    assert int(cli._env()["SANIC_BACKLOG"]) >= 1024
    monkeypatch.setenv("SANIC_BACKLOG", "300")
    assert cli._env()["SANIC_BACKLOG"] == "300"


def test_the_parse_server_gets_a_new_token_that_only_the_rasa_server_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: List[Dict[str, Any]] = []

    def popen(command: List[str], **kwargs: Any) -> str:
        started.append({"command": command, **kwargs})
        return "process"

    monkeypatch.setattr(cli.subprocess, "Popen", popen)
    process, env = cli.start_parse_server(Path("models/m.tar.gz"), 5999)
    _, again = cli.start_parse_server(Path("models/m.tar.gz"), 5999)

    assert process == "process"
    assert env[cli.URL_VARIABLE] == "http://127.0.0.1:5999"
    assert env[cli.TOKEN_VARIABLE] != again[cli.TOKEN_VARIABLE]
    assert len(env[cli.TOKEN_VARIABLE]) >= 24
    command = started[0]["command"]
    assert command[1:3] == ["-m", "bot.run.nlu_server"]
    assert command[-4:] == ["--model", "models/m.tar.gz", "--port", "5999"]
    assert started[0]["env"][cli.TOKEN_VARIABLE] == env[cli.TOKEN_VARIABLE]
