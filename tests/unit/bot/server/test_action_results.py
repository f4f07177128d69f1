"""Custom-action results are still validated, with the schema checked only once."""

from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from bot.server.action_results import (
    RASA_ERROR_SUFFIX,
    action_result_validator,
    validate_action_results_once,
)

VALID = {
    "events": [{"event": "slot", "name": "language", "value": "cs"}],
    "responses": [{"text": "116 111", "buttons": []}],
}
INVALID = [
    {"events": "not a list"},
    {"responses": "not a list"},
    {"events": [{"no_event_key": True}]},
]


@pytest.fixture
def remote_action(monkeypatch: pytest.MonkeyPatch) -> RemoteAction:
    original = RemoteAction._validate_action_result
    validate_action_results_once()
    yield RemoteAction("action_refer_to_help", None)
    monkeypatch.setattr(RemoteAction, "_validate_action_result", original)


def test_a_valid_result_passes(remote_action: RemoteAction) -> None:
    assert remote_action._validate_action_result(VALID) is True


@pytest.mark.parametrize("result", INVALID)
def test_an_invalid_result_raises_as_rasa_does(remote_action, result) -> None:
    with pytest.raises(jsonschema.ValidationError) as raised:
        remote_action._validate_action_result(result)
    assert raised.value.message.endswith(RASA_ERROR_SUFFIX)


@pytest.mark.parametrize("result", [VALID, *INVALID])
def test_the_same_verdict_as_rasas_own_check(result) -> None:
    schema = RemoteAction.action_response_format_spec()
    try:
        jsonschema.validate(result, schema)
        rasa_says_valid = True
    except jsonschema.ValidationError:
        rasa_says_valid = False
    assert action_result_validator().is_valid(result) == rasa_says_valid


def test_the_schema_is_checked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    action_result_validator.cache_clear()
    checks = []
    validator_class = jsonschema.validators.validator_for(
        RemoteAction.action_response_format_spec()
    )
    original = validator_class.check_schema
    monkeypatch.setattr(
        validator_class,
        "check_schema",
        classmethod(
            lambda cls, schema, **kw: checks.append(1) or original(schema, **kw)
        ),
    )
    for _ in range(5):
        action_result_validator().validate(VALID)
    assert checks == [1]
