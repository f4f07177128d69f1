"""A throwaway PostgreSQL database for the stored-rows tests."""

from __future__ import annotations

import subprocess
import uuid
from typing import Iterator

import pytest


def _psql(sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", sql],
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.fixture
def postgres_db() -> Iterator[str]:
    """A throwaway PostgreSQL database (trust auth on 127.0.0.1:5432)."""
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.skip("psycopg2 is not installed")
    name = f"safety_{uuid.uuid4().hex[:12]}"
    try:
        created = _psql(f"CREATE DATABASE {name}")
    except (FileNotFoundError, subprocess.TimeoutExpired):
        pytest.skip("psql is not available")
    if created.returncode != 0:
        pytest.skip(
            f"PostgreSQL on 127.0.0.1:5432 is not usable: {created.stderr.strip()}"
        )
    try:
        yield name
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
