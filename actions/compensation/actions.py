"""The conversation around `compensation_form`: starting it, the result, stopping.

The questions and the re-asks (`actions.compensation.form`), the result, where
to apply and the helplines are all referral-dataset text, so every amount and
number comes from `referrals/data/`.
"""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.compensation.rules import (
    FORM_SLOTS,
    CompensationOption,
    Eligibility,
    OptionKind,
    answers_from_slots,
    assess_eligibility,
)
from actions.language import reply_language
from actions.referral import refer
from actions.statistics import count_compensation, count_reply
from referrals import ReferralDataset, format_czk, load_dataset
from referrals.render import BULLET, Reply, helpline_lines, one_bubble, send_all
from stats.measures import MAY_BE_ELIGIBLE, NOT_ELIGIBLE, STOPPED

# The situation that opens the check (its text says the result is only a guide).
START_SITUATION = "check_compensation"
# The general answer about compensation, for a result without finished answers.
SUMMARY_SITUATION = "ask_compensation"
# Who helps when the scheme does not apply, and the safety net after "stop".
VICTIM_HELPLINE = "bily_kruh"
CHILD_HELPLINE = "linka_bezpeci"
BUTTONS_AFTER = "more_topics"

# The template for each option (referrals/data/ui.yml). An estimate from the
# person's figures follows (`compensation_result_estimate`), then, for a therapy
# option that applies only if the crime is in the sexual area, why it depends.
OPTION_TEMPLATES = {
    OptionKind.THERAPY_COSTS: "compensation_result_therapy",
    OptionKind.LUMP_SUM: "compensation_result_lump_sum",
    OptionKind.PROVEN_LOSSES: "compensation_result_losses",
}
THERAPY_DEPENDS_TEMPLATE = "compensation_result_therapy_depends"
ESTIMATE_TEMPLATE = "compensation_result_estimate"


def clear_answers() -> List[EventType]:
    """Forget the answers, so that the next check starts from the first question."""
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


def option_line(
    dataset: ReferralDataset, option: CompensationOption, lang: Text
) -> Text:
    """One option in words: {maximum} the cap, {amount} and {serious} lump sums."""
    parts = [
        dataset.template(OPTION_TEMPLATES[option.kind], lang).format(
            maximum=format_czk(option.limit_czk, lang),
            amount=format_czk(option.limit_czk, lang),
            serious=format_czk(option.serious_czk or option.limit_czk, lang),
        )
    ]
    if option.estimate_czk is not None:
        parts.append(
            dataset.template(ESTIMATE_TEMPLATE, lang).format(
                amount=format_czk(option.estimate_czk, lang)
            )
        )
    if option.depends:
        parts.append(dataset.template(THERAPY_DEPENDS_TEMPLATE, lang))
    return " ".join(parts)


def result_replies(
    dataset: ReferralDataset, eligibility: Eligibility, lang: Text
) -> List[Reply]:
    """The options as a list (joined by "or"), then who decides, where to apply."""
    buttons = dataset.buttons(BUTTONS_AFTER, lang)
    if not eligibility.may_be_eligible:
        text = one_bubble(
            [
                dataset.template("compensation_result_none", lang),
                helpline_lines(dataset, [VICTIM_HELPLINE], lang),
            ]
        )
        return [Reply(text, buttons)]
    options = "\n".join(
        BULLET + option_line(dataset, option, lang) for option in eligibility.options
    )
    total = format_czk(dataset.compensation.proven_losses_max_czk, lang)
    where = " ".join(
        [
            dataset.template("compensation_disclaimer", lang).format(maximum=total),
            dataset.compensation.where_to_apply[lang],
        ]
    )
    return [Reply(options), Reply(where, buttons)]


class ActionStartCompensationCheck(Action):
    """Opens the check: says it is only a guide, names 116 006, forgets old answers."""

    def name(self) -> Text:
        return "action_start_compensation_check"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        lang = reply_language(tracker)
        count_reply(tracker, START_SITUATION, lang)
        events = refer(dispatcher, START_SITUATION, lang)
        return [*events, *clear_answers()]


class ActionCompensationResult(Action):
    """After the form: what the person may be eligible for and where to apply."""

    def name(self) -> Text:
        return "action_compensation_result"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        lang = reply_language(tracker)
        answers = answers_from_slots(tracker.slots)
        if answers is None:
            # Not reachable through the rules; still answer with the general facts.
            count_reply(tracker, SUMMARY_SITUATION, lang)
            return [*refer(dispatcher, SUMMARY_SITUATION, lang), *clear_answers()]
        dataset = load_dataset()
        eligibility = assess_eligibility(answers, dataset.compensation)
        count_compensation(
            tracker,
            MAY_BE_ELIGIBLE if eligibility.may_be_eligible else NOT_ELIGIBLE,
            lang,
        )
        send_all(dispatcher, result_replies(dataset, eligibility, lang))
        return [SlotSet("pending_question", None), *clear_answers()]


class ActionCompensationStopped(Action):
    """The person stopped the check: a short OK, and 116 111 is still named."""

    def name(self) -> Text:
        return "action_compensation_stopped"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        lang = reply_language(tracker)
        count_compensation(tracker, STOPPED, lang)
        dataset = load_dataset()
        text = one_bubble(
            [
                dataset.template("compensation_stopped", lang),
                helpline_lines(dataset, [CHILD_HELPLINE], lang),
            ]
        )
        send_all(dispatcher, [Reply(text, dataset.buttons(BUTTONS_AFTER, lang))])
        return [SlotSet("pending_question", None), *clear_answers()]
