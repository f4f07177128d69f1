"""Each Rasa 3.6 internal that `bot.server.rasa_internals` touches still exists, with
the shape the project relies on. An upgrade of Rasa that moves one fails here."""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
from pathlib import Path
from typing import Set, Tuple

import pytest
import rasa.core.actions.action
import rasa.core.constants
import rasa.core.processor
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import (
    AwaitableTrackerStore,
    FailSafeTrackerStore,
    InMemoryTrackerStore,
    SQLTrackerStore,
)
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.server import rasa_internals
from tests.support import ROOT


def test_a_failed_custom_action_is_logged_by_run_action_on_the_processor_logger() -> (
    None
):
    assert rasa.core.processor.logger.name == rasa_internals.PROCESSOR_LOGGER
    run_action = getattr(MessageProcessor, rasa_internals.RUN_ACTION_FUNCTION)
    source = inspect.getsource(run_action)
    assert "logger.exception(" in source  # at ERROR, from this very function


def test_remote_actions_read_the_timeout_global_at_call_time(monkeypatch) -> None:
    name = rasa_internals.ACTION_TIMEOUT_GLOBAL
    # Rasa's value, imported into the action module (the hooks may have set it).
    assert getattr(rasa.core.constants, name) == 300
    assert isinstance(getattr(rasa.core.actions.action, name), (int, float))
    assert f"timeout={name}" in inspect.getsource(RemoteAction.run)
    monkeypatch.setattr(rasa.core.actions.action, name, 300)
    rasa_internals.set_action_timeout(2.0)
    assert rasa_internals.action_timeout() == 2.0


def test_remote_actions_validate_their_result_with_a_replaceable_method(
    monkeypatch,
) -> None:
    # Read from Rasa's source: the server hooks may have replaced it already.
    source = inspect.getsource(rasa.core.actions.action)
    assert (
        "    def _validate_action_result(self, result: Dict[Text, Any]) -> bool:"
        in (source)
    )
    assert "validate(result, self.action_response_format_spec())" in source
    assert isinstance(RemoteAction.action_response_format_spec(), dict)
    validate = RemoteAction._validate_action_result

    def replacement(self: RemoteAction, result: dict) -> bool:
        return True

    monkeypatch.setattr(RemoteAction, "_validate_action_result", validate)
    rasa_internals.replace_action_result_validator(replacement)
    assert RemoteAction._validate_action_result is replacement


def test_the_fail_safe_store_keeps_its_error_callback_and_the_store_it_wraps() -> None:
    inner = InMemoryTrackerStore(Domain.empty())
    parameters = inspect.signature(FailSafeTrackerStore.__init__).parameters
    assert "on_tracker_store_error" in parameters
    fail_safe = FailSafeTrackerStore(inner)
    assert fail_safe._on_tracker_store_error is None

    def callback(error: Exception) -> None:
        pass

    assert rasa_internals.set_tracker_store_error_callback(fail_safe, callback)
    assert fail_safe._on_tracker_store_error is callback
    assert not rasa_internals.set_tracker_store_error_callback(inner, callback)


def test_the_store_wrappers_keep_the_store_they_wrap_in_tracker_store() -> None:
    inner = InMemoryTrackerStore(Domain.empty())
    wrapped = AwaitableTrackerStore(FailSafeTrackerStore(inner))
    assert getattr(wrapped, rasa_internals.WRAPPED_STORE_ATTRIBUTE) is not None
    assert rasa_internals.innermost_store(wrapped) is inner
    assert rasa_internals.innermost_store(inner) is inner


def test_a_tracker_keeps_its_event_limit_in_max_event_history() -> None:
    tracker = DialogueStateTracker("someone", [], max_event_history=7)
    assert rasa_internals.max_event_history(tracker) == 7
    unlimited = DialogueStateTracker("someone", [])
    assert rasa_internals.max_event_history(unlimited) is None


def test_the_sql_store_counts_what_it_has_not_stored(tmp_path: Path) -> None:
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(tmp_path / "t.db"))
    tracker = DialogueStateTracker("someone", [])
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    tracker.update(UserUttered("hi"))
    with store.session_scope() as session:
        assert (
            len(list(rasa_internals.events_not_yet_stored(store, session, tracker)))
            == 2
        )
    asyncio.run(store.save(tracker))
    tracker.update(ActionExecuted(ACTION_LISTEN_NAME))
    with store.session_scope() as session:
        new = list(rasa_internals.events_not_yet_stored(store, session, tracker))
    assert [event.type_name for event in new] == ["action"]


@pytest.mark.parametrize(
    "module, owner, method, parameters",
    rasa_internals.INHERITED_PROTECTED,
    ids=[
        f"{owner}.{method}"
        for _, owner, method, _ in rasa_internals.INHERITED_PROTECTED
    ],
)
def test_each_protected_method_the_subclasses_call_keeps_its_parameters(
    module: str, owner: str, method: str, parameters: Tuple[str, ...]
) -> None:
    function = getattr(getattr(importlib.import_module(module), owner), method)
    names = [name for name in inspect.signature(function).parameters if name != "self"]
    assert tuple(names) == parameters


def _defined_names(tree: ast.AST) -> Set[str]:
    """Names a module defines itself: functions, classes, attributes it assigns."""
    names: Set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)  # a dataclass field
    return names


def test_no_other_module_touches_a_private_name_of_rasa() -> None:
    """Outside rasa_internals.py, bot/ touches no private attribute of another
    object, and calls through `self` only the protected methods listed in
    INHERITED_PROTECTED (or its own)."""
    inherited = {method for _, _, method, _ in rasa_internals.INHERITED_PROTECTED}
    offenders = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.name == "rasa_internals.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        own = _defined_names(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Attribute):
                continue
            name = node.attr
            if not name.startswith("_") or name.startswith("__"):
                continue
            through_self = isinstance(node.value, ast.Name) and node.value.id in (
                "self",
                "cls",
            )
            if through_self and (name in own or name in inherited):
                continue
            offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert offenders == []


def test_the_processor_parses_with_its_graph_given_a_message_and_a_tracker() -> None:
    parameters = list(
        inspect.signature(MessageProcessor._parse_message_with_graph).parameters
    )
    assert parameters == ["self", "message", "tracker", "only_output_properties"]
    # parse_message uses the interpreter the project sets, when there is one
    source = inspect.getsource(MessageProcessor.parse_message)
    assert "if self.http_interpreter:" in source
    assert "self.http_interpreter.parse(message)" in source
