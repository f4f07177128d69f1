"""Fixtures of the scale-out tests: a throwaway PostgreSQL database and Redis keys."""

from __future__ import annotations

from typing import Iterator

import pytest

from tests.support.services import (
    PG_HOST,
    PG_PORT,
    REDIS_HOST,
    REDIS_PORT,
    require,
    throwaway_database,
    throwaway_redis_prefix,
)


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    require("Redis", REDIS_HOST, REDIS_PORT)
    with throwaway_redis_prefix() as prefix:
        yield prefix


@pytest.fixture(scope="module")
def module_redis_prefix() -> Iterator[str]:
    require("Redis", REDIS_HOST, REDIS_PORT)
    with throwaway_redis_prefix() as prefix:
        yield prefix


@pytest.fixture(scope="module")
def postgres_db() -> Iterator[str]:
    require("PostgreSQL", PG_HOST, PG_PORT)
    with throwaway_database() as name:
        yield name
