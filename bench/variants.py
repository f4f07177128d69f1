"""Variants of our assistant that `python -m bench.run --variant ...` compares.

- `default`: endpoints.yml as shipped (SQLite file, Rasa's SQLAlchemy defaults).
- `validate-once`: custom-action results validated against Rasa's response
  schema with a validator built once (`validate_action_results_once`), instead
  of `jsonschema.validate`, which re-checks the schema itself on every call;
  a candidate for bot/channels/server_hooks.py. The benchmark carries it into
  the Rasa process in the tracker store's constructor (`ValidateOnceTrackerStore`).
- `scaled`: the scale-out profile (deploy/endpoints.scaled.yml): PostgreSQL
  tracker store, Redis lock store, the action server's secret header; on a
  throwaway database and key prefix, removed afterwards.
- `scaled-2-workers`: the same with two Sanic workers in the Rasa server
  (`SANIC_WORKERS=2`, which Rasa allows only with a shared lock store).
"""

from __future__ import annotations

import contextlib
import functools
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

import yaml

from bot.stores.tracker_store import PrivateSQLTrackerStore


@functools.lru_cache(maxsize=None)
def _action_result_validator() -> Any:
    import jsonschema
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, not on every action call
    return validator_class(schema)


def _validate_action_result(self: Any, result: Dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result` with the schema checked once."""
    import jsonschema

    try:
        _action_result_validator().validate(result)
    except jsonschema.ValidationError as error:
        error.message += ". Failed to validate Action server response from API."
        raise
    return True


def validate_action_results_once() -> None:
    """Make Rasa validate every custom-action result with one prebuilt validator.

    Rasa 3.6 calls `jsonschema.validate(result, schema)` for every custom-action
    call; jsonschema 4 first validates the schema against its meta-schema each
    time, about 24 ms of CPU per turn here, more than NLU and policies together.
    """
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = _validate_action_result  # type: ignore


class ValidateOnceTrackerStore(PrivateSQLTrackerStore):
    """`PrivateSQLTrackerStore`; building it turns on `validate_action_results_once`
    in the Rasa process (the benchmark's way in, not a design to keep)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        validate_action_results_once()


@dataclass(frozen=True)
class Variant:
    description: str
    tracker_store: Optional[str] = None  # replaces the SQLite store's type
    scaled: bool = False  # deploy/endpoints.scaled.yml on local PostgreSQL/Redis
    env: Mapping[str, str] = field(default_factory=dict)


VARIANTS: Dict[str, Variant] = {
    "default": Variant("endpoints.yml as shipped: SQLite"),
    "validate-once": Variant(
        "custom-action results validated with a schema checked once",
        tracker_store="bench.variants.ValidateOnceTrackerStore",
    ),
    "scaled": Variant("scale-out profile: PostgreSQL + Redis lock store", scaled=True),
    "scaled-2-workers": Variant(
        "scale-out profile with SANIC_WORKERS=2",
        scaled=True,
        env={"SANIC_WORKERS": "2"},
    ),
}


def sqlite_endpoints(workdir: Path, tracker_store: Optional[str]) -> Dict[str, Any]:
    """endpoints.yml as shipped, with the benchmark's own ports and database."""
    return {
        "action_endpoint": {"url": "{action_url}"},
        "tracker_store": {
            "type": tracker_store or "bot.stores.tracker_store.PrivateSQLTrackerStore",
            "dialect": "sqlite",
            "db": str(workdir / "tracker.db"),
        },
    }


@contextlib.contextmanager
def prepared(
    name: str, workdir: Path
) -> Iterator[Tuple[Dict[str, Any], Dict[str, str]]]:
    """The endpoints and extra environment of variant `name`, set up and torn down."""
    variant = VARIANTS[name]
    if not variant.scaled:
        yield sqlite_endpoints(workdir, variant.tracker_store), dict(variant.env)
        return
    from bot.scaled import ENDPOINTS, Profile, ensure_database, profile_env

    env = profile_env(Profile(), {})  # the local services
    env = {
        key: env[key]
        for key in ("DB_HOST", "DB_PORT", "DB_USER", "DB_PASSWORD", "REDIS_HOST",
                    "REDIS_PORT", "REDIS_PASSWORD", "REDIS_DB")
    }
    env.update(
        DB_DATABASE=f"bench_{uuid.uuid4().hex[:10]}",
        LOCK_KEY_PREFIX=f"bench{uuid.uuid4().hex[:10]}",
        ACTION_SERVER_SECRET=secrets.token_hex(16),
        **variant.env,
    )
    endpoints = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))
    endpoints["action_endpoint"]["url"] = "{action_url}"  # the benchmark's port
    ensure_database(env)
    try:
        yield endpoints, env
    finally:
        _drop(env)


def _drop(env: Mapping[str, str]) -> None:
    import redis
    import sqlalchemy as sa
    from sqlalchemy.engine import URL

    admin = sa.create_engine(
        URL.create("postgresql", username=env["DB_USER"] or None,
                   password=env["DB_PASSWORD"] or None, host=env["DB_HOST"],
                   port=int(env["DB_PORT"]), database="postgres"),
        isolation_level="AUTOCOMMIT",
    )
    with admin.connect() as connection:
        connection.execute(
            sa.text(f'DROP DATABASE IF EXISTS "{env["DB_DATABASE"]}" WITH (FORCE)')
        )
    admin.dispose()
    client = redis.Redis(
        host=env["REDIS_HOST"],
        port=int(env["REDIS_PORT"]),
        db=int(env["REDIS_DB"]),
        password=env["REDIS_PASSWORD"] or None,
    )
    keys = list(client.scan_iter(f"{env['LOCK_KEY_PREFIX']}:*"))
    if keys:
        client.delete(*keys)
    client.close()
