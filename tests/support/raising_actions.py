"""An action package whose every custom action raises (for the "never silent" test).

`python -m actions.server --actions tests.support.raising_actions` serves it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

ACTION_NAMES = (
    "action_refer_to_help",
    "action_follow_up",
    "action_not_sure",
    "action_safety_net",
    "action_delete_conversation",
)


class RaisingAction(Action, ABC):
    """Raises, as an action with a bug would (abstract: the SDK skips it)."""

    @abstractmethod
    def name(self) -> Text: ...

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        raise RuntimeError("a bug in an action")


def _raising_action(action_name: str) -> type:
    return type(
        f"Raising_{action_name}", (RaisingAction,), {"name": lambda self: action_name}
    )


# Kept in a tuple: the SDK finds actions through `__subclasses__`, which holds
# only weak references.
RAISING_ACTIONS = tuple(_raising_action(name) for name in ACTION_NAMES)
