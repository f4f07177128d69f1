"""Startup figures: training time, model size, cold start, server memory.

    python -m bench.startup            # cold start and memory of the current model
    python -m bench.startup --train    # also train the model afresh into a temp dir

Training goes to a temporary directory, never to models/, so the measurement
does not replace the model `make model` built.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Text

from bench.load import scripted_exchanges
from bench.servers import serving, stop_servers_on_sigterm
from bench.variants import sqlite_endpoints
from bot.run.cli import start_parse_server
from bot.run.training import ROOT, model_path
from bot.server.remote_nlu import URL_VARIABLE
from tests.support.ports import free_port
from tests.support.servers import BIN, relaxed_env, stop, wait_for


@dataclass(frozen=True)
class Training:
    seconds: float
    model_mb: float


def train_into(directory: Path, config: Text = "config.yml") -> Training:
    """Train our assistant from scratch into `directory`; time it.

    Rasa reuses trained components from its cache (.rasa/cache) when their
    inputs did not change; an empty cache directory makes it train them all.
    """
    cache = directory / "rasa-cache"
    cache.mkdir()
    started = time.monotonic()
    subprocess.run(
        [
            str(BIN / "rasa"),
            "train",
            "--config",
            config,
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            str(directory),
            "--fixed-model-name",
            "bench",
        ],
        cwd=ROOT,
        env={**relaxed_env(), "RASA_CACHE_DIRECTORY": str(cache)},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = time.monotonic() - started
    return Training(seconds, (directory / "bench.tar.gz").stat().st_size / 2**20)


OUR_CREDENTIALS = {"bot.channels.rest.SafeRestInput": None}


@contextlib.contextmanager
def serve_ours(
    workdir: Path,
    model: Optional[Path] = None,
    endpoints: Optional[Dict[Text, Any]] = None,
    env: Optional[Mapping[Text, Text]] = None,
    counts: bool = True,
    nlu_process: bool = False,
) -> Iterator[Any]:
    """Context manager: our assistant and action server, running; with
    `nlu_process`, the parse server too (`NLU_PROCESS=1 make run`)."""
    model = model or model_path()
    if not model.exists():
        raise FileNotFoundError(f"{model} is missing: run `make model` first")
    first = scripted_exchanges("ours")[0].messages[0]
    parse_server = None
    parse_env: Dict[Text, Text] = {}
    try:
        if nlu_process:
            parse_server, parse_env = start_parse_server(model, free_port())
            wait_for(f"{parse_env[URL_VARIABLE]}/health", parse_server)
        with serving(
            model,
            workdir,
            first,
            endpoints=endpoints or sqlite_endpoints(workdir, None),
            credentials=OUR_CREDENTIALS,
            env={**(env or {}), **parse_env},
            counts=counts,
        ) as server:
            server.parse = parse_server
            yield server
    finally:
        stop(parse_server)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", action="store_true", help="time a full training")
    parser.add_argument("--config", default="config.yml")
    args = parser.parse_args(argv)
    stop_servers_on_sigterm()

    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        model = model_path(args.config)
        if args.train:
            training = train_into(Path(tmp), args.config)
            model = Path(tmp) / "bench.tar.gz"
            print(f"training: {training.seconds:.0f} s")
        print(f"model size: {model.stat().st_size / 2**20:.1f} MB ({model.name})")
        with serve_ours(Path(tmp) / "servers", model) as server:
            memory = server.rss_mb()
        print(f"cold start to first answer: {server.cold_start_s:.1f} s")
        print("RSS MB: " + ", ".join(f"{k} {v:.0f}" for k, v in memory.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
