"""Validate custom-action results with a validator built once.

Rasa 3.6 checks every custom-action result with `jsonschema.validate(result,
schema)` (`RemoteAction._validate_action_result`). jsonschema 4 first checks the
schema itself against its meta-schema on every call: about 24 ms of CPU per turn
on these machines, more than the NLU and the policies together (bench/RESULTS.md).
`validate_action_results_once` replaces the method with one that checks the
schema once and validates every result against it, raising the same
`jsonschema.ValidationError` as before.
"""

from __future__ import annotations

import functools
from typing import Any, Dict

import jsonschema
from rasa.core.actions.action import RemoteAction

from bot.server.rasa_internals import replace_action_result_validator

RASA_ERROR_SUFFIX = ". Failed to validate Action server response from API."


@functools.lru_cache(maxsize=None)
def action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)  # once, not on every action call
    return validator_class(schema)


def validate_with_prebuilt_schema(self: RemoteAction, result: Dict[str, Any]) -> bool:
    """`RemoteAction._validate_action_result`, with the schema checked once."""
    try:
        action_result_validator().validate(result)
    except jsonschema.ValidationError as error:
        error.message += RASA_ERROR_SUFFIX
        raise
    return True


def validate_action_results_once() -> None:
    """Make Rasa validate every custom-action result with the prebuilt validator."""
    replace_action_result_validator(validate_with_prebuilt_schema)
