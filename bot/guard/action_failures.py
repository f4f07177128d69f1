"""Notice a failed custom action: Rasa 3.6 only logs it and goes on.

`MessageProcessor._run_action` logs the failure at ERROR on Rasa's processor
logger (both names are in `bot.server.rasa_internals`). `ActionFailureWatch`, a
filter on that logger, marks the turn running in the current asyncio task as
failed, so the guard sends the safety net, and removes the traceback from the
record: the chained exception of a failed action can hold the action server's
response, and with it the conversation's text.
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass, field
from typing import Any, List, Optional

from bot.server.rasa_internals import PROCESSOR_LOGGER, RUN_ACTION_FUNCTION


@dataclass
class TurnReport:
    """What went wrong in one turn, filled in while it runs."""

    failed_actions: List[str] = field(default_factory=list)


# The report of the turn running in the current asyncio task. A task copies the
# context when it is created, so the turn's task sees the report set before.
CURRENT_TURN: contextvars.ContextVar[Optional[TurnReport]] = contextvars.ContextVar(
    "current_turn", default=None
)


class ActionFailureWatch(logging.Filter):
    """Marks the current turn failed when Rasa logs a failed custom action.

    The record is kept, but its traceback is replaced by the exception types:
    the chained exception of a failed action can hold the action server's
    response, and with it the conversation's text.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR or record.funcName != RUN_ACTION_FUNCTION:
            return True
        report = CURRENT_TURN.get()
        if report is not None:
            report.failed_actions.append(record.funcName)
        causes = _exception_chain(record.exc_info)
        record.msg = f"{record.getMessage()} Caused by: {causes or 'unknown'}."
        record.args = ()
        record.exc_info = None
        record.exc_text = None
        return True


def watch_action_failures() -> None:
    """Install `ActionFailureWatch` on Rasa's processor logger (once)."""
    processor_logger = logging.getLogger(PROCESSOR_LOGGER)
    if not any(isinstance(f, ActionFailureWatch) for f in processor_logger.filters):
        processor_logger.addFilter(ActionFailureWatch())


def _exception_chain(exc_info: Any) -> str:
    error = exc_info[1] if isinstance(exc_info, tuple) else None
    names: List[str] = []
    while error is not None and len(names) < 5:
        names.append(type(error).__name__)
        error = error.__cause__ or error.__context__
    return " <- ".join(names)
