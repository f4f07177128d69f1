"""Every private internal of Rasa 3.6 that this project touches, in one place.

Rasa 3.6 has no public setting for what the assistant needs here, so these names
are used as they are in `rasa==3.6.21`. `tests/unit/bot/server/test_rasa_internals.py`
checks that each one still exists with the shape used below, so an upgrade of
Rasa fails there, loudly, and nowhere else.

| internal                                         | used for                         |
|--------------------------------------------------|----------------------------------|
| `MessageProcessor._run_action`, its logger       | noticing a failed action (guard) |
| `rasa.core.actions.action.DEFAULT_REQUEST_TIMEOUT` | the custom-action timeout      |
| `RemoteAction._validate_action_result`           | one prebuilt result validator    |
| `FailSafeTrackerStore._on_tracker_store_error`   | store failures logged, no text   |
| `._tracker_store` of the store wrappers          | reaching the configured store    |
| `DialogueStateTracker._max_event_history`        | copying a tracker to redact it   |
| `SQLTrackerStore._additional_events`             | the events a save has not stored |
| `MessageProcessor._parse_message_with_graph`     | parsing here, parse server down  |

Protected methods of Rasa's base classes that the project's subclasses call
through `self` (they are part of the subclassing contract, so the call stays in
the subclass; `INHERITED_PROTECTED` names each, and the test checks its shape
like the ones above):

| base class and method                          | called by               |
|------------------------------------------------|-------------------------|
| `CollectingOutputChannel._message`             | `bot.channels.rest`     |
| `CollectingOutputChannel._persist_message`     | `bot.channels.rest`     |
| `SocketIOOutput._send_message`                 | `bot.channels.webchat`  |
| `LogisticRegressionClassifier._create_X`       | `bot.nlu.ensemble`      |
| `Tokenizer._apply_token_pattern`               | `bot.nlu.tokenizer`     |
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional

from rasa.core.tracker_store import FailSafeTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker

if TYPE_CHECKING:
    from rasa.core.actions.action import RemoteAction

# `MessageProcessor._run_action` logs a failed custom action at ERROR on this
# logger, from this function, and goes on as if nothing happened.
PROCESSOR_LOGGER = "rasa.core.processor"
RUN_ACTION_FUNCTION = "_run_action"
# The module global `RemoteAction.run` reads, at call time, as its HTTP timeout.
ACTION_TIMEOUT_GLOBAL = "DEFAULT_REQUEST_TIMEOUT"
# The attribute under which the wrappers (FailSafeTrackerStore,
# AwaitableTrackerStore) keep the store they wrap.
WRAPPED_STORE_ATTRIBUTE = "_tracker_store"

# Protected methods of Rasa's base classes called by the project's subclasses:
# (module, class, method, its parameters after `self`).
INHERITED_PROTECTED = (
    (
        "rasa.core.channels.channel",
        "CollectingOutputChannel",
        "_message",
        ("recipient_id", "text", "image", "buttons", "attachment", "custom"),
    ),
    (
        "rasa.core.channels.channel",
        "CollectingOutputChannel",
        "_persist_message",
        ("message",),
    ),
    (
        "rasa.core.channels.socketio",
        "SocketIOOutput",
        "_send_message",
        ("socket_id", "response"),
    ),
    (
        "rasa.nlu.classifiers.logistic_regression_classifier",
        "LogisticRegressionClassifier",
        "_create_X",
        ("messages",),
    ),
    ("rasa.nlu.tokenizers.tokenizer", "Tokenizer", "_apply_token_pattern", ("tokens",)),
)

ActionResultValidator = Callable[["RemoteAction", Dict[str, Any]], bool]

# `rasa.core.actions.action` loads TensorFlow (through the policies): it is
# imported when the server starts, not when a channel module is imported (the
# `set-webhook` command line imports the Telegram channel).


def set_action_timeout(seconds: float) -> None:
    """Make every custom-action call time out after `seconds` (Rasa: 300 s)."""
    import rasa.core.actions.action

    setattr(rasa.core.actions.action, ACTION_TIMEOUT_GLOBAL, seconds)


def action_timeout() -> float:
    import rasa.core.actions.action

    return float(getattr(rasa.core.actions.action, ACTION_TIMEOUT_GLOBAL))


def replace_action_result_validator(validator: ActionResultValidator) -> None:
    """Install `validator` as `RemoteAction._validate_action_result`."""
    from rasa.core.actions.action import RemoteAction

    RemoteAction._validate_action_result = validator  # type: ignore[assignment]


def set_tracker_store_error_callback(
    tracker_store: Any, callback: Callable[[Exception], None]
) -> bool:
    """Call `callback` when Rasa's fail-safe wrapper catches a store failure.

    Rasa has no public setter; the attribute is the constructor argument. Returns
    False when `tracker_store` is not the fail-safe wrapper.
    """
    if not isinstance(tracker_store, FailSafeTrackerStore):
        return False
    tracker_store._on_tracker_store_error = callback
    return True


def innermost_store(tracker_store: Any) -> Any:
    """Unwrap Rasa's wrappers (FailSafeTrackerStore, AwaitableTrackerStore)."""
    store = tracker_store
    while hasattr(store, WRAPPED_STORE_ATTRIBUTE):
        store = getattr(store, WRAPPED_STORE_ATTRIBUTE)
    return store


def max_event_history(tracker: DialogueStateTracker) -> Optional[int]:
    """The event limit a tracker was built with (Rasa keeps it private)."""
    return tracker._max_event_history


def events_not_yet_stored(
    store: Any, session: Any, tracker: DialogueStateTracker
) -> Any:
    """The events of `tracker` that `store` (Rasa's SQL store) has not saved.

    `SQLTrackerStore._additional_events` counts the stored events of the latest
    session and skips as many of the tracker's.
    """
    return store._additional_events(session, tracker)


def parse_in_process(processor: Any, message: Any) -> Dict[str, Any]:
    """Parse `message` with the model loaded in this process, as Rasa does when no
    NLU server is configured (`MessageProcessor.parse_message` without
    `http_interpreter`): the graph's NLU target, a fresh tracker, the output
    properties only."""
    tracker = DialogueStateTracker.from_events(message.sender_id, [])
    return processor._parse_message_with_graph(message, tracker, True)
