"""Event type names resolve to the same classes as Rasa's walk, walked once."""

from __future__ import annotations

import pytest
import rasa.shared.utils.common
from rasa.shared.core.events import Event, SlotSet, UserUttered

from bot.server import event_types
from bot.server.event_types import (
    RASA_RESOLVE_BY_TYPE,
    resolve_by_type_remembered,
    resolve_event_types_once,
)

EVERY_TYPE_NAME = sorted(
    {cls.type_name for cls in rasa.shared.utils.common.all_subclasses(Event)}
)


@pytest.fixture(autouse=True)
def forget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(event_types, "_known", {})
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(RASA_RESOLVE_BY_TYPE))


@pytest.mark.parametrize("type_name", EVERY_TYPE_NAME)
def test_every_event_type_resolves_as_rasa_resolves_it(type_name: str) -> None:
    expected = RASA_RESOLVE_BY_TYPE(type_name)
    assert resolve_by_type_remembered(type_name) is expected
    assert resolve_by_type_remembered(type_name) is expected


def test_unknown_names_behave_as_in_rasa() -> None:
    with pytest.raises(ValueError):
        resolve_by_type_remembered("no_such_event")
    assert resolve_by_type_remembered("no_such_event", SlotSet) is SlotSet
    assert resolve_by_type_remembered("topic") is None


def test_rasa_walks_the_classes_once_per_name(monkeypatch: pytest.MonkeyPatch) -> None:
    walks = []
    walk = rasa.shared.utils.common.all_subclasses

    def counted(cls: type) -> list:
        walks.append(cls)
        return walk(cls)

    monkeypatch.setattr(rasa.shared.utils.common, "all_subclasses", counted)
    resolve_event_types_once()
    message = {
        "event": "user",
        "text": "pomoc",
        "parse_data": {"intent": {"name": "help_services", "confidence": 0.9}},
        "timestamp": 1.0,
    }
    for _ in range(5):
        event = Event.from_parameters(message)
        assert isinstance(event, UserUttered) and event.text == "pomoc"
    assert walks.count(Event) == 1
