"""The Rasa form `compensation_form`: its questions and how it reads the answers.

While the form runs, Rasa asks for a slot with the custom action
`action_ask_<slot>` when the domain lists it (before any `utter_ask_<slot>`
response). Each `AskCompensationQuestion` sends the slot's question and answer
buttons from the referral dataset (`referrals/data/ui.yml`).

`ValidateCompensationForm` reads each free-text answer (`answers`) through one
path, `validate_answer`, and asks again, kindly, when an answer cannot be used.
"I don't know" (decided here, tested in tests/unit/actions/test_compensation.py):
- to the kind of crime it means "it depends on the case" (as blackmail does): the
  therapy option is shown as "if it was a crime in the sexual area";
- to the injury it means "maybe": the injury options are shown;
- for an amount it counts as 0: the assistant says so at once, and the result says
  that costs still count once they can be proven.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, Callable, Dict, List, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.compensation.answers import AnswerProblem, parse_amount, parse_choice
from actions.compensation.rules import CRIME_KINDS, INJURIES, questions_to_ask
from actions.language import reply_language
from referrals import load_dataset
from referrals.render import Reply

FORM_NAME = "compensation_form"

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


# The template (referrals/data/ui.yml) sent after each kind of unusable answer;
# the form then asks its question again (`AskCompensationQuestion`). The
# choices read "I don't know" as an answer (answers.yml).
CHOICE_NOT_UNDERSTOOD = "compensation_choice_not_understood"
AMOUNT_REASKS = {
    AnswerProblem.DONT_KNOW: "compensation_amount_unknown",
    AnswerProblem.NOT_UNDERSTOOD: "compensation_amount_not_understood",
    AnswerProblem.FOREIGN_CURRENCY: "compensation_amount_in_crowns",
    AnswerProblem.NEGATIVE: "compensation_amount_negative",
    AnswerProblem.TOO_LARGE: "compensation_amount_too_large",
}


# The choices a slot answered with a choice allows; the other slots are amounts.
CHOICES: Dict[Text, Tuple[Text, ...]] = {"crime_kind": CRIME_KINDS, "injury": INJURIES}

SlotValidator = Callable[..., Dict[Text, Any]]


def _validates(slot: Text) -> SlotValidator:
    """The `validate_<slot>` method rasa_sdk calls: `validate_answer` for `slot`."""

    def validate(
        self: ValidateCompensationForm,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        return self.validate_answer(slot, value, dispatcher, tracker)

    validate.__name__ = f"validate_{slot}"
    return validate


class ValidateCompensationForm(FormValidationAction):
    """Turns free-text answers into slot values; asks again when it cannot."""

    def name(self) -> Text:
        return f"validate_{FORM_NAME}"

    async def required_slots(
        self,
        domain_slots: List[Text],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> List[Text]:
        return [
            slot for slot in questions_to_ask(tracker.slots) if slot in domain_slots
        ]

    def validate_answer(
        self,
        slot: Text,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> Dict[Text, Any]:
        """The slot value an answer gives, plus the answer's language if new."""
        lang = reply_language(tracker)
        if slot in CHOICES:
            slot_value = _validate_choice(slot, CHOICES[slot], value, dispatcher, lang)
        else:
            slot_value = _validate_amount(slot, value, dispatcher, lang)
        return {**slot_value, **_language_change(tracker, lang)}

    # rasa_sdk finds a slot's validator by its name, `validate_<slot>`.
    validate_crime_kind = _validates("crime_kind")
    validate_therapy_costs_czk = _validates("therapy_costs_czk")
    validate_injury = _validates("injury")
    validate_losses_czk = _validates("losses_czk")
    validate_received_czk = _validates("received_czk")


def _language_change(tracker: Tracker, lang: Text) -> Dict[Text, Any]:
    """The answer's language when it differs from the conversation's.

    The re-ask and the next question are in the answer's language already
    (`reply_language`); the slot keeps it for answers that show none ("0").
    """
    return {"language": lang} if lang != tracker.get_slot("language") else {}


def _reask(dispatcher: CollectingDispatcher, template_id: Text, lang: Text) -> None:
    """Say why the answer cannot be used; the form then asks its question again."""
    Reply(load_dataset().template(template_id, lang)).send(dispatcher)


def _validate_choice(
    slot: Text,
    allowed: Tuple[Text, ...],
    value: Any,
    dispatcher: CollectingDispatcher,
    lang: Text,
) -> Dict[Text, Any]:
    if value is None:
        # Not an answer: the start of the check empties the slots, and Rasa
        # validates that too.
        return {slot: None}
    parsed = value if value in allowed else parse_choice(str(value), slot)
    if isinstance(parsed, AnswerProblem):
        _reask(dispatcher, CHOICE_NOT_UNDERSTOOD, lang)
        return {slot: None}
    return {slot: parsed}


def _validate_amount(
    slot: Text, value: Any, dispatcher: CollectingDispatcher, lang: Text
) -> Dict[Text, Any]:
    if value is None:
        return {slot: None}
    parsed = parse_amount(str(value))
    if isinstance(parsed, AnswerProblem):
        _reask(dispatcher, AMOUNT_REASKS[parsed], lang)
        # "I don't know" counts as 0 (and the re-ask says so); the rest ask again.
        return {slot: 0.0 if parsed is AnswerProblem.DONT_KNOW else None}
    return {slot: parsed}
