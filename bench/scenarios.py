"""The issue-15 scenarios: turn cost along one long conversation, steady load of
long conversations, and overload, each with fresh sender ids.

    python -m bench.scenarios [--assistant ours|stock|both] [--turn-cost 400]
        [--steady 20x40] [--overload 200,500] [--soak 30@10] [--model PATH]
        [--json FILE]

- turn cost: one user, one conversation of `--turn-cost` turns (the scripted
  exchanges one after another, same conversation id); the median latency of the
  turns around turn 1, 50, 200 and 400.
- steady: `U x T`: U users at once, each one conversation of T turns.
- overload: N conversations start at the same instant (one scripted exchange
  each); p50/p95/p99 over every turn and the share answered by the safety net.
- soak: `M@R`: M minutes at a steady R turns a second (a turn starts every 1/R
  s whether or not earlier ones are answered), each conversation SOAK_TURNS
  turns and then a new sender; the resident memory of both servers once a
  minute, and p95 over the first and the last SOAK_WINDOW_MIN minutes. Off
  unless asked for (`--soak 0` by default).

`make bench-scenarios` runs it with short defaults; the README's figures come
from the full arguments (`BENCH_SCENARIOS_ARGS`).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Text

import aiohttp

from bench.load import REST_PATH, percentile, scripted_exchanges, warm_up

POINTS = (1, 50, 200, 400)
SOAK_TURNS = 20
SOAK_WINDOW_MIN = 5
SOAK_SAMPLE_S = 60
# One sender talks for 400 turns without pause: the per-sender limit would
# answer most of them itself (without Rasa).
LONG_CONVERSATIONS = {"RATE_LIMIT_PER_MINUTE": "1000000", "RATE_LIMIT_BURST": "1000000"}
WINDOW = 2


def _script(assistant: Text) -> List[Text]:
    return [m for exchange in scripted_exchanges(assistant) for m in exchange.messages]


def safety_net_texts(assistant: Text) -> frozenset:
    if assistant != "ours":
        return frozenset()
    from bot.guard.replies import SafetyReplies

    replies = SafetyReplies.from_dataset()
    return frozenset(m[0]["text"] for m in replies.safety_net.values() if m)


async def _turn(
    session: aiohttp.ClientSession, url: Text, sender: Text, text: Text
) -> Dict[Text, Any]:
    started = time.perf_counter()
    try:
        async with session.post(url, json={"sender": sender, "message": text}) as resp:
            body = await resp.json(content_type=None) if resp.status == 200 else None
    except (aiohttp.ClientError, asyncio.TimeoutError):
        body = None
    ms = (time.perf_counter() - started) * 1000
    first = body[0].get("text") if isinstance(body, list) and body else None
    # "ok": the server answered the turn (HTTP 200 and a list). "silent": that
    # list was empty. Stock `rasa init` answers some of the script's turns so by
    # design (its "no" after certain exchanges); counted as errors, they had
    # taken a fifth of its turns out of its throughput. Ours must never be silent.
    answered = isinstance(body, list)
    return {"ms": ms, "first": first, "ok": answered, "silent": answered and not body}


def _session(timeout: float = 60) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0),
        timeout=aiohttp.ClientTimeout(total=timeout),
    )


async def turn_cost(base: Text, assistant: Text, turns: int) -> Dict[Text, float]:
    url = base.rstrip("/") + REST_PATH
    sender = f"cost-{uuid.uuid4().hex[:8]}"
    messages = itertools.cycle(_script(assistant))
    latencies: List[float] = []
    async with _session() as session:
        for _ in range(turns):
            latencies.append((await _turn(session, url, sender, next(messages)))["ms"])
    figures = {}
    for point in POINTS:
        if point <= turns:
            window = latencies[max(0, point - 1 - WINDOW) : point + WINDOW]
            figures[f"turn_{point}_ms"] = percentile(window, 50)
    return figures


async def _conversations(
    base: Text, assistant: Text, users: int, turns: Optional[int]
) -> Dict[Text, float]:
    url = base.rstrip("/") + REST_PATH
    run = uuid.uuid4().hex[:8]
    exchanges = scripted_exchanges(assistant)
    script = _script(assistant)
    nets = safety_net_texts(assistant)
    results: List[Dict[Text, Any]] = []

    async def user(index: int) -> None:
        sender = f"load-{run}-{index}"
        if turns is None:
            messages: Sequence[Text] = exchanges[index % len(exchanges)].messages
        else:
            messages = [script[(index + t) % len(script)] for t in range(turns)]
        for text in messages:
            results.append(await _turn(session, url, sender, text))

    async with _session() as session:
        started = time.perf_counter()
        await asyncio.gather(*(user(i) for i in range(users)))
        seconds = time.perf_counter() - started
    answered = [r["ms"] for r in results if r["ok"]]
    return {
        "users": users,
        "turns": len(results),
        "p50_ms": percentile(answered, 50),
        "p95_ms": percentile(answered, 95),
        "p99_ms": percentile(answered, 99),
        "max_ms": max(answered) if answered else float("nan"),
        "throughput": len(answered) / seconds if seconds else 0.0,
        "errors": len(results) - len(answered),
        "silent": sum(r["silent"] for r in results),
        "safety_net_share": sum(r["first"] in nets for r in results) / len(results),
    }


@dataclass
class _Soaker:
    """One simulated child of the soak: a conversation of SOAK_TURNS turns."""

    run: Text
    number: int
    turn: int = 0

    @property
    def sender(self) -> Text:
        return f"soak-{self.run}-{self.number}"


async def soak(
    base: Text,
    assistant: Text,
    minutes: float,
    rate: float,
    rss: Optional[Callable[[], Dict[Text, float]]] = None,
) -> Dict[Text, Any]:
    """A steady `rate` turns a second for `minutes`; see the module docstring."""
    url = base.rstrip("/") + REST_PATH
    script = _script(assistant)
    run = uuid.uuid4().hex[:8]
    idle: List[_Soaker] = []
    numbers = itertools.count()
    results: List[Dict[Text, Any]] = []
    memory: List[Dict[Text, Any]] = []
    pending: Set["asyncio.Task[None]"] = set()

    async def one(child: _Soaker, at: float) -> None:
        text = script[(child.number + child.turn) % len(script)]
        result = await _turn(session, url, child.sender, text)
        results.append({**result, "at": at})
        child.turn += 1
        if child.turn < SOAK_TURNS:
            idle.append(child)

    async with _session() as session:
        started = time.perf_counter()
        end = started + minutes * 60
        next_turn, next_sample = started, started
        while next_turn < end:
            now = time.perf_counter()
            if rss is not None and now >= next_sample:
                memory.append({"minute": round((now - started) / 60, 1), **rss()})
                next_sample += SOAK_SAMPLE_S
            child = idle.pop(0) if idle else _Soaker(run, next(numbers))
            task = asyncio.ensure_future(one(child, now - started))
            pending.add(task)
            task.add_done_callback(pending.discard)
            next_turn += 1 / rate
            await asyncio.sleep(max(0.0, next_turn - time.perf_counter()))
        if pending:
            await asyncio.gather(*pending)
        if rss is not None:
            memory.append({"minute": round(minutes, 1), **rss()})
    window = SOAK_WINDOW_MIN * 60
    first = [r["ms"] for r in results if r["ok"] and r["at"] < window]
    last = [r["ms"] for r in results if r["ok"] and r["at"] >= minutes * 60 - window]
    figures: Dict[Text, Any] = {
        "minutes": minutes,
        "rate": rate,
        "turns": len(results),
        "errors": sum(not r["ok"] for r in results),
        "silent": sum(r["silent"] for r in results),
        "p95_first_ms": percentile(first, 95),
        "p95_last_ms": percentile(last, 95),
    }
    if len(memory) >= 3:
        # From the end of the first minute: start-up and warm-up are not growth.
        start, stop = memory[1], memory[-1]
        figures["rss_mb_start"] = {k: start[k] for k in ("rasa", "actions")}
        figures["rss_mb_end"] = {k: stop[k] for k in ("rasa", "actions")}
        figures["rss_growth"] = {
            k: stop[k] / start[k] - 1 for k in ("rasa", "actions") if start[k]
        }
        figures["rss_mb_per_minute"] = memory
    return figures


async def run_all(
    base: Text,
    assistant: Text,
    args: argparse.Namespace,
    rss: Optional[Callable[[], Dict[Text, float]]] = None,
) -> Dict:
    out: Dict[Text, Any] = {}
    await warm_up(base, scripted_exchanges(assistant))
    if args.turn_cost:
        out["turn_cost"] = await turn_cost(base, assistant, args.turn_cost)
        print(f"  {assistant} turn cost: {out['turn_cost']}", flush=True)
    if args.steady:
        users, turns = (int(x) for x in args.steady.split("x"))
        out["steady"] = await _conversations(base, assistant, users, turns)
        print(f"  {assistant} steady {args.steady}: {out['steady']}", flush=True)
    for n in [int(x) for x in args.overload.split(",") if x]:
        out[f"overload_{n}"] = await _conversations(base, assistant, n, None)
        print(f"  {assistant} overload {n}: {out[f'overload_{n}']}", flush=True)
    minutes, _, rate = args.soak.partition("@")
    if float(minutes) > 0:
        out["soak"] = await soak(base, assistant, float(minutes), float(rate), rss)
        shown = {k: v for k, v in out["soak"].items() if k != "rss_mb_per_minute"}
        print(f"  {assistant} soak {args.soak}: {shown}", flush=True)
    return out


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--assistant", choices=["ours", "stock", "both"], default="both"
    )
    parser.add_argument("--url", help="an already running server (one assistant)")
    parser.add_argument("--turn-cost", type=int, default=400)
    parser.add_argument("--steady", default="20x40")
    parser.add_argument("--overload", default="200,500")
    parser.add_argument("--soak", default="0@10", help="MINUTES@TURNS_PER_SECOND")
    parser.add_argument("--model", type=Path)
    parser.add_argument(
        "--nlu-process",
        action="store_true",
        help="ours with the parse server in a second process (NLU_PROCESS=1)",
    )
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)

    from bench.servers import stop_servers_on_sigterm
    from bench.startup import serve_ours
    from bench.stock import serve_stock

    stop_servers_on_sigterm()
    assistants = ["ours", "stock"] if args.assistant == "both" else [args.assistant]
    figures: Dict[Text, Any] = {}
    for assistant in assistants:
        if args.url:
            figures[assistant] = asyncio.run(run_all(args.url, assistant, args))
            continue
        with tempfile.TemporaryDirectory(prefix=f"bench-scen-{assistant}-") as tmp:
            serve = (
                (
                    lambda w: serve_ours(
                        w,
                        args.model,
                        env=LONG_CONVERSATIONS,
                        nlu_process=args.nlu_process,
                    )
                )
                if assistant == "ours"
                else serve_stock
            )
            with serve(Path(tmp)) as server:
                figures[assistant] = asyncio.run(
                    run_all(server.url, assistant, args, server.rss_mb)
                )
                figures[assistant]["rss_mb"] = server.rss_mb()
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
