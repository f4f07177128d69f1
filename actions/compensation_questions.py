"""The questions of `compensation_form`, asked in the person's language.

While the form runs, Rasa asks for a slot with the custom action
`action_ask_<slot>` when the domain lists it (before any `utter_ask_<slot>`
response). Each action here sends the slot's question and answer buttons from the
referral dataset (`referrals/data/ui.yml`); `validate_compensation_form` reads
the answer (`actions/compensation.py`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.language import reply_language
from actions.rendering import Reply
from referrals import load_dataset

# The question for each form slot, as (template id, button set id).
QUESTIONS: Dict[Text, Tuple[Text, Text]] = {
    "crime_kind": ("compensation_ask_crime_kind", "compensation_crime_kinds"),
    "therapy_costs_czk": ("compensation_ask_therapy_costs_czk", "compensation_amounts"),
    "injury": ("compensation_ask_injury", "compensation_injuries"),
    "losses_czk": ("compensation_ask_losses_czk", "compensation_amounts"),
    "received_czk": ("compensation_ask_received_czk", "compensation_amounts"),
}


def question(slot: Text, lang: Text) -> Reply:
    """The question that asks for `slot`, with its answer buttons."""
    template_id, button_set_id = QUESTIONS[slot]
    dataset = load_dataset()
    return Reply(
        dataset.template(template_id, lang), dataset.buttons(button_set_id, lang)
    )


class AskCompensationQuestion(Action, ABC):
    """Asks for one slot of the form; a subclass names the slot."""

    @property
    @abstractmethod
    def slot(self) -> Text:
        """The form slot this action asks for."""

    def name(self) -> Text:
        return f"action_ask_{self.slot}"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        # The language slot is kept by validate_compensation_form.
        question(self.slot, reply_language(tracker)).send(dispatcher)
        return []


class ActionAskCrimeKind(AskCompensationQuestion):
    slot = "crime_kind"


class ActionAskTherapyCostsCzk(AskCompensationQuestion):
    slot = "therapy_costs_czk"


class ActionAskInjury(AskCompensationQuestion):
    slot = "injury"


class ActionAskLossesCzk(AskCompensationQuestion):
    slot = "losses_czk"


class ActionAskReceivedCzk(AskCompensationQuestion):
    slot = "received_czk"
