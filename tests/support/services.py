"""The local PostgreSQL and Redis: throwaway databases and keys for the tests.

Both services run on this machine at 127.0.0.1 (and in CI). Without them the
tests skip locally and fail in CI, like the other server tests. A test that
stops Redis or PostgreSQL starts its own (`own_redis`, `own_postgres`) and
never touches the machine's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Iterator, Optional

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


def postgres_url(database: str, port: int = PG_PORT) -> str:
    return f"postgresql://{PG_USER}@{PG_HOST}:{port}/{database}"


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

    name = f"rasa_scale_{uuid.uuid4().hex[:10]}"
    create_rasa_database(name)
    try:
        yield name
    finally:
        admin = sa.create_engine(postgres_url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


def create_rasa_database(name: str, port: int = PG_PORT) -> None:
    """Create database `name` on the PostgreSQL at `port`, with Rasa's tables."""
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    admin = sa.create_engine(
        postgres_url("postgres", port), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    admin.dispose()
    engine = sa.create_engine(postgres_url(name, port))
    SQLTrackerStore.Base.metadata.create_all(engine)
    engine.dispose()


REDIS_SERVER = Path("/usr/bin/redis-server")


class OwnRedis:
    """A `redis-server` of the test's own on a free loopback port, which the test
    may stop and start again (same port). Never the machine's Redis.

    `redis-server --port N --save "" --appendonly no`: nothing is written to
    disk, so a restart starts empty (the shared rate limit and the locks start
    afresh, as they would after a Redis failover without persistence).
    """

    def __init__(self, workdir: Path) -> None:
        from tests.support.ports import HOST, free_port

        self.host = HOST
        self.port = free_port(taken={REDIS_PORT})
        self.workdir = workdir
        self.process: Optional[subprocess.Popen] = None

    def start(self, seconds: float = 10) -> None:
        if not REDIS_SERVER.exists():
            pytest.skip(f"{REDIS_SERVER} is not installed")
        log = (self.workdir / f"redis-{self.port}.log").open("ab")
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(self.port),
                "--bind",
                self.host,
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + seconds
        while not reachable(self.host, self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"own redis-server on {self.port} did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop this test's redis-server (SIGTERM, then SIGKILL), by its pid."""
        from tests.support.servers import stop

        process, self.process = self.process, None
        stop(process)


@contextlib.contextmanager
def own_redis(workdir: Path) -> Iterator[OwnRedis]:
    """A started `OwnRedis`, stopped afterwards whatever happened."""
    server = OwnRedis(workdir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


PG_BIN = Path("/usr/lib/postgresql/15/bin")


class OwnPostgres:
    """A PostgreSQL server of the test's own on a free loopback port, in a
    throwaway data directory, which the test may stop and start again (same
    port, same data). Never the machine's PostgreSQL.

    `initdb` and the server refuse to run as root, so as root they run as the
    `postgres` user (`runuser`), with the data directory under the system's
    temporary directory (pytest's own is private to root). Trust authentication
    on 127.0.0.1 only; `fsync=off`: a test's data need not survive a power cut.
    """

    def __init__(self) -> None:
        from tests.support.ports import HOST, free_port

        self.host = HOST
        self.port = free_port(taken={PG_PORT})
        self.user = PG_USER
        self.root = Path(tempfile.mkdtemp(prefix="own-postgres-"))
        self.data = self.root / "data"

    def _run(self, *command: str, timeout: float = 60) -> None:
        argv = [str(PG_BIN / command[0]), *command[1:]]
        if os.geteuid() == 0:
            argv = ["runuser", "-u", PG_USER, "--", *argv]
        result = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{command[0]} failed ({result.returncode}): {result.stderr[-500:]}"
            )

    def init(self) -> None:
        if not (PG_BIN / "initdb").exists():
            pytest.skip(f"{PG_BIN / 'initdb'} is not installed")
        if os.geteuid() == 0:
            shutil.chown(self.root, user=PG_USER)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            PG_USER,
            "-A",
            "trust",
            "--no-sync",
            "-E",
            "UTF8",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses={self.host} "
            f"-k {self.root} -c fsync=off -c full_page_writes=off"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "postgres.log"),
            "start",
        )

    def stop(self) -> None:
        """Fast shutdown: every client connection is cut, as in a restart."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@contextlib.contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A started `OwnPostgres` with a database `rasa` holding Rasa's tables;
    stopped and removed afterwards whatever happened."""
    server = OwnPostgres()
    try:
        server.init()
        server.start()
        create_rasa_database("rasa", server.port)
        yield server
    finally:
        server.remove()
