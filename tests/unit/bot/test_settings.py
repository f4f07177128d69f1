"""One reader for the servers' numeric settings: a default when unset, a clear
error naming the variable when the value is not a positive number."""

from __future__ import annotations

import pytest

from bot.server.hooks import action_timeout_seconds
from bot.settings import positive_float
from bot.stores.purge import purge_interval_seconds, retention_seconds


@pytest.mark.parametrize(
    "env, expected", [({}, 2.5), ({"X": ""}, 2.5), ({"X": "4"}, 4.0)]
)
def test_a_setting_is_its_value_or_the_default(env: dict, expected: float) -> None:
    assert positive_float(env, "X", 2.5) == expected


@pytest.mark.parametrize("raw", ["four", "0", "-1"])
def test_a_setting_that_is_not_a_positive_number_is_refused_by_name(raw: str) -> None:
    with pytest.raises(ValueError, match=r"^X must be"):
        positive_float({"X": raw}, "X", 2.5)


def test_the_servers_settings_read_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    assert retention_seconds({"RETENTION_HOURS": "2"}) == 7200
    assert purge_interval_seconds({"RETENTION_PURGE_INTERVAL_MINUTES": "1"}) == 60
    with pytest.raises(ValueError, match="RETENTION_HOURS"):
        retention_seconds({"RETENTION_HOURS": "-3"})
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "0")
    with pytest.raises(ValueError, match="ACTION_TIMEOUT_SECONDS"):
        action_timeout_seconds()
    monkeypatch.delenv("ACTION_TIMEOUT_SECONDS")
    assert action_timeout_seconds() == 2.0
