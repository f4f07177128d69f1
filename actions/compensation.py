"""The compensation check: who may get what (Act No. 45/2013 Coll., Section 24).

`assess_eligibility` is a pure function from the four answers of the Rasa form
`compensation_form` to the options the person MAY be eligible for; every amount
comes from the dataset's `compensation` rules. `ValidateCompensationForm` reads the
free-text answers (`actions.compensation_answers`) and asks again, kindly, when an
answer cannot be used.

"I don't know" (decided here, tested in tests/test_compensation.py):
- for the kind of crime or the injury, the assistant gives a hint and asks again;
  the answer decides which rules apply, so guessing it would mislead;
- for an amount it counts as 0: the assistant says so at once, and the result says
  that costs still count once they can be proven.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Dict, List, Mapping, Optional, Text, Tuple

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.compensation_answers import AnswerProblem, parse_amount, parse_choice
from actions.language import reply_language
from actions.rendering import Reply
from referrals import load_dataset
from referrals.schema import CompensationRules

FORM_NAME = "compensation_form"
CRIME_KINDS = ("sexual", "other", "none")
INJURIES = ("none", "injury", "serious")
FORM_SLOTS = ("crime_kind", "injury", "costs_czk", "received_czk")


class OptionKind(str, Enum):
    """One way the Ministry of Justice may compensate a victim."""

    THERAPY_COSTS = "therapy_costs"
    LUMP_SUM = "lump_sum"
    PROVEN_LOSSES = "proven_losses"


@dataclass(frozen=True)
class CompensationAnswers:
    """What the person said. An amount of 0 means "none so far" or "I don't know"."""

    crime_kind: Text
    injury: Text = "none"
    costs_czk: float = 0.0
    received_czk: float = 0.0

    def __post_init__(self) -> None:
        if self.crime_kind not in CRIME_KINDS:
            raise ValueError(f"crime_kind must be one of {CRIME_KINDS}")
        if self.injury not in INJURIES:
            raise ValueError(f"injury must be one of {INJURIES}")
        if self.costs_czk < 0 or self.received_czk < 0:
            raise ValueError("amounts cannot be negative")


@dataclass(frozen=True)
class CompensationOption:
    """An option with its legal limit and, when the answers allow, an estimate.

    `limit_czk` is the cap (therapy, proven losses) or the fixed lump sum;
    `estimate_czk` is what the answers suggest, None when no costs were named.
    """

    kind: OptionKind
    limit_czk: int
    estimate_czk: Optional[int] = None
    serious: bool = False


@dataclass(frozen=True)
class Eligibility:
    """The options the person may be eligible for; the Ministry decides."""

    options: Tuple[CompensationOption, ...] = ()

    @property
    def may_be_eligible(self) -> bool:
        return bool(self.options)


def assess_eligibility(
    answers: CompensationAnswers, rules: CompensationRules
) -> Eligibility:
    """The options the answers point to, with amounts from `rules` only.

    - a sexual crime: therapy costs up to the therapy cap (the costs named, if any);
    - an injury to health: a lump sum (higher when serious), OR the proven losses
      and treatment costs minus compensation already received, up to the cap; the
      second is left out when what was received already covers the costs named;
    - no crime, or another crime without injury: nothing from this scheme.
    """
    if answers.crime_kind == "none":
        return Eligibility()
    options: List[CompensationOption] = []
    # Whole crowns: an estimate is never shown as "0" or with hellers.
    costs, received = round(answers.costs_czk), round(answers.received_czk)
    if answers.crime_kind == "sexual":
        cap = int(rules.therapy_sexual_max_czk)
        estimate = min(costs, cap) if costs > 0 else None
        options.append(CompensationOption(OptionKind.THERAPY_COSTS, cap, estimate))
    if answers.injury != "none":
        serious = answers.injury == "serious"
        lump_sum = int(
            rules.lump_sum_serious_injury_czk if serious else rules.lump_sum_injury_czk
        )
        options.append(
            CompensationOption(OptionKind.LUMP_SUM, lump_sum, lump_sum, serious)
        )
        cap = int(rules.proven_losses_max_czk)
        if costs <= 0:
            options.append(CompensationOption(OptionKind.PROVEN_LOSSES, cap))
        elif costs > received:
            estimate = min(costs - received, cap)
            options.append(CompensationOption(OptionKind.PROVEN_LOSSES, cap, estimate))
    return Eligibility(tuple(options))


def questions_to_ask(slots: Mapping[Text, Any]) -> List[Text]:
    """The form slots that matter for the answers given so far, in order.

    No crime ends the check; another crime without injury too; what was received
    only matters for an injury with costs named (it is subtracted from them).
    """
    questions = ["crime_kind"]
    crime_kind, injury = slots.get("crime_kind"), slots.get("injury")
    if crime_kind == "none":
        return questions
    questions.append("injury")
    if crime_kind == "other" and injury == "none":
        return questions
    questions.append("costs_czk")
    costs = slots.get("costs_czk")
    costs_named = not isinstance(costs, (int, float)) or costs > 0
    if injury != "none" and costs_named:
        questions.append("received_czk")
    return questions


def answers_from_slots(slots: Mapping[Text, Any]) -> Optional[CompensationAnswers]:
    """The answers of a finished form; None when the form did not finish."""
    try:
        return CompensationAnswers(
            crime_kind=str(slots.get("crime_kind")),
            injury=str(slots.get("injury") or "none"),
            costs_czk=float(slots.get("costs_czk") or 0.0),
            received_czk=float(slots.get("received_czk") or 0.0),
        )
    except (TypeError, ValueError):
        return None


# The template (referrals/data/ui.yml) sent after each kind of unusable answer;
# the form then asks its question again (actions/compensation_questions.py).
CHOICE_REASKS = {
    ("crime_kind", AnswerProblem.DONT_KNOW): "compensation_crime_kind_unsure",
    ("injury", AnswerProblem.DONT_KNOW): "compensation_injury_unsure",
}
CHOICE_NOT_UNDERSTOOD = "compensation_choice_not_understood"
AMOUNT_REASKS = {
    AnswerProblem.DONT_KNOW: "compensation_amount_unknown",
    AnswerProblem.NOT_UNDERSTOOD: "compensation_amount_not_understood",
    AnswerProblem.NEGATIVE: "compensation_amount_negative",
    AnswerProblem.TOO_LARGE: "compensation_amount_too_large",
}


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

    def validate_crime_kind(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        lang = reply_language(tracker)
        slot = _validate_choice("crime_kind", CRIME_KINDS, value, dispatcher, lang)
        return {**slot, **_language_change(tracker, lang)}

    def validate_injury(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        lang = reply_language(tracker)
        slot = _validate_choice("injury", INJURIES, value, dispatcher, lang)
        return {**slot, **_language_change(tracker, lang)}

    def validate_costs_czk(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        lang = reply_language(tracker)
        slot = _validate_amount("costs_czk", value, dispatcher, lang)
        return {**slot, **_language_change(tracker, lang)}

    def validate_received_czk(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        lang = reply_language(tracker)
        slot = _validate_amount("received_czk", value, dispatcher, lang)
        return {**slot, **_language_change(tracker, lang)}


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
        template_id = CHOICE_REASKS.get((slot, parsed), CHOICE_NOT_UNDERSTOOD)
        _reask(dispatcher, template_id, lang)
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
