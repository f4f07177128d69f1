"""The compensation check: who may get what (Act No. 45/2013 Coll., Section 24).

`assess_eligibility` is a pure function from the answers of the Rasa form
`compensation_form` to the options the person MAY be eligible for; every amount
comes from the dataset's `compensation` rules. `ValidateCompensationForm` reads the
free-text answers (`actions.compensation_answers`) and asks again, kindly, when an
answer cannot be used.

The source document (Q6.1) joins the options with "or": Art. 24 d (a crime against
human dignity in the sexual area: psychotherapy, physiotherapy and similar costs)
OR Art. 24 a (an injury to health: a lump sum OR proven lost earnings and treatment
costs), monetary assistance at most CZK 200,000 in total; the Ministry of Justice
decides which applies. So each option is asked about on its own (therapy costs,
then lost earnings and treatment costs), no amount is used for two options, and
the result lists the options without adding them up. Whether an injury is
serious is the Ministry's assessment: the lump-sum option names both sums.

"I don't know" (decided here, tested in tests/test_compensation.py):
- to the kind of crime it means "it depends on the case" (as blackmail does): the
  therapy option is shown as "if it was a crime in the sexual area";
- to the injury it means "maybe": the injury options are shown;
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
# "depends": blackmail with pictures, or "I don't know" (Art. 24 d may apply).
CRIME_KINDS = ("sexual", "depends", "other", "none")
THERAPY_CRIMES = ("sexual", "depends")
# "serious" is what the person says; the Ministry assesses it (same options).
INJURIES = ("none", "injury", "serious", "unsure")
FORM_SLOTS = (
    "crime_kind",
    "therapy_costs_czk",
    "injury",
    "losses_czk",
    "received_czk",
)


class OptionKind(str, Enum):
    """One way the Ministry of Justice may compensate a victim."""

    THERAPY_COSTS = "therapy_costs"  # Art. 24 d
    LUMP_SUM = "lump_sum"  # Art. 24 a
    PROVEN_LOSSES = "proven_losses"  # Art. 24 a, instead of the lump sum


@dataclass(frozen=True)
class CompensationAnswers:
    """What the person said. An amount of 0 means "none so far" or "I don't know".

    `therapy_costs_czk` is psychotherapy, physiotherapy and similar costs only;
    `losses_czk` is proven lost earnings and treatment costs, each expense once.
    """

    crime_kind: Text
    injury: Text = "none"
    therapy_costs_czk: float = 0.0
    losses_czk: float = 0.0
    received_czk: float = 0.0

    def __post_init__(self) -> None:
        if self.crime_kind not in CRIME_KINDS:
            raise ValueError(f"crime_kind must be one of {CRIME_KINDS}")
        if self.injury not in INJURIES:
            raise ValueError(f"injury must be one of {INJURIES}")
        if min(self.therapy_costs_czk, self.losses_czk, self.received_czk) < 0:
            raise ValueError("amounts cannot be negative")


@dataclass(frozen=True)
class CompensationOption:
    """An option with its legal limit and, when the answers allow, an estimate.

    `limit_czk` is the cap (therapy, proven losses) or the lump sum for an injury;
    `serious_czk` the lump sum for a serious injury (the Ministry assesses which);
    `estimate_czk` is what the person's own figures suggest, None without them;
    `depends`: the option applies only if the crime is in the sexual area.
    """

    kind: OptionKind
    limit_czk: int
    estimate_czk: Optional[int] = None
    serious_czk: Optional[int] = None
    depends: bool = False


@dataclass(frozen=True)
class Eligibility:
    """The options the person may be eligible for, joined by "or".

    The Ministry of Justice decides which applies.
    """

    options: Tuple[CompensationOption, ...] = ()

    @property
    def may_be_eligible(self) -> bool:
        return bool(self.options)


def assess_eligibility(
    answers: CompensationAnswers, rules: CompensationRules
) -> Eligibility:
    """The options the answers point to, with amounts from `rules` only.

    - a crime in the sexual area (or it depends): therapy costs up to the therapy
      cap, estimated from the therapy costs named;
    - an injury to health (or maybe): a lump sum, naming both sums, OR the proven
      losses and treatment costs minus compensation already received, up to the
      cap, estimated from the losses named; the second is left out when what was
      received already covers the losses named;
    - no crime, or another crime without injury: nothing from this scheme.
    Each figure is used for one option only.
    """
    if answers.crime_kind == "none":
        return Eligibility()
    options: List[CompensationOption] = []
    # Whole crowns: an estimate is never shown as "0" or with hellers.
    therapy = round(answers.therapy_costs_czk)
    losses, received = round(answers.losses_czk), round(answers.received_czk)
    if answers.crime_kind in THERAPY_CRIMES:
        cap = int(rules.therapy_sexual_max_czk)
        options.append(
            CompensationOption(
                OptionKind.THERAPY_COSTS,
                cap,
                min(therapy, cap) if therapy > 0 else None,
                depends=answers.crime_kind == "depends",
            )
        )
    if answers.injury != "none":
        options.append(
            CompensationOption(
                OptionKind.LUMP_SUM,
                int(rules.lump_sum_injury_czk),
                serious_czk=int(rules.lump_sum_serious_injury_czk),
            )
        )
        cap = int(rules.proven_losses_max_czk)
        if losses <= 0:
            options.append(CompensationOption(OptionKind.PROVEN_LOSSES, cap))
        elif losses > received:
            estimate = min(losses - received, cap)
            options.append(CompensationOption(OptionKind.PROVEN_LOSSES, cap, estimate))
    return Eligibility(tuple(options))


def questions_to_ask(slots: Mapping[Text, Any]) -> List[Text]:
    """The form slots that matter for the answers given so far, in order.

    No crime ends the check. Therapy costs only matter for a crime in the sexual
    area (or when it depends); lost earnings and treatment costs only for an
    injury; what was received only when losses were named (it is subtracted from
    them). An answer not yet read (raw text) keeps the questions that follow it.
    """
    crime_kind, injury = slots.get("crime_kind"), slots.get("injury")
    questions = ["crime_kind"]
    if crime_kind == "none":
        return questions
    if crime_kind not in CRIME_KINDS or crime_kind in THERAPY_CRIMES:
        questions.append("therapy_costs_czk")
    questions.append("injury")
    if injury == "none":
        return questions
    questions.append("losses_czk")
    losses = slots.get("losses_czk")
    if not isinstance(losses, (int, float)) or losses > 0:
        questions.append("received_czk")
    return questions


def answers_from_slots(slots: Mapping[Text, Any]) -> Optional[CompensationAnswers]:
    """The answers of a finished form; None when the form did not finish."""
    try:
        return CompensationAnswers(
            crime_kind=str(slots.get("crime_kind")),
            injury=str(slots.get("injury") or "none"),
            therapy_costs_czk=float(slots.get("therapy_costs_czk") or 0.0),
            losses_czk=float(slots.get("losses_czk") or 0.0),
            received_czk=float(slots.get("received_czk") or 0.0),
        )
    except (TypeError, ValueError):
        return None


# The template (referrals/data/ui.yml) sent after each kind of unusable answer;
# the form then asks its question again (actions/compensation_questions.py). The
# choices read "I don't know" as an answer (compensation_answers.yml).
CHOICE_NOT_UNDERSTOOD = "compensation_choice_not_understood"
AMOUNT_REASKS = {
    AnswerProblem.DONT_KNOW: "compensation_amount_unknown",
    AnswerProblem.NOT_UNDERSTOOD: "compensation_amount_not_understood",
    AnswerProblem.FOREIGN_CURRENCY: "compensation_amount_in_crowns",
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

    def validate_therapy_costs_czk(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        lang = reply_language(tracker)
        slot = _validate_amount("therapy_costs_czk", value, dispatcher, lang)
        return {**slot, **_language_change(tracker, lang)}

    def validate_losses_czk(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> Dict[Text, Any]:
        lang = reply_language(tracker)
        slot = _validate_amount("losses_czk", value, dispatcher, lang)
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
