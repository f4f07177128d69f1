"""The compensation rules: who may get what (Act No. 45/2013 Coll., Section 24).

`assess_eligibility` is a pure function from the four answers of the Rasa form
`compensation_form` to the options the person MAY be eligible for; every amount
comes from the dataset's `compensation` rules. `questions_to_ask` says which
answers matter. Nothing here talks to the user (that is `form` and `actions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, List, Mapping, Optional, Text, Tuple

from referrals.schema import CompensationRules

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
