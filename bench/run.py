"""`make bench`: every figure, ours beside the stock assistant, in one table.

    python -m bench.run                      # full run (trains ours once, in a tmp dir)
    python -m bench.run -n 5 --rounds 1 --no-train --no-stock   # a quick look
    python -m bench.run --no-stock --no-train --variant default,sqlite-tuned
                                             # levers, before and after

The assistants (and variants) run one after the other on the same machine,
never together, so they do not compete for the two cores; the load generator
runs on the same machine for all of them. `make bench BENCH_ARGS="..."` passes
options through.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Text, Tuple

from bench.load import LoadResult, fallback_texts, run_load, scripted_exchanges, warm_up
from bench.report import Figures, levers_table, table
from bench.servers import ServerPair, stop_servers_on_sigterm
from bench.startup import Training, serve_ours, train_into
from bench.stock import serve_stock, stock_project
from bench.variants import VARIANTS, prepared
from bot.run.training import model_path


def load_figures(result: LoadResult) -> Dict[Text, float]:
    return {
        "users": result.users,
        "turns": result.turns,
        "p50": result.p(50),
        "p95": result.p(95),
        "p99": result.p(99),
        "throughput": result.throughput,
        "errors": result.errors,
    }


def measure(server: ServerPair, assistant: Text, users: int, rounds: int) -> Figures:
    """Warm up; one user alone (4 x `rounds` exchanges); then `users` at once."""
    exchanges = scripted_exchanges(assistant)
    fallbacks = fallback_texts(assistant)
    cpu: Dict[Text, Dict[Text, float]] = {}

    async def both() -> Tuple[LoadResult, LoadResult]:
        await warm_up(server.url, exchanges)
        single = await run_load(
            server.url, exchanges, users=1, rounds=rounds * 4, fallbacks=fallbacks
        )
        cpu["before"] = server.cpu_s()
        loaded = await run_load(
            server.url, exchanges, users=users, rounds=rounds, fallbacks=fallbacks
        )
        cpu["after"] = server.cpu_s()
        return single, loaded

    single, loaded = asyncio.run(both())
    answered = max(1, len(loaded.latencies_ms))
    cpu_ms = {
        f"cpu_ms_{name}": (cpu["after"][name] - cpu["before"][name]) * 1000 / answered
        for name in ("rasa", "actions")
    }
    print(f"  alone:  {single.summary()}", flush=True)
    print(f"  loaded: {loaded.summary()}", flush=True)
    memory = server.rss_mb()
    memory["total_peak"] = memory["rasa_peak"] + memory["actions_peak"]
    return Figures(
        name=assistant,
        cold_start_s=server.cold_start_s,
        single=load_figures(single),
        loaded={**load_figures(loaded), **cpu_ms},
        rss_mb=memory,
        error_samples=single.error_samples + loaded.error_samples,
    )


def bench_assistant(
    serve: Callable[[Path], Any],
    assistant: Text,
    users: int,
    rounds: int,
    label: Optional[Text] = None,
) -> Figures:
    """Start `assistant` ("ours" or "stock") with `serve`, measure, stop it."""
    label = label or assistant
    with tempfile.TemporaryDirectory(prefix=f"bench-{assistant}-") as tmp:
        with serve(Path(tmp)) as server:
            print(f"{label}: cold start {server.cold_start_s:.1f} s", flush=True)
            figures = measure(server, assistant, users, rounds)
    figures.name = label
    return figures


@contextlib.contextmanager
def serve_variant(
    workdir: Path, model: Path, variant: Text, env: Dict[Text, Text]
) -> Iterator[ServerPair]:
    counts = VARIANTS[variant].counts
    with prepared(variant, workdir) as (endpoints, variant_env):
        environment = {**variant_env, **env}
        with serve_ours(workdir, model, endpoints, environment, counts) as server:
            yield server


def parse_env(pairs: List[Text]) -> Dict[Text, Text]:
    return dict(pair.split("=", 1) for pair in pairs)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-train", action="store_true", help="skip timing training")
    parser.add_argument("--no-stock", action="store_true", help="skip the stock run")
    parser.add_argument("--model", type=Path, help="our model (default: current)")
    parser.add_argument(
        "--variant",
        default="default",
        help=f"comma-separated, the first in the main table: {', '.join(VARIANTS)}",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for our servers (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    stop_servers_on_sigterm()
    variants = args.variant.split(",")
    unknown = [name for name in variants if name not in VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {unknown}; known: {list(VARIANTS)}")

    model = args.model or model_path()
    if not model.exists():
        parser.error(f"{model} is missing: run `make model` first")
    env = parse_env(args.env)
    print(
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}, {os.cpu_count()} CPUs, "
        f"{args.users} users x {args.rounds} rounds",
        flush=True,
    )

    stock: Optional[Figures] = None
    if not args.no_stock:
        _, stock_model, stock_train_s = stock_project()
        stock = bench_assistant(serve_stock, "stock", args.users, args.rounds)
        stock.train_s = stock_train_s
        stock.model_mb = stock_model.stat().st_size / 2**20

    runs: List[Figures] = []
    for variant in variants:
        figures = bench_assistant(
            lambda tmp, v=variant: serve_variant(tmp, model, v, env),  # type: ignore
            "ours",
            args.users,
            args.rounds,
            label=variant,
        )
        figures.model_mb = model.stat().st_size / 2**20
        runs.append(figures)
    ours = runs[0]
    if not args.no_train:
        with tempfile.TemporaryDirectory(prefix="bench-train-") as tmp:
            training: Training = train_into(Path(tmp))
        ours.train_s = training.seconds
        print(f"ours: training {training.seconds:.0f} s", flush=True)

    print()
    print(table(ours, stock, args.users))
    if len(runs) > 1:
        print()
        print(levers_table(runs, args.users, stock))
    for run in [*runs, *([stock] if stock else [])]:
        for sample in run.error_samples:
            print(f"error ({run.name}): {sample}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "ours": [asdict(run) for run in runs],
                    "stock": stock and asdict(stock),
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
