"""The yardstick: the assistant `rasa init` creates, trained with this venv.

    python -m bench.stock -n 20 --rounds 2

The project is created and trained once with `rasa init --no-prompt` into
/tmp/rasa-stock-bench-<hash>, where <hash> covers the Rasa version and the
`rasa init` template, so a new Rasa version or template trains a new one. It
runs as shipped (its own config, in-memory tracker store) with its own action
server, under the same load shape as ours (`bench/conversations.yml`, "stock").
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import rasa
import rasa.cli

from bench.load import LoadResult, run_load, scripted_exchanges, warm_up
from bench.servers import (
    STOCK_ACTION_SERVER,
    ServerPair,
    serving,
    stop_servers_on_sigterm,
)
from tests.support.servers import BIN, relaxed_env

TEMPLATE = Path(rasa.cli.__file__).parent / "initial_project"
CACHE_ROOT = Path(tempfile.gettempdir())
TRAINING_RECORD = "bench-training.json"


def template_hash() -> Text:
    """Rasa version plus every file of the `rasa init` template."""
    digest = hashlib.sha256(rasa.__version__.encode())
    for path in sorted(TEMPLATE.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(TEMPLATE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def stock_project() -> Tuple[Path, Path, float]:
    """The stock project directory, its model, and how long training took.

    Creates and trains it on first use (a few minutes on two cores).
    """
    project = CACHE_ROOT / f"rasa-stock-bench-{template_hash()}"
    record = project / TRAINING_RECORD
    if not record.exists():
        staging = Path(tempfile.mkdtemp(prefix="rasa-stock-staging-", dir=CACHE_ROOT))
        print(f"Creating and training the stock assistant in {project} ...", flush=True)
        started = time.monotonic()
        try:
            subprocess.run(
                [str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(staging)],
                cwd=staging,
                env=relaxed_env(),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        seconds = time.monotonic() - started
        (staging / TRAINING_RECORD).write_text(json.dumps({"train_s": seconds}))
        shutil.rmtree(project, ignore_errors=True)
        os.replace(staging, project)
    models = sorted((project / "models").glob("*.tar.gz"))
    if not models:
        raise FileNotFoundError(f"no model in {project / 'models'}")
    return project, models[-1], json.loads(record.read_text())["train_s"]


def stock_endpoints() -> Dict[Text, Any]:
    """As shipped (in-memory tracker and lock store) plus its action server."""
    return {"action_endpoint": {"url": "{action_url}"}}


def serve_stock(workdir: Path) -> Any:
    """Context manager: the stock assistant and its action server, running."""
    project, model, _ = stock_project()
    first = scripted_exchanges("stock")[0].messages[0]
    return serving(
        model,
        workdir,
        first,
        endpoints=stock_endpoints(),
        credentials={"rest": None},
        actions_dir=project,
        action_server=STOCK_ACTION_SERVER,
    )


async def measure(
    server: ServerPair, users: int, rounds: int
) -> Tuple[LoadResult, LoadResult]:
    """One user alone, then `users` at once, after a warm-up."""
    exchanges = scripted_exchanges("stock")
    await warm_up(server.url, exchanges)
    single = await run_load(server.url, exchanges, users=1, rounds=rounds)
    loaded = await run_load(server.url, exchanges, users=users, rounds=rounds)
    return single, loaded


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    stop_servers_on_sigterm()

    with tempfile.TemporaryDirectory(prefix="bench-stock-") as tmp:
        with serve_stock(Path(tmp)) as server:
            single, loaded = asyncio.run(measure(server, args.users, args.rounds))
            memory = server.rss_mb()
        print(f"stock cold start: {server.cold_start_s:.1f} s")
        print(f"stock alone:  {single.summary()}")
        print(f"stock loaded: {loaded.summary()}")
        print("stock RSS MB: " + ", ".join(f"{k} {v:.0f}" for k, v in memory.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
