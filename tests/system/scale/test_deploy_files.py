"""The deployment files: safe settings, no secret in them, and Rasa can load them.

`deploy/endpoints.scaled.yml` is read by Rasa's own `read_endpoint_config` and
its stores are built by Rasa's own factories (`TrackerStore.create`,
`LockStore.create`), against the local PostgreSQL and Redis. The Helm values
and the Compose file are checked for the overrides of unsafe defaults and for
configuring the same stores; neither Helm nor Docker runs here
(deploy/README.md says what was validated how).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List

import pytest
import yaml
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import read_endpoint_config

from bot.stores.lock_store import ReplicaSafeRedisLockStore
from bot.stores.tracker_store import PrivateSQLTrackerStore
from tests.support import ROOT
from tests.support.services import (
    PG_HOST,
    PG_PORT,
    PG_USER,
    REDIS_HOST,
    REDIS_PORT,
    REDIS_TEST_DB,
)

DEPLOY = ROOT / "deploy"
ENDPOINTS = DEPLOY / "endpoints.scaled.yml"
PLACEHOLDER = re.compile(r"^\$\{([A-Z_]+)\}$")
# A setting whose name ends like this holds a secret (not `existingSecret`,
# which names a Kubernetes secret, nor `key_prefix`).
SECRET_NAME = re.compile(r"(password|secret|token|_key)$")
OUR_LOCK_STORE = "bot.stores.lock_store.ReplicaSafeRedisLockStore"
OUR_TRACKER_STORE = "bot.stores.tracker_store.PrivateSQLTrackerStore"


def load(name: str) -> Any:
    with (DEPLOY / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def leaves(tree: Any, path: str = "") -> Iterator[tuple]:
    """(dotted path, value) of every scalar in a YAML tree."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, f"{path}.{key}" if path else str(key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from leaves(value, f"{path}[{index}]")
    else:
        yield path, tree


def placeholders(tree: Any) -> set:
    return {
        match.group(1)
        for _, value in leaves(tree)
        if isinstance(value, str) and (match := PLACEHOLDER.match(value))
    }


def looks_secret(path: str) -> bool:
    last = path.rsplit(".", 1)[-1].lower()
    return "existing" not in last and bool(SECRET_NAME.search(last))


@pytest.fixture
def scaled_env(
    monkeypatch: pytest.MonkeyPatch, postgres_db: str, redis_prefix: str
) -> Dict[str, str]:
    env = {
        "ACTION_SERVER_URL": "http://127.0.0.1:5055/webhook",
        "ACTION_SERVER_SECRET": "s3cret-from-env",
        "DB_HOST": PG_HOST,
        "DB_PORT": str(PG_PORT),
        "DB_USER": PG_USER,
        "DB_PASSWORD": "",
        "DB_DATABASE": postgres_db,
        "REDIS_HOST": REDIS_HOST,
        "REDIS_PORT": str(REDIS_PORT),
        "REDIS_PASSWORD": "",
        "REDIS_DB": str(REDIS_TEST_DB),
        "LOCK_KEY_PREFIX": redis_prefix,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


# --- deploy/endpoints.scaled.yml -------------------------------------------


def test_scaled_endpoints_hold_no_secret_value() -> None:
    endpoints = load("endpoints.scaled.yml")

    for path, value in leaves(endpoints):
        if looks_secret(path):
            assert PLACEHOLDER.match(str(value)), f"{path} must be ${{VAR}}: {value!r}"


async def test_rasa_builds_our_stores_from_the_scaled_endpoints(
    scaled_env: Dict[str, str],
) -> None:
    tracker_config = read_endpoint_config(str(ENDPOINTS), "tracker_store")
    lock_config = read_endpoint_config(str(ENDPOINTS), "lock_store")
    action = read_endpoint_config(str(ENDPOINTS), "action_endpoint")

    tracker_store = TrackerStore.create(tracker_config, Domain.empty())
    lock_store = LockStore.create(lock_config)

    assert isinstance(tracker_store, PrivateSQLTrackerStore)
    url = tracker_store.engine.url
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql",
        PG_HOST,
        PG_PORT,
        scaled_env["DB_DATABASE"],
    )
    assert isinstance(lock_store, ReplicaSafeRedisLockStore)
    assert lock_store.key_prefix == f"{scaled_env['LOCK_KEY_PREFIX']}:conversation:"
    assert lock_store.red.connection_pool.connection_kwargs["db"] == REDIS_TEST_DB
    async with lock_store.lock("deploy-check"):  # it reaches Redis
        assert await lock_store.red.exists(lock_store.key("deploy-check"))
    await lock_store.close()
    tracker_store.engine.dispose()
    assert action is not None
    assert action.url == scaled_env["ACTION_SERVER_URL"]
    assert action.headers == {"X-Action-Server-Secret": "s3cret-from-env"}


