"""`make run-scaled`: the scale-out profile on one machine.

    python -m bot.run.scaled               # replicas on 5005 and 5006, actions on 5055
    python -m bot.run.scaled --replicas 3  # 5005, 5006, 5007

Two (or more) Rasa replicas and one action server, configured by
`deploy/endpoints.scaled.yml`: one PostgreSQL tracker store and one Redis lock
store (`ReplicaSafeRedisLockStore`) shared by every replica, as behind a load
balancer. Any replica can take any message of any conversation.

The services are the local ones unless the environment says otherwise:
DB_HOST (127.0.0.1), DB_PORT (5432), DB_USER (postgres), DB_PASSWORD (empty),
DB_DATABASE (referralbot, created if missing), REDIS_HOST (127.0.0.1),
REDIS_PORT (6379), REDIS_PASSWORD (empty), REDIS_DB (1), LOCK_KEY_PREFIX
(referralbot), RATE_LIMIT_STORE (redis: the per-sender rate limit is shared by
the replicas in the same Redis, `bot.guard.rate_limit`). The action server gets
a fresh ACTION_SERVER_SECRET each run unless one is set. Ctrl-C or SIGTERM stops
every server.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

import yaml

from bot.run.cli import (
    BIN,
    SERVER_DEFAULTS,
    VAR,
    api_arguments,
    check_dataset,
    runtime_credentials,
    stop,
    stop_on_signals,
    wait_until_up,
)
from bot.run.training import ROOT, ensure_model

ENDPOINTS = ROOT / "deploy" / "endpoints.scaled.yml"
DEFAULTS: Dict[str, str] = {
    "DB_HOST": "127.0.0.1",
    "DB_PORT": "5432",
    "DB_USER": "postgres",
    "DB_PASSWORD": "",
    "DB_DATABASE": "referralbot",
    "REDIS_HOST": "127.0.0.1",
    "REDIS_PORT": "6379",
    "REDIS_PASSWORD": "",
    "REDIS_DB": "1",
    "LOCK_KEY_PREFIX": "referralbot",
    "RATE_LIMIT_STORE": "redis",
}


@dataclass(frozen=True)
class Profile:
    """Where the servers of the profile listen."""

    replica_ports: Sequence[int] = (5005, 5006)
    action_port: int = 5055
    host: str = "127.0.0.1"

    def replica_urls(self) -> List[str]:
        return [f"http://127.0.0.1:{port}" for port in self.replica_ports]


def profile_env(
    profile: Profile, base: Optional[Mapping[str, str]] = None
) -> Dict[str, str]:
    """The environment of every server: `base` over the local defaults."""
    base = dict(os.environ if base is None else base)
    env = {**SERVER_DEFAULTS, **DEFAULTS, **base}
    action_url = f"http://127.0.0.1:{profile.action_port}/webhook"
    env.setdefault("ACTION_SERVER_URL", action_url)
    if not env.get("ACTION_SERVER_SECRET"):
        env["ACTION_SERVER_SECRET"] = secrets.token_hex(16)
    return {
        **env,
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(ROOT),
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    }


def ensure_database(env: Mapping[str, str]) -> bool:
    """Create DB_DATABASE on the PostgreSQL server if missing; True if created.

    Done once here, before the replicas start: Rasa's own `login_db` option
    creates it from every replica at once, and all but one of them fail.
    """
    import sqlalchemy as sa
    from sqlalchemy.engine import URL

    name = env["DB_DATABASE"]
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
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": name},
            ).scalar()
            if not exists:
                quoted = admin.dialect.identifier_preparer.quote(name)
                connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()
    return not exists


def replica_credentials(profile: Profile) -> Path:
    """The runtime credentials, with each replica's own origin allowed for the
    web chat (a page served by port 5006 talks to port 5006)."""
    credentials = yaml.safe_load(runtime_credentials().read_text()) or {}
    webchat = credentials.get("bot.channels.webchat.WebChatInput")
    if isinstance(webchat, dict):
        origins = list(webchat.get("cors_allowed_origins") or [])
        for port in profile.replica_ports:
            for host in ("localhost", "127.0.0.1"):
                origin = f"http://{host}:{port}"
                if origin not in origins:
                    origins.append(origin)
        webchat["cors_allowed_origins"] = origins
    VAR.mkdir(exist_ok=True)
    path = VAR / "credentials.scaled.yml"
    path.write_text(yaml.safe_dump(credentials, sort_keys=False), encoding="utf-8")
    return path


def start_action_server(
    profile: Profile, env: Mapping[str, str], log: Optional[Path] = None
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            BIN / "python",
            "-m",
            "actions.server",
            "--port",
            str(profile.action_port),
            "--endpoints",  # referral statistics in the same PostgreSQL database
            str(ENDPOINTS),
        ],
        cwd=ROOT,
        env=dict(env),
        stdout=log.open("ab") if log else None,
        stderr=subprocess.STDOUT if log else None,
    )


def start_replica(
    model: Path,
    port: int,
    credentials: Path,
    env: Mapping[str, str],
    host: str = "127.0.0.1",
    endpoints: Path = ENDPOINTS,
    log: Optional[Path] = None,
) -> subprocess.Popen:
    return subprocess.Popen(
        [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(credentials),
            "--interface",
            host,
            "--port",
            str(port),
            *api_arguments(),
        ],
        cwd=ROOT,
        env=dict(env),
        stdout=log.open("ab") if log else None,
        stderr=subprocess.STDOUT if log else None,
    )


def main(argv: Optional[List[str]] = None) -> int:
    stop_on_signals()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--first-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    profile = Profile(
        tuple(args.first_port + n for n in range(args.replicas)),
        args.action_port,
        args.host,
    )

    check_dataset()
    model = ensure_model()
    env = profile_env(profile)
    try:
        created = ensure_database(env)
    except Exception as error:
        sys.exit(f"error: PostgreSQL at {env['DB_HOST']}:{env['DB_PORT']}: {error}")
    if created:
        print(f"Created database {env['DB_DATABASE']}.", flush=True)
    credentials = replica_credentials(profile)
    processes: List[subprocess.Popen] = []
    try:
        actions = start_action_server(profile, env)
        processes.append(actions)
        wait_until_up(f"http://127.0.0.1:{profile.action_port}/health", actions, 60)
        replicas = [
            start_replica(model, port, credentials, env, profile.host)
            for port in profile.replica_ports
        ]
        processes.extend(replicas)
        for url, replica in zip(profile.replica_urls(), replicas, strict=False):
            wait_until_up(f"{url}/", replica, 240)
        print("\nScale-out profile: every replica serves every conversation.")
        for url in profile.replica_urls():
            print(
                f"REST: POST {url.replace('127.0.0.1', 'localhost')}"
                "/webhooks/rest/webhook",
                flush=True,
            )
        print(
            f"Tracker store: PostgreSQL {env['DB_HOST']}:{env['DB_PORT']}"
            f"/{env['DB_DATABASE']}; lock store: Redis {env['REDIS_HOST']}:"
            f"{env['REDIS_PORT']} db {env['REDIS_DB']}; rate limit: "
            f"{env['RATE_LIMIT_STORE']}.",
            flush=True,
        )
        print(
            "Try: curl -s -H 'Content-Type: application/json' "
            f"{profile.replica_urls()[-1]}/webhooks/rest/webhook "
            """-d '{"sender": "me", "message": "ahoj"}'""",
            flush=True,
        )
        print("Press Ctrl-C to stop.", flush=True)
        while True:  # until a server exits or Ctrl-C
            for process in processes:
                try:
                    return process.wait(timeout=1)
                except subprocess.TimeoutExpired:
                    continue
    except KeyboardInterrupt:
        return 0
    finally:
        stop(processes)


if __name__ == "__main__":
    sys.exit(main())
