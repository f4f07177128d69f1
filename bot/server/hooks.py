"""Safety settings the Rasa server gets at start-up, whichever channels are open.

Rasa 3.6 has no setting for these and no start-up hook of its own, so every input
channel of this project (`bot.channels`) calls `register_server_hooks` on its
blueprint; Sanic copies the listeners to the app, and they run once per server
however many channels carry them (`credentials.yml` may name any of them; a test
checks that each one registers the hooks):

- before start: the project's loggers (`bot`, `actions`, `stats`) get the level
  Rasa runs at (`LOG_LEVEL`, which `rasa run` sets from `--debug`/`--verbose`).
  Rasa sets only its own logger; the root logger is left to whoever touches it
  last (loading the model raises it to WARNING), and the retention purge and the
  guard would then log nothing.
- before start, too: the custom-action timeout. `RemoteAction.run` passes the
  module global `rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT` (fixed at
  300 s) as the request timeout on every call, reading it at call time; it is set to
  ACTION_TIMEOUT_SECONDS (default 2), so a hung action server cannot hold a
  conversation's lock for five minutes. The channel guard answers after
  TURN_DEADLINE_SECONDS (2.5) in any case. Custom-action results are validated
  with a validator built once (`bot.server.action_results`), not one per call,
  and event type names are resolved with a dictionary (`bot.server.event_types`),
  not a walk of every event class for each event.
- after start (the agent is loaded by then): the tracker store is watched
  (`bot.stores.health`), the retention purge starts (`bot.stores.purge`), and
  the safety nets the guard sends are counted in the tracker store's database
  (`bot.guard.counting`, anonymous referral statistics).
- after start, too: with `NLU_URL` set, messages are parsed by the parse server
  in a second process, and here when it fails (`bot.server.remote_nlu`).
- before stop: the purge task is cancelled, the parse server's session closed.

The Rasa internals these touch are in `bot.server.rasa_internals`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from sanic import Blueprint

from bot.guard.counting import count_in_tracker_store
from bot.server.rasa_internals import set_action_timeout as set_rasa_action_timeout
from bot.server.remote_nlu import install_remote_parser
from bot.settings import positive_float
from bot.stores.health import watch_tracker_store
from bot.stores.purge import purge_interval_seconds, purge_periodically

logger = logging.getLogger(__name__)

DEFAULT_ACTION_TIMEOUT_SECONDS = 2.0
# Set on `app.ctx` by the first channel's listener, so the others do nothing.
STARTED_FLAG = "referral_hooks_started"
AGENT_WATCHED_FLAG = "referral_hooks_watching"


def action_timeout_seconds() -> float:
    return positive_float(
        os.environ, "ACTION_TIMEOUT_SECONDS", DEFAULT_ACTION_TIMEOUT_SECONDS
    )


def set_action_timeout(seconds: float) -> None:
    """Make every custom-action call time out after `seconds`."""
    set_rasa_action_timeout(seconds)
    logger.info("Custom actions time out after %.1f s.", seconds)


def _first_time(app: Any, flag: str) -> bool:
    """True the first time a listener of `flag` runs for `app`."""
    if getattr(app.ctx, flag, False):
        return False
    setattr(app.ctx, flag, True)
    return True


# The loggers of this project's packages; each gets Rasa's level at start.
PROJECT_LOGGERS = ("bot", "actions", "stats")


def set_project_log_level(level_name: str) -> None:
    """Give the project's loggers `level_name` (a name such as "INFO")."""
    level = logging.getLevelName(level_name.upper())
    if not isinstance(level, int):
        level = logging.INFO
    for name in PROJECT_LOGGERS:
        logging.getLogger(name).setLevel(level)


async def _before_start(app: Any, _loop: Any) -> None:
    if not _first_time(app, STARTED_FLAG):
        return
    set_project_log_level(os.environ.get("LOG_LEVEL", "INFO"))
    set_action_timeout(action_timeout_seconds())
    # Imported at start: it loads Rasa's actions and with them TensorFlow, which
    # importing a channel module (the Telegram command line) does not need.
    from bot.server.action_results import validate_action_results_once
    from bot.server.event_types import resolve_event_types_once

    validate_action_results_once()
    resolve_event_types_once()


async def _after_start(app: Any, _loop: Any) -> None:
    if not _first_time(app, AGENT_WATCHED_FLAG):
        return
    agent = getattr(app.ctx, "agent", None)
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is None:
        logger.error("No agent after start: the tracker store cannot be watched.")
        return
    watch_tracker_store(tracker_store)
    count_in_tracker_store(tracker_store)
    app.ctx.remote_parser = install_remote_parser(agent)
    app.ctx.retention_purge = asyncio.ensure_future(
        purge_periodically(tracker_store, purge_interval_seconds())
    )


async def _before_stop(app: Any, _loop: Any) -> None:
    task = getattr(app.ctx, "retention_purge", None)
    if task is not None:
        task.cancel()
        app.ctx.retention_purge = None
    parser = getattr(app.ctx, "remote_parser", None)
    if parser is not None:
        await parser.close()
        app.ctx.remote_parser = None


def register_server_hooks(blueprint: Blueprint) -> None:
    """Add the listeners above to `blueprint` (every channel's; they run once)."""
    blueprint.listener("before_server_start")(_before_start)
    blueprint.listener("after_server_start")(_after_start)
    blueprint.listener("before_server_stop")(_before_stop)
