"""Safety settings the Rasa server gets at start-up, via the REST channel.

Rasa 3.6 has no setting for these, so `register_server_hooks` adds Sanic
listeners to the REST channel's blueprint (the REST channel is always on, see
credentials.yml); Sanic runs them when `rasa run` starts:

- before start: the custom-action timeout. `RemoteAction.run` passes the module
  global `rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT` (fixed at 300 s) as
  the request timeout on every call, reading it at call time; it is set to
  ACTION_TIMEOUT_SECONDS (default 2), so a hung action server cannot hold a
  conversation's lock for five minutes. The channel guard answers after
  TURN_DEADLINE_SECONDS (2.5) in any case. Custom-action results are validated
  with a validator built once (`bot.action_results`), not one per call.
- after start (the agent is loaded by then): the tracker store is watched
  (`bot.stores.health`) and the retention purge starts (`bot.stores.purge`).
- before stop: the purge task is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

import rasa.core.actions.action
from sanic import Blueprint

from bot.action_results import validate_action_results_once
from bot.stores.health import watch_tracker_store
from bot.stores.purge import purge_interval_seconds, purge_periodically

logger = logging.getLogger(__name__)

DEFAULT_ACTION_TIMEOUT_SECONDS = 2.0


def action_timeout_seconds() -> float:
    raw = os.environ.get("ACTION_TIMEOUT_SECONDS")
    return float(raw) if raw else DEFAULT_ACTION_TIMEOUT_SECONDS


def set_action_timeout(seconds: float) -> None:
    """Make every custom-action call time out after `seconds`."""
    rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT = seconds  # type: ignore[attr-defined]
    logger.info("Custom actions time out after %.1f s.", seconds)


async def _before_start(app: Any, _loop: Any) -> None:
    set_action_timeout(action_timeout_seconds())
    validate_action_results_once()


async def _after_start(app: Any, _loop: Any) -> None:
    agent = getattr(app.ctx, "agent", None)
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is None:
        logger.error("No agent after start: the tracker store cannot be watched.")
        return
    watch_tracker_store(tracker_store)
    app.ctx.retention_purge = asyncio.ensure_future(
        purge_periodically(tracker_store, purge_interval_seconds())
    )


async def _before_stop(app: Any, _loop: Any) -> None:
    task = getattr(app.ctx, "retention_purge", None)
    if task is not None:
        task.cancel()


def register_server_hooks(blueprint: Blueprint) -> None:
    """Add the listeners above to `blueprint` (one channel's, registered once)."""
    blueprint.listener("before_server_start")(_before_start)
    blueprint.listener("after_server_start")(_after_start)
    blueprint.listener("before_server_stop")(_before_stop)
