"""The parse server: the trained model's NLU in a process of its own.

    python -m bot.run.nlu_server --model models/X.tar.gz --port 5015

`NLU_PROCESS=1 make run` starts it beside the Rasa server, whose messages it
parses (`bot.server.remote_nlu`), so that the parse runs on a second core. It
listens on loopback only and answers a request only with the token in
`NLU_TOKEN` (a new one for every start). `POST /parse` takes
`{"text", "sender_id", "metadata"}` and answers Rasa's parse data for the
message, as the Rasa server would have made it; `GET /health` says it is up
and how many messages it has parsed (a count, nothing of the messages).
"""

from __future__ import annotations

import argparse
import functools
import hmac
import json
import logging
import os
from typing import Any, Dict, List, Optional, Protocol

from aiohttp import web

from bot.server.remote_nlu import PARSE_PATH, TOKEN_VARIABLE

logger = logging.getLogger(__name__)

HEALTH_PATH = "/health"


class Processor(Protocol):
    async def parse_message(self, message: Any) -> Dict[str, Any]: ...


PROCESSOR_KEY = web.AppKey("processor", Processor)
TOKEN_KEY = web.AppKey("token", str)
PARSED_KEY = web.AppKey("parsed", list)  # one counter, mutable in place


async def parse(request: web.Request) -> web.Response:
    expected = request.app[TOKEN_KEY]
    given = request.headers.get("Authorization", "")
    if not hmac.compare_digest(given.encode(), f"Bearer {expected}".encode()):
        return web.json_response({"error": "unauthorised"}, status=401)
    try:
        body = await request.json()
    except ValueError:
        return web.json_response({"error": "the body is not JSON"}, status=400)
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str):
        return web.json_response({"error": "text must be a string"}, status=400)
    metadata = body.get("metadata")
    sender = body.get("sender_id")
    from rasa.core.channels.channel import UserMessage

    message = UserMessage(
        text,
        sender_id=sender if isinstance(sender, str) else None,
        metadata=metadata if isinstance(metadata, dict) else None,
    )
    parsed = await request.app[PROCESSOR_KEY].parse_message(message)
    request.app[PARSED_KEY][0] += 1
    return web.json_response(parsed, dumps=dumps)


def _plain(value: Any) -> Any:
    """NumPy numbers in a parse (confidences) as plain JSON numbers."""
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


dumps = functools.partial(json.dumps, default=_plain)


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok", "parsed": request.app[PARSED_KEY][0]})


def make_app(agent: Any, token: str) -> web.Application:
    app = web.Application(client_max_size=64 * 1024)
    app[PROCESSOR_KEY] = agent.processor
    app[TOKEN_KEY] = token
    app[PARSED_KEY] = [0]
    app.router.add_post(PARSE_PATH, parse)
    app.router.add_get(HEALTH_PATH, health)
    return app


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    token = os.environ.get(TOKEN_VARIABLE, "")
    if not token:
        parser.error(f"{TOKEN_VARIABLE} is not set: the parse server needs a token")
    # Rasa's structured log would print every parsed text at debug level: only
    # warnings here, as a child's message must not reach a log.
    logging.basicConfig(level=logging.WARNING)
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)

    agent = Agent.load(args.model)
    web.run_app(make_app(agent, token), host="127.0.0.1", port=args.port, print=None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
