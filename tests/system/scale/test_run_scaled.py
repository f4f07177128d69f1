"""`make run-scaled` (bot/run/scaled.py): its environment, database and credentials.

Starting the whole profile is tests/system/scale/test_two_replicas.py.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from bot.run import scaled
from bot.run.scaled import Profile, ensure_database, profile_env, replica_credentials
from tests.support.services import PG_HOST, PG_PORT, PG_USER, postgres_url, require


def test_the_environment_defaults_to_the_local_services_and_a_fresh_secret() -> None:
    profile = Profile((5005, 5006), 5055)

    first, second = profile_env(profile, {}), profile_env(profile, {})

    assert (first["DB_HOST"], first["DB_PORT"], first["DB_DATABASE"]) == (
        "127.0.0.1",
        "5432",
        "referralbot",
    )
    assert (first["REDIS_HOST"], first["REDIS_PORT"]) == ("127.0.0.1", "6379")
    assert first["ACTION_SERVER_URL"] == "http://127.0.0.1:5055/webhook"
    assert first["RASA_TELEMETRY_ENABLED"] == "false"
    assert len(first["ACTION_SERVER_SECRET"]) == 32
    assert first["ACTION_SERVER_SECRET"] != second["ACTION_SERVER_SECRET"]


def test_the_callers_environment_wins() -> None:
    env = profile_env(
        Profile(), {"DB_HOST": "db.internal", "ACTION_SERVER_SECRET": "given"}
    )

    assert (env["DB_HOST"], env["ACTION_SERVER_SECRET"]) == ("db.internal", "given")


def test_a_missing_database_is_created_once() -> None:
    require("PostgreSQL", PG_HOST, PG_PORT)
    name = f"rasa_scale_{uuid.uuid4().hex[:10]}"
    env = profile_env(
        Profile(),
        {
            "DB_HOST": PG_HOST,
            "DB_PORT": str(PG_PORT),
            "DB_USER": PG_USER,
            "DB_PASSWORD": "",
            "DB_DATABASE": name,
        },
    )
    try:
        assert ensure_database(env) is True
        assert ensure_database(env) is False
    finally:
        admin = sa.create_engine(postgres_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def test_each_replica_may_serve_the_web_chat_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scaled, "VAR", tmp_path)
    monkeypatch.setattr("bot.run.cli.VAR", tmp_path)

    path = replica_credentials(Profile((5005, 5006), 5055))

    credentials = yaml.safe_load(path.read_text())
    origins = credentials["bot.channels.webchat.WebChatInput"]["cors_allowed_origins"]
    assert {"http://localhost:5006", "http://127.0.0.1:5006"} <= set(origins)
    assert "*" not in origins
    assert "bot.channels.rest.SafeRestInput" in credentials