def test_rasa_refuses_the_scaled_endpoints_with_a_variable_unset(
    scaled_env: Dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACTION_SERVER_SECRET")

    with pytest.raises(RasaException, match="ACTION_SERVER_SECRET"):
        read_endpoint_config(str(ENDPOINTS), "action_endpoint")


# --- deploy/helm/values.yml (Rasa's `rasa` chart) --------------------------


def chart_endpoints(values: Dict[str, Any]) -> Dict[str, Any]:
    """The endpoints.yml the chart's config map renders from these values
    (templates/config-map.yaml: `enabled` dropped, null keys deleted by Helm)."""
    settings = values["applicationSettings"]["endpoints"]
    rendered: Dict[str, Any] = {}
    sections = (("tracker_store", "trackerStore"), ("lock_store", "lockStore"))
    for key, section in sections:
        if settings[section]["enabled"]:
            rendered[key] = {
                name: value
                for name, value in settings[section].items()
                if name != "enabled" and value is not None
            }
    rendered.update(settings.get("additionalEndpoints") or {})
    return rendered


def argument_after(args: List[str], flag: str) -> Any:
    return args[args.index(flag) + 1] if flag in args else None


def test_helm_values_override_the_charts_unsafe_defaults() -> None:
    values = load("helm/values.yml")
    settings = values["applicationSettings"]
    args = values["args"]
    env = {entry["name"]: entry for entry in values["extraEnv"]}

    assert settings["telemetry"]["enabled"] is False
    assert settings["cors"] != "*" and argument_after(args, "--cors") in (None, "")
    assert "--cors" not in args
    assert settings["token"] in ("", None)  # the chart's default is "rasaToken"
    assert argument_after(args, "--auth-token") == "$(RASA_API_TOKEN)"
    assert "secretKeyRef" in env["RASA_API_TOKEN"]["valueFrom"]
    assert settings["initialModel"] == ""  # no model downloaded from the internet
    assert settings["endpoints"]["lockStore"]["enabled"] is True
    assert settings["endpoints"]["lockStore"]["type"] == OUR_LOCK_STORE
    assert values["replicaCount"] >= 2
    webchat = settings["credentials"]["additionalChannelCredentials"][
        "bot.channels.webchat.WebChatInput"
    ]
    assert "*" not in webchat["cors_allowed_origins"]


def test_helm_values_hold_no_secret_value() -> None:
    for name in ("helm/values.yml", "helm/action-server-values.yml"):
        values = load(name)
        for path, value in leaves(values):
            if looks_secret(path) and value not in ("", None):
                assert PLACEHOLDER.match(str(value)), f"{name}: {path} = {value!r}"
        for entry in values.get("extraEnv", []):
            if looks_secret(entry["name"]):
                assert "secretKeyRef" in entry.get("valueFrom", {}), entry["name"]


def test_helm_values_configure_the_same_stores_as_the_scaled_endpoints() -> None:
    values = load("helm/values.yml")
    scaled = load("endpoints.scaled.yml")
    # DB_* and REDIS_HOST/PORT/PASSWORD are set by the chart (rasa-common).
    provided = {
        "DB_HOST",
        "DB_PORT",
        "DB_USER",
        "DB_PASSWORD",
        "DB_DATABASE",
        "REDIS_HOST",
        "REDIS_PORT",
        "REDIS_PASSWORD",
    }
    provided |= {entry["name"] for entry in values["extraEnv"]}

    assert chart_endpoints(values) == scaled
    assert placeholders(scaled) <= provided


def test_helm_action_server_values() -> None:
    values = load("helm/action-server-values.yml")
    env = {entry["name"]: entry for entry in values["extraEnv"]}

    assert values["command"] == ["python", "-m", "actions.server"]
    assert values["applicationSettings"]["telemetry"]["enabled"] is False
    assert "secretKeyRef" in env["ACTION_SERVER_SECRET"]["valueFrom"]
    assert values["service"]["type"] == "ClusterIP"


# --- deploy/compose.yml and deploy/nginx.conf -------------------------------


def test_compose_runs_two_replicas_behind_the_load_balancer() -> None:
    compose = load("compose.yml")
    services = compose["services"]
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")

    assert {"rasa1", "rasa2", "actions", "postgres", "redis", "nginx"} <= set(services)
    for replica in ("rasa1", "rasa2"):
        command = services[replica]["command"]
        assert argument_after(command, "--endpoints") == "deploy/endpoints.scaled.yml"
        assert "--cors" not in command and "--enable-api" not in command
        assert services[replica]["environment"]["RASA_TELEMETRY_ENABLED"] == "false"
        assert f"server {replica}:5005;" in nginx
    assert services["nginx"]["ports"] == ["127.0.0.1:8080:80"]
    assert "ports" not in services["actions"]  # reached by the replicas only


def test_compose_takes_every_secret_from_the_environment() -> None:
    compose = load("compose.yml")
    replica_env = compose["services"]["rasa1"]["environment"]

    for path, value in leaves(compose["services"]):
        if looks_secret(path):
            assert re.fullmatch(
                r"\$\{[A-Z_]+:\?[^}]*\}", str(value)
            ), f"{path} = {value!r}"
    assert placeholders(load("endpoints.scaled.yml")) <= set(replica_env)
