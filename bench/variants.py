"""Variants of our assistant that `python -m bench.run --variant ...` compares.

- `default`: endpoints.yml as shipped (SQLite file, Rasa's SQLAlchemy defaults).
  Since 2026-11-29 it includes what the `validate-once` variant measured:
  custom-action results validated with a validator built once
  (`bot.server.action_results`, applied at start-up by bot/server/hooks.py).
- `scaled`: the scale-out profile (deploy/endpoints.scaled.yml): PostgreSQL
  tracker store, Redis lock store, the action server's secret header; on a
  throwaway database and key prefix, removed afterwards.
- `scaled-2-workers`: the same with two Sanic workers in the Rasa server
  (`SANIC_WORKERS=2`, which Rasa allows only with a shared lock store).
- `no-counts`: `default` with an action server that counts no referral
  statistics (`stats/`), to measure what counting costs.
"""

from __future__ import annotations

import contextlib
import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Tuple

import yaml


@dataclass(frozen=True)
class Variant:
    description: str
    tracker_store: Optional[str] = None  # replaces the SQLite store's type
    scaled: bool = False  # deploy/endpoints.scaled.yml on local PostgreSQL/Redis
    env: Mapping[str, str] = field(default_factory=dict)
    counts: bool = True  # the action server counts referral statistics


VARIANTS: Dict[str, Variant] = {
    "default": Variant("endpoints.yml as shipped: SQLite"),
    "scaled": Variant("scale-out profile: PostgreSQL + Redis lock store", scaled=True),
    "scaled-2-workers": Variant(
        "scale-out profile with SANIC_WORKERS=2",
        scaled=True,
        env={"SANIC_WORKERS": "2"},
    ),
    "no-counts": Variant("default without referral statistics", counts=False),
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
    from bot.run.scaled import ENDPOINTS, Profile, ensure_database, profile_env

    env = profile_env(Profile(), {})  # the local services
    env = {
        key: env[key]
        for key in (
            "DB_HOST",
            "DB_PORT",
            "DB_USER",
            "DB_PASSWORD",
            "REDIS_HOST",
            "REDIS_PORT",
            "REDIS_PASSWORD",
            "REDIS_DB",
        )
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
        URL.create(
            "postgresql",
            username=env["DB_USER"] or None,
            password=env["DB_PASSWORD"] or None,
            host=env["DB_HOST"],
            port=int(env["DB_PORT"]),
            database="postgres",
        ),
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
