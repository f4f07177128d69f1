"""Find an event's class by its type name with a dictionary, not a class walk.

Rasa 3.6 turns every stored or received event back into an object with
`Event.from_parameters`, which calls `Event.resolve_by_type(type_name)`; that
walks every subclass of `Event` (`all_subclasses`, rebuilt on each call) until
one has the name. Reading a conversation's snapshot does it for each of its
events on every turn: 9 % of the Rasa server's CPU under load (README,
"Performance and scale-out"). `resolve_event_types_once` replaces the method
with one that remembers each name's class after the first walk; a name it has
not seen yet (or an unknown one, which raises or falls back to `default`) is
still resolved by Rasa's own walk.
"""

from __future__ import annotations

from typing import Callable, Dict, Optional, Text, Type

from rasa.shared.core.events import Event

Resolver = Callable[[Text, Optional[Type[Event]]], Optional[Type[Event]]]

# Rasa's own resolver, kept before it is replaced.
RASA_RESOLVE_BY_TYPE: Resolver = Event.resolve_by_type
_known: Dict[Text, Type[Event]] = {}


def resolve_by_type_remembered(
    type_name: Text, default: Optional[Type[Event]] = None
) -> Optional[Type[Event]]:
    """`Event.resolve_by_type`, remembering each class found by its name."""
    known = _known.get(type_name)
    if known is not None:
        return known
    found = RASA_RESOLVE_BY_TYPE(type_name, default)
    if found is not None and found.type_name == type_name:
        _known[type_name] = found
    return found


def resolve_event_types_once() -> None:
    """Make Rasa resolve event type names through `resolve_by_type_remembered`."""
    Event.resolve_by_type = staticmethod(resolve_by_type_remembered)  # type: ignore[assignment]
