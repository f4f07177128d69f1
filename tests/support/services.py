"""The local PostgreSQL and Redis: throwaway databases and keys for the tests.

Both services run on this machine at 127.0.0.1 (and in CI). Without them the
tests skip locally and fail in CI, like the other server tests.
"""

from __future__ import annotations

import contextlib
import os
import socket
import uuid
from typing import Iterator

import pytest

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
# A Redis database index for tests only; the tests delete just their own keys.
REDIS_TEST_DB = 15


def reachable(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def require(service: str, host: str, port: int) -> None:
    if not reachable(host, port):
        message = f"{service} is not running at {host}:{port}"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must not pass by skipping
        pytest.skip(message)


def postgres_url(database: str) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


@contextlib.contextmanager
def throwaway_redis_prefix() -> Iterator[str]:
    """A fresh alphanumeric key prefix in the test database; its keys go after."""
    import redis

    prefix = f"scaletest{uuid.uuid4().hex[:10]}"
    try:
        yield prefix
    finally:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_TEST_DB)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        client.close()


@contextlib.contextmanager
def throwaway_database() -> Iterator[str]:
    """A new, empty PostgreSQL database with Rasa's tables; dropped afterwards."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    name = f"rasa_scale_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url("postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    try:
        engine = sa.create_engine(postgres_url(name))
        SQLTrackerStore.Base.metadata.create_all(engine)
        engine.dispose()
        yield name
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
