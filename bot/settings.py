"""Reading the servers' numeric settings from the environment, one way for all.

An unset or empty variable gives the default; a value that is not a positive
number stops the start with the variable's name, not a silent default.
"""

from __future__ import annotations

from typing import Mapping


def positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0, got {raw!r}")
    return value
