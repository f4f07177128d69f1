"""The tracker store's database, read from the endpoints file Rasa reads.

The action server and `make stats` count and read in the same database as the
tracker store: SQLite `var/tracker.db` with `endpoints.yml`, PostgreSQL with
`deploy/endpoints.scaled.yml` (`${DB_HOST}`... from the environment, as Rasa
expands them). The URL is built as Rasa's `SQLTrackerStore.get_db_url` builds it
(a test compares the two) without importing Rasa, which the action server does
not otherwise need. Relative SQLite paths are relative to the working directory,
as for Rasa: every server of the project runs in the project's root.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Mapping, Optional
from urllib import parse

import sqlalchemy as sa
import yaml
from sqlalchemy.engine import URL

# The tracker store types whose database can hold the counters.
SQL_STORE_TYPES = ("sql", "SQLTrackerStore", "PrivateSQLTrackerStore")
_VARIABLE = re.compile(r"\$\{([^}^{]+)\}")
# A PostgreSQL server that does not answer must not hold a writer for minutes.
CONNECT_TIMEOUT_SECONDS = 5


class NoDatabase(Exception):
    """The endpoints file names no SQL tracker store (its message says why)."""


def _expand(value: Any, env: Mapping[str, str]) -> Any:
    """`${VAR}` replaced from `env`, as Rasa does; an unset variable is an error."""
    if not isinstance(value, str):
        return value

    def replace(match: "re.Match[str]") -> str:
        name = match.group(1)
        if name not in env:
            raise NoDatabase(f"the environment variable {name} is not set")
        return env[name]

    return _VARIABLE.sub(replace, value)


def tracker_store_url(endpoints: Path, env: Optional[Mapping[str, str]] = None) -> URL:
    """The SQLAlchemy URL of the tracker store configured in `endpoints`."""
    env = os.environ if env is None else env
    try:
        config = yaml.safe_load(endpoints.read_text(encoding="utf-8")) or {}
    except OSError as error:
        reason = type(error).__name__
        raise NoDatabase(f"{endpoints} cannot be read ({reason})") from None
    store = config.get("tracker_store") or {}
    kind = str(store.get("type", ""))
    if kind.rpartition(".")[2] not in SQL_STORE_TYPES:
        raise NoDatabase(f"{endpoints.name} names no SQL tracker store")
    values = {key: _expand(value, env) for key, value in store.items()}
    return sql_url(
        dialect=values.get("dialect") or "sqlite",
        host=values.get("url") or values.get("host") or None,
        port=int(values["port"]) if values.get("port") else None,
        db=values.get("db") or "rasa.db",
        username=values.get("username") or None,
        password=values.get("password"),
        query=values.get("query") or {},
    )


def sql_url(
    dialect: str,
    host: Optional[str],
    port: Optional[int],
    db: str,
    username: Optional[str],
    password: Optional[str],
    query: Mapping[str, Any],
) -> URL:
    """What `SQLTrackerStore.get_db_url` returns for the same values."""
    if host and "://" in host:
        return sa.engine.make_url(host)
    if host:
        parsed = parse.urlsplit(f"scheme://{host}")
        port = parsed.port or port
        host = parsed.hostname or host
    return URL.create(
        dialect,
        username=username,
        password=password,
        host=host,
        port=port,
        database=db,
        query=dict(query),
    )


def engine_for(url: URL) -> sa.engine.Engine:
    """An engine for counting and reading (a connect timeout on PostgreSQL)."""
    if url.get_backend_name() == "postgresql":
        return sa.create_engine(
            url,
            pool_pre_ping=True,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS},
        )
    return sa.create_engine(url)


def engine_from_endpoints(
    endpoints: Path, env: Optional[Mapping[str, str]] = None
) -> sa.engine.Engine:
    return engine_for(tracker_store_url(endpoints, env))
