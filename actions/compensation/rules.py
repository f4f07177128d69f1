"""The compensation rules: who may get what (Act No. 45/2013 Coll., Section 24).

`assess_eligibility` is a pure function from the answers of the Rasa form
`compensation_form` to the options the person MAY be eligible for; every amount
comes from the dataset's `compensation` rules. `questions_to_ask` says which
answers matter. Nothing here talks to the user (that is `form` and `actions`).

The source document (Q6.1) joins the options with "or": Art. 24 d (a crime against
human dignity in the sexual area: psychotherapy, physiotherapy and similar costs)
OR Art. 24 a (an injury to health: a lump sum OR proven lost earnings and treatment
costs), monetary assistance at most CZK 200,000 in total; the Ministry of Justice
decides which applies. So each option is asked about on its own (therapy costs,
then lost earnings and treatment costs), no amount is used for two options, and
the result lists the options without adding them up. Whether an injury is
serious is the Ministry's assessment: the lump-sum option names both sums.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, List, Mapping, Optional, Text, Tuple

from referrals.schema import CompensationRules

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
