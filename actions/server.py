"""The action server, secure by default: `python -m actions.server [--port 5055]`.

The stock `python -m rasa_sdk` listens on every interface, allows CORS from any
origin, and answers a failed action with HTTP 500 whose body repeats the whole
request, i.e. the conversation. This entry point builds the same app
(`rasa_sdk.endpoint.create_app`) and changes that:

- it listens on 127.0.0.1 unless ACTION_SERVER_HOST says otherwise;
- no CORS headers: only the Rasa server calls it, never a browser;
- when ACTION_SERVER_SECRET is set, `/webhook` and `/actions` require it in the
  `X-Action-Server-Secret` header (403 otherwise; `/health` stays open). The Rasa
  server sends it when the same variable is set in its environment (`bot.run.cli`
  adds the header to the action endpoint it passes to `rasa run`);
- a failed action is logged with the action's name and the exception type, and
  answered `{"error": "action failed", "action_name": ...}` with HTTP 500.

With `--endpoints FILE` (the endpoints file the Rasa server reads), the actions
count anonymous referral statistics in the tracker store's database
(`actions.statistics`); without it, they count nothing.
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from pathlib import Path
from typing import List, Optional

from rasa_sdk import utils
from rasa_sdk.constants import DEFAULT_SERVER_PORT
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.statistics import count_into
from stats.database import NoDatabase

logger = logging.getLogger("actions.server")  # also when run as __main__

SECRET_HEADER = "X-Action-Server-Secret"
SECRET_ENV = "ACTION_SERVER_SECRET"
HOST_ENV = "ACTION_SERVER_HOST"
DEFAULT_HOST = "127.0.0.1"
OPEN_PATHS = ("/health",)


def _action_name(request: Request) -> str:
    try:
        body = request.json
    except Exception:
        return "unknown"
    name = body.get("next_action") if isinstance(body, dict) else None
    return name if isinstance(name, str) else "unknown"


def build_app(secret: Optional[str], actions_package: str = "actions") -> Sanic:
    """The action server app, with the changes in the module docstring."""
    app = create_app(actions_package, cors_origins=None)

    async def action_failed(request: Request, exception: Exception) -> HTTPResponse:
        name = _action_name(request)
        logger.error("Action '%s' failed: %s.", name, type(exception).__name__)
        return response.json(
            {"error": "action failed", "action_name": name}, status=500
        )

    app.error_handler.add(Exception, action_failed)

    if secret:
        expected = secret.encode("utf-8")

        @app.middleware("request")
        async def require_secret(request: Request) -> Optional[HTTPResponse]:
            if request.path in OPEN_PATHS:
                return None
            given = request.headers.get(SECRET_HEADER, "").encode("utf-8")
            if not hmac.compare_digest(given, expected):
                return response.json({"error": "forbidden"}, status=403)
            return None

    return app


def count_statistics(endpoints: Optional[Path]) -> None:
    """Count referral statistics in the tracker store of `endpoints` (if given)."""
    if endpoints is None:
        logger.info("Referral statistics: off (no --endpoints).")
        return
    try:
        count_into(endpoints)
    except (NoDatabase, ValueError) as error:
        logger.warning("Referral statistics: off (%s).", error)
        return
    logger.info("Referral statistics: counted in the tracker store's database.")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=DEFAULT_SERVER_PORT)
    parser.add_argument("--host", default=os.environ.get(HOST_ENV) or DEFAULT_HOST)
    parser.add_argument("--actions", default="actions", help="package of actions")
    parser.add_argument(
        "--endpoints", type=Path, help="count referral statistics in its tracker store"
    )
    args = parser.parse_args(argv)

    utils.configure_colored_logging(logging.INFO)
    utils.update_sanic_log_level()
    count_statistics(args.endpoints)
    app = build_app(os.environ.get(SECRET_ENV) or None, args.actions)
    logger.info(
        "Action server on http://%s:%d (secret header %s).",
        args.host,
        args.port,
        "required" if os.environ.get(SECRET_ENV) else "not required",
    )
    app.run(args.host, args.port, workers=1, access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
