"""The compensation check: the eligibility rules, reading answers, the form's actions.

Amounts in the tables are the dataset's (referrals/data/compensation.yml); a test
with made-up rules shows that no amount comes from anywhere else.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, Dict, List, Optional

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import ActionExecutor, CollectingDispatcher

from actions.compensation.actions import (
    ActionCompensationResult,
    ActionCompensationStopped,
    ActionStartCompensationCheck,
)
from actions.compensation.answers import AnswerProblem, parse_amount, parse_choice
from actions.compensation.form import (
    AMOUNT_REASKS,
    CHOICE_NOT_UNDERSTOOD,
    ActionAskCrimeKind,
    ActionAskInjury,
    ActionAskLossesCzk,
    ActionAskReceivedCzk,
    ActionAskTherapyCostsCzk,
    AskCompensationQuestion,
    ValidateCompensationForm,
)
from actions.compensation.rules import (
    FORM_SLOTS,
    CompensationAnswers,
    CompensationOption,
    OptionKind,
    assess_eligibility,
    questions_to_ask,
)
from referrals import format_czk, load_dataset
from referrals.schema import LANGUAGES, CompensationRules

THERAPY = OptionKind.THERAPY_COSTS
LUMP_SUM = OptionKind.LUMP_SUM
LOSSES = OptionKind.PROVEN_LOSSES
CLEARED = [SlotSet(slot, None) for slot in FORM_SLOTS]


def option(
    kind: OptionKind,
    limit: int,
    estimate: Optional[int] = None,
    serious: Optional[int] = None,
    depends: bool = False,
) -> CompensationOption:
    return CompensationOption(kind, limit, estimate, serious, depends)


def rules() -> CompensationRules:
    return load_dataset().compensation


# --- assess_eligibility: every rule and its limits ------------------------------------

LUMP = option(LUMP_SUM, 10_000, serious=50_000)  # both sums: the Ministry assesses

# (crime_kind, injury, therapy costs, losses, received) -> the options, with the
# dataset's amounts. Art. 24 d (therapy) OR Art. 24 a (lump sum OR proven losses).
ELIGIBILITY = [
    # a crime in the sexual area: therapy up to 50 000; the therapy costs named, capped
    (("sexual", "none", 0, 0, 0), [option(THERAPY, 50_000)]),
    (("sexual", "none", 12_000, 0, 0), [option(THERAPY, 50_000, 12_000)]),
    (("sexual", "none", 50_000, 0, 0), [option(THERAPY, 50_000, 50_000)]),
    (("sexual", "none", 80_000, 0, 0), [option(THERAPY, 50_000, 50_000)]),
    # blackmail or "I don't know": the same option, shown as "if it is sexual"
    (("depends", "none", 0, 0, 0), [option(THERAPY, 50_000, depends=True)]),
    (("depends", "none", 8_000, 0, 0), [option(THERAPY, 50_000, 8_000, depends=True)]),
    # an injury: lump sum 10 000 (50 000 if serious) OR proven losses minus what
    # was received, max 200 000
    (("other", "injury", 0, 0, 0), [LUMP, option(LOSSES, 200_000)]),
    (("other", "injury", 0, 30_000, 5_000), [LUMP, option(LOSSES, 200_000, 25_000)]),
    (("other", "injury", 0, 200_000, 0), [LUMP, option(LOSSES, 200_000, 200_000)]),
    (("other", "injury", 0, 250_000, 40_000), [LUMP, option(LOSSES, 200_000, 200_000)]),
    (("other", "injury", 0, 250_000, 60_000), [LUMP, option(LOSSES, 200_000, 190_000)]),
    (("other", "injury", 0, 12_000.4, 0), [LUMP, option(LOSSES, 200_000, 12_000)]),
    # what was received covers the losses: no losses option, never a negative amount
    (("other", "injury", 0, 20_000, 20_000), [LUMP]),
    (("other", "injury", 0, 20_000, 90_000), [LUMP]),
    # "serious" or "I don't know" is not a legal assessment: the same options
    (("other", "serious", 0, 0, 0), [LUMP, option(LOSSES, 200_000)]),
    (("other", "unsure", 0, 0, 0), [LUMP, option(LOSSES, 200_000)]),
    (("other", "serious", 0, 400_000, 0), [LUMP, option(LOSSES, 200_000, 200_000)]),
    # both articles: each figure in its own option, never in two
    (
        ("sexual", "injury", 30_000, 0, 0),
        [option(THERAPY, 50_000, 30_000), LUMP, option(LOSSES, 200_000)],
    ),
    (
        ("sexual", "serious", 30_000, 15_000, 0),
        [option(THERAPY, 50_000, 30_000), LUMP, option(LOSSES, 200_000, 15_000)],
    ),
    (
        ("sexual", "injury", 0, 15_000, 0),
        [option(THERAPY, 50_000), LUMP, option(LOSSES, 200_000, 15_000)],
    ),
    # therapy costs named for a crime outside the sexual area count for nothing
    (("other", "injury", 30_000, 0, 0), [LUMP, option(LOSSES, 200_000)]),
    # nothing from this scheme
    (("other", "none", 0, 0, 0), []),
    (("other", "none", 90_000, 90_000, 0), []),
    (("none", "none", 0, 0, 0), []),
    (("none", "serious", 100_000, 100_000, 0), []),
]


@pytest.mark.parametrize("answers,expected", ELIGIBILITY)
def test_eligibility(answers: tuple, expected: List[CompensationOption]) -> None:
    eligibility = assess_eligibility(answers_of(*answers), rules())

    assert list(eligibility.options) == expected
    assert eligibility.may_be_eligible == bool(expected)


def answers_of(
    crime_kind: str,
    injury: str = "none",
    therapy: float = 0,
    losses: float = 0,
    received: float = 0,
) -> CompensationAnswers:
    return CompensationAnswers(crime_kind, injury, therapy, losses, received)


def test_every_amount_comes_from_the_rules() -> None:
    odd = CompensationRules(
        **{
            **rules().dict(),
            "therapy_sexual_max_czk": 111,
            "lump_sum_injury_czk": 222,
            "lump_sum_serious_injury_czk": 333,
            "proven_losses_max_czk": 444,
        }
    )
    sexual = assess_eligibility(answers_of("sexual", "injury", 1_000, 1_000), odd)
    serious = assess_eligibility(answers_of("other", "serious"), odd)

    assert list(sexual.options) == [
        option(THERAPY, 111, 111),
        option(LUMP_SUM, 222, serious=333),
        option(LOSSES, 444, 444),
    ]
    assert list(serious.options) == [
        option(LUMP_SUM, 222, serious=333),
        option(LOSSES, 444),
    ]


@given(
    crime_kind=st.sampled_from(["sexual", "depends", "other", "none"]),
    injury=st.sampled_from(["none", "injury", "serious", "unsure"]),
    therapy=st.floats(min_value=0, max_value=10_000_000),
    losses=st.floats(min_value=0, max_value=10_000_000),
    received=st.floats(min_value=0, max_value=10_000_000),
)
def test_estimates_are_never_negative_nor_above_the_limit_nor_counted_twice(
    crime_kind: str, injury: str, therapy: float, losses: float, received: float
) -> None:
    answers = answers_of(crime_kind, injury, therapy, losses, received)
    found = assess_eligibility(answers, rules()).options
    for each in found:
        assert each.estimate_czk is None or 0 < each.estimate_czk <= each.limit_czk
    by_kind = {each.kind: each for each in found}
    # The therapy figure only ever estimates therapy; the losses only the losses.
    if THERAPY in by_kind and by_kind[THERAPY].estimate_czk is not None:
        assert by_kind[THERAPY].estimate_czk == min(round(therapy), 50_000)
    if LOSSES in by_kind and by_kind[LOSSES].estimate_czk is not None:
        expected = min(round(losses) - round(received), 200_000)
        assert by_kind[LOSSES].estimate_czk == expected
    assert by_kind.get(LUMP_SUM, LUMP).estimate_czk is None


@pytest.mark.parametrize(
    "answers",
    [
        ("sexual", "none", -1, 0, 0),
        ("other", "injury", 0, -5, 0),
        ("other", "injury", 0, 0, -5),
        ("robbery", "none"),
        ("other", "x"),
    ],
)
def test_impossible_answers_are_refused(answers: tuple) -> None:
    with pytest.raises(ValueError):
        answers_of(*answers)


# slots so far -> the questions the form still asks, in order
QUESTIONS = [
    ({}, ["crime_kind", "therapy_costs_czk", "injury", "losses_czk", "received_czk"]),
    ({"crime_kind": "none"}, ["crime_kind"]),
    ({"crime_kind": "other", "injury": "none"}, ["crime_kind", "injury"]),
    (
        {"crime_kind": "sexual", "injury": "none"},
        ["crime_kind", "therapy_costs_czk", "injury"],
    ),
    (
        {"crime_kind": "depends", "injury": "none"},
        ["crime_kind", "therapy_costs_czk", "injury"],
    ),
    (
        {"crime_kind": "other", "injury": "injury", "losses_czk": 5_000.0},
        ["crime_kind", "injury", "losses_czk", "received_czk"],
    ),
    (
        {"crime_kind": "other", "injury": "unsure", "losses_czk": 0.0},
        ["crime_kind", "injury", "losses_czk"],
    ),
    (
        {"crime_kind": "sexual", "injury": "serious", "therapy_costs_czk": 9_000.0},
        ["crime_kind", "therapy_costs_czk", "injury", "losses_czk", "received_czk"],
    ),
    # an answer not yet validated (raw text) keeps the later questions
    (
        {"crime_kind": "Jiný", "injury": "ne"},
        ["crime_kind", "therapy_costs_czk", "injury", "losses_czk", "received_czk"],
    ),
]


@pytest.mark.parametrize("slots,expected", QUESTIONS)
def test_questions_to_ask(slots: Dict[str, Any], expected: List[str]) -> None:
    assert questions_to_ask(slots) == expected


# --- reading answers ------------------------------------------------------------------

AMOUNTS = [
    ("12 000", 12_000.0),
    ("12000", 12_000.0),
    ("12 000 Kč", 12_000.0),
    ("12000kc", 12_000.0),
    ("12.000 CZK", 12_000.0),
    ("12,000", 12_000.0),
    ("12k", 12_000.0),
    ("12 tisíc", 12_000.0),
    ("12 tis.", 12_000.0),
    ("1,5 tisíce", 1_500.0),
    ("2 mil", 2_000_000.0),
    ("1 500,50 Kč", 1_500.5),
    ("12 000,-", 12_000.0),
    ("asi 3000 za terapii", 3_000.0),
    ("0", 0.0),
    ("0 Kč", 0.0),
    ("nic", 0.0),
    ("Nic zatím", 0.0),
    ("žádné", 0.0),
    ("nothing", 0.0),
    ("none", 0.0),
    ("10 000 000", 10_000_000.0),
    ("nevím", AnswerProblem.DONT_KNOW),
    ("nevim", AnswerProblem.DONT_KNOW),
    ("I don't know", AnswerProblem.DONT_KNOW),
    ("idk", AnswerProblem.DONT_KNOW),
    ("abc", AnswerProblem.NOT_UNDERSTOOD),
    ("hodně", AnswerProblem.NOT_UNDERSTOOD),
    ("dvanáct tisíc", AnswerProblem.NOT_UNDERSTOOD),
    ("12 000 nebo 13 000", AnswerProblem.NOT_UNDERSTOOD),
    ("", AnswerProblem.NOT_UNDERSTOOD),
    ("-500", AnswerProblem.NEGATIVE),
    ("minus 300 Kč", AnswerProblem.NEGATIVE),
    ("10 000 001", AnswerProblem.TOO_LARGE),
    ("20 mil", AnswerProblem.TOO_LARGE),
    # another currency is not read as crowns
    ("200 eur", AnswerProblem.FOREIGN_CURRENCY),
    ("200 €", AnswerProblem.FOREIGN_CURRENCY),
    ("asi 50 euro", AnswerProblem.FOREIGN_CURRENCY),
    ("$300", AnswerProblem.FOREIGN_CURRENCY),
    ("100 dolarů", AnswerProblem.FOREIGN_CURRENCY),
    ("9" * 400, AnswerProblem.TOO_LARGE),
]


@pytest.mark.parametrize("text,expected", AMOUNTS)
def test_parse_amount(text: str, expected: object) -> None:
    assert parse_amount(text) == expected


CHOICES = [
    ("crime_kind", "sexualni", "sexual"),
    ("crime_kind", "sexuálně mě obtěžoval", "sexual"),
    ("crime_kind", "krádež", "other"),
    ("crime_kind", "not a sexual crime", "other"),
    ("crime_kind", "nebyl to sexuální trestný čin", "other"),
    ("crime_kind", "zneužil můj účet", "other"),
    ("crime_kind", "no crime", "none"),
    # blackmail, spreading, harassment: whether Art. 24 d applies depends on the case
    ("crime_kind", "vydírání", "depends"),
    ("crime_kind", "vydíral mě nahými fotkami", "depends"),
    ("crime_kind", "šířil moje fotky", "depends"),
    ("crime_kind", "obtěžoval mě", "depends"),
    ("crime_kind", "he leaked my nudes", "depends"),
    ("crime_kind", "nevim", "depends"),
    ("crime_kind", "asdf", AnswerProblem.NOT_UNDERSTOOD),
    ("injury", "ne", "none"),
    ("injury", "no injury", "none"),
    ("injury", "nebyl jsem zraněný", "none"),
    ("injury", "ano, psychicky", "injury"),
    ("injury", "nothing serious", "injury"),
    ("injury", "ne, ale psychicky", "injury"),
    # "yes, seriously" is "yes, really": an injury, not a serious one
    ("injury", "yes, seriously", "injury"),
    ("injury", "ano, vážně", "injury"),
    ("injury", "tezke zraneni", "serious"),
    ("injury", "byl jsem v nemocnici", "serious"),
    ("injury", "no idea", "unsure"),
    ("injury", "nevím", "unsure"),
    ("injury", "modrá", AnswerProblem.NOT_UNDERSTOOD),
]


@pytest.mark.parametrize("slot,text,expected", CHOICES)
def test_parse_choice(slot: str, text: str, expected: object) -> None:
    assert parse_choice(text, slot) == expected


# --- the form's validation, run as the action server runs it --------------------------


def message(text: str, buttons: Optional[List[str]] = None) -> Dict[str, Any]:
    """The message the dispatcher records for `text` with plain-text buttons."""
    expected = CollectingDispatcher()
    expected.utter_message(
        text=text,
        buttons=[{"title": title, "payload": title} for title in buttons or []],
    )
    return expected.messages[0]


def form_tracker(
    requested: str,
    answer: str,
    slots: Optional[Dict[str, Any]] = None,
    language: Optional[str] = "cs",
    intent: str = "out_of_scope",
) -> Tracker:
    """The tracker Rasa sends after extracting `answer` for the requested slot."""
    all_slots = {"language": "cs", "requested_slot": requested, **(slots or {})}
    all_slots[requested] = answer
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": all_slots,
            "latest_message": {
                "text": answer,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": [],
                **({"language": language} if language else {}),
            },
            "events": [
                {"event": "user", "text": answer},
                {"event": "slot", "name": "requested_slot", "value": requested},
                {"event": "action", "name": "compensation_form"},
                {"event": "slot", "name": requested, "value": answer},
            ],
            "active_loop": {"name": "compensation_form"},
            "latest_action_name": "action_listen",
        }
    )


SEXUAL = {"crime_kind": "sexual"}
SEXUAL_UNINJURED = {"crime_kind": "sexual", "therapy_costs_czk": 5_000.0}
INJURED = {"crime_kind": "other", "injury": "injury"}

# requested slot, answer, slots so far -> events, the templates sent (ui.yml)
VALIDATION = [
    # a good answer; the next question is left to Rasa (all are still needed)
    ("crime_kind", "Sexuální trestný čin", {}, [SlotSet("crime_kind", "sexual")], []),
    ("crime_kind", "Vydírání fotkami", {}, [SlotSet("crime_kind", "depends")], []),
    ("crime_kind", "Nevím", {}, [SlotSet("crime_kind", "depends")], []),
    (
        "injury",
        "ano",
        {"crime_kind": "other"},
        [SlotSet("injury", "injury"), SlotSet("requested_slot", "losses_czk")],
        [],
    ),
    (
        "injury",
        "Nevím",
        {"crime_kind": "other"},
        [SlotSet("injury", "unsure"), SlotSet("requested_slot", "losses_czk")],
        [],
    ),
    # an answer that makes later questions unnecessary: the form ends or skips
    (
        "crime_kind",
        "Nebyl to trestný čin",
        {},
        [SlotSet("crime_kind", "none"), SlotSet("requested_slot", None)],
        [],
    ),
    (
        "crime_kind",
        "Jiný trestný čin",
        {},
        [SlotSet("crime_kind", "other"), SlotSet("requested_slot", "injury")],
        [],
    ),
    (
        "injury",
        "Ne",
        {"crime_kind": "other"},
        [SlotSet("injury", "none"), SlotSet("requested_slot", None)],
        [],
    ),
    (
        "injury",
        "Ne",
        SEXUAL_UNINJURED,
        [SlotSet("injury", "none"), SlotSet("requested_slot", None)],
        [],
    ),
    (
        "therapy_costs_czk",
        "12 000 Kč",
        SEXUAL,
        [SlotSet("therapy_costs_czk", 12_000.0)],
        [],
    ),
    (
        "losses_czk",
        "0",
        INJURED,
        [SlotSet("losses_czk", 0.0), SlotSet("requested_slot", None)],
        [],
    ),
    (
        "losses_czk",
        "12k",
        INJURED,
        [SlotSet("losses_czk", 12_000.0), SlotSet("requested_slot", "received_czk")],
        [],
    ),
    (
        "received_czk",
        "nic",
        {**INJURED, "losses_czk": 5_000.0},
        [SlotSet("received_czk", 0.0), SlotSet("requested_slot", None)],
        [],
    ),
    # "I don't know" to an amount counts as 0, and the assistant says so
    (
        "therapy_costs_czk",
        "nevím",
        SEXUAL,
        [SlotSet("therapy_costs_czk", 0.0)],
        ["compensation_amount_unknown"],
    ),
    # unusable answers: a kind re-ask, the slot stays empty, the form asks again
    (
        "crime_kind",
        "blabla",
        {},
        [SlotSet("crime_kind", None)],
        ["compensation_choice_not_understood"],
    ),
    (
        "therapy_costs_czk",
        "hodně",
        SEXUAL,
        [SlotSet("therapy_costs_czk", None)],
        ["compensation_amount_not_understood"],
    ),
    (
        "losses_czk",
        "200 eur",
        INJURED,
        [SlotSet("losses_czk", None), SlotSet("requested_slot", "losses_czk")],
        ["compensation_amount_in_crowns"],
    ),
    (
        "losses_czk",
        "-500",
        INJURED,
        [SlotSet("losses_czk", None), SlotSet("requested_slot", "losses_czk")],
        ["compensation_amount_negative"],
    ),
    (
        "received_czk",
        "999999999",
        {**INJURED, "losses_czk": 5_000.0},
        [SlotSet("received_czk", None), SlotSet("requested_slot", "received_czk")],
        ["compensation_amount_too_large"],
    ),
]


@pytest.mark.parametrize("requested,answer,slots,events,templates", VALIDATION)
async def test_validate_compensation_form(
    requested: str,
    answer: str,
    slots: Dict[str, Any],
    events: List[Any],
    templates: List[str],
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
) -> None:
    tracker = form_tracker(requested, answer, slots)

    result = await ValidateCompensationForm().run(dispatcher, tracker, domain)

    assert result == events
    dataset = load_dataset()
    assert dispatcher.messages == [
        message(dataset.template(template_id, "cs")) for template_id in templates
    ]


async def test_emptied_slots_at_the_start_are_not_answers(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    # action_start_compensation_check empties the slots just before the form
    # starts; Rasa hands those SlotSet(None) to the validator as candidates.
    emptied = [{"event": "slot", "name": s, "value": None} for s in FORM_SLOTS]
    tracker = Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": {"language": "cs", "requested_slot": None},
            "latest_message": {
                "text": "overit narok",
                "intent": {"name": "check_compensation"},
            },
            "events": [
                {"event": "user", "text": "overit narok"},
                {"event": "action", "name": "action_start_compensation_check"},
                *emptied,
                {"event": "slot", "name": "requested_slot", "value": None},
                {"event": "action", "name": "compensation_form"},
                *emptied,
            ],
            "active_loop": {"name": "compensation_form"},
            "latest_action_name": "compensation_form",
        }
    )

    result = await ValidateCompensationForm().run(dispatcher, tracker, domain)

    assert result == [SlotSet(slot, None) for slot in FORM_SLOTS]
    assert dispatcher.messages == []


async def test_an_answer_in_the_other_language_switches_the_questions(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = form_tracker("crime_kind", "another crime", language="en")

    result = await ValidateCompensationForm().run(dispatcher, tracker, domain)

    assert result == [
        SlotSet("crime_kind", "other"),
        SlotSet("language", "en"),
        SlotSet("requested_slot", "injury"),
    ]


async def test_an_unusable_answer_is_asked_again_in_its_language(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = form_tracker("losses_czk", "-500 crowns", INJURED, language="en")

    result = await ValidateCompensationForm().run(dispatcher, tracker, domain)

    assert result == [
        SlotSet("losses_czk", None),
        SlotSet("language", "en"),
        SlotSet("requested_slot", "losses_czk"),
    ]
    negative = load_dataset().template("compensation_amount_negative", "en")
    assert dispatcher.messages == [message(negative)]


# --- the questions: action_ask_<slot>, with the answer buttons ------------------------

ASK_ACTIONS = [
    ActionAskCrimeKind,
    ActionAskTherapyCostsCzk,
    ActionAskInjury,
    ActionAskLossesCzk,
    ActionAskReceivedCzk,
]

# slot -> the question (ui.yml template) and its buttons, as Czech and English titles
QUESTION_TABLE = [
    (
        "crime_kind",
        "compensation_ask_crime_kind",
        [
            "Sexuální trestný čin",
            "Vydírání fotkami",
            "Jiný trestný čin",
            "Nevím",
            "Nebyl to trestný čin",
        ],
        [
            "A sexual crime",
            "Blackmail with photos",
            "Another crime",
            "I don't know",
            "It wasn't a crime",
        ],
    ),
    (
        "therapy_costs_czk",
        "compensation_ask_therapy_costs_czk",
        ["0", "Nevím"],
        ["0", "I don't know"],
    ),
    (
        "injury",
        "compensation_ask_injury",
        ["Ne", "Ano", "Nevím"],
        ["No", "Yes", "I don't know"],
    ),
    (
        "losses_czk",
        "compensation_ask_losses_czk",
        ["0", "Nevím"],
        ["0", "I don't know"],
    ),
    (
        "received_czk",
        "compensation_ask_received_czk",
        ["0", "Nevím"],
        ["0", "I don't know"],
    ),
]


def ask_tracker(latest_language: Optional[str], slot_language: str = "cs") -> Tracker:
    """The tracker the form hands to action_ask_<slot> after an answer."""
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": {"language": slot_language},
            "latest_message": {
                "text": "0",
                "intent": {"name": "out_of_scope"},
                **({"language": latest_language} if latest_language else {}),
            },
            "events": [],
            "active_loop": {"name": "compensation_form"},
            "latest_action_name": "action_listen",
        }
    )


@pytest.mark.parametrize("slot,template_id,cs,en", QUESTION_TABLE)
@pytest.mark.parametrize(
    "latest_language,slot_language,expected",
    [("cs", "cs", "cs"), ("en", "en", "en"), (None, "en", "en"), ("en", "cs", "en")],
)
async def test_each_question_is_asked_with_its_buttons_in_the_reply_language(
    slot: str,
    template_id: str,
    cs: List[str],
    en: List[str],
    latest_language: Optional[str],
    slot_language: str,
    expected: str,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
) -> None:
    (action,) = [a() for a in ASK_ACTIONS if a().slot == slot]
    tracker = ask_tracker(latest_language, slot_language)

    events = await action.run(dispatcher, tracker, domain)

    assert events == []
    text = load_dataset().template(template_id, expected)
    assert dispatcher.messages == [message(text, cs if expected == "cs" else en)]


@pytest.mark.parametrize("slot,template_id,cs,en", QUESTION_TABLE)
@pytest.mark.parametrize("slot_language", ["cs", "en", "uk"])
async def test_each_question_is_asked_in_ukrainian_after_a_ukrainian_message(
    slot: str,
    template_id: str,
    cs: List[str],
    en: List[str],
    slot_language: str,
    dispatcher: CollectingDispatcher,
    domain: Dict[str, Any],
) -> None:
    (action,) = [a() for a in ASK_ACTIONS if a().slot == slot]
    dataset = load_dataset()
    # The Ukrainian titles of the button set whose Czech titles are in the table.
    buttons = next(
        [button.title["uk"] for button in button_set]
        for button_set in dataset.button_sets.values()
        if [button.title["cs"] for button in button_set] == cs
    )

    await action.run(dispatcher, ask_tracker("uk", slot_language), domain)

    text = dataset.template(template_id, "uk")
    assert dispatcher.messages == [message(text, buttons)]


def test_the_domain_lists_an_ask_action_for_every_question_and_no_responses(
    domain: Dict[str, Any],
) -> None:
    # Rasa runs action_ask_<slot> when the domain lists it; a response the
    # stories do not name would make `rasa data validate --fail-on-warnings` fail.
    expected = [f"action_ask_{slot}" for slot in FORM_SLOTS]
    assert [a().name() for a in ASK_ACTIONS] == expected
    assert set(expected) <= set(domain["actions"])
    assert domain["forms"]["compensation_form"]["required_slots"] == list(FORM_SLOTS)
    assert not [n for n in domain.get("responses", {}) if "compensation" in n]
    assert not [n for n in domain.get("responses", {}) if n.startswith("utter_ask_")]


def test_the_action_server_registers_the_ask_actions_but_not_their_base() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")

    registered = {name for name in executor.actions if name.startswith("action_ask_")}
    assert registered == {f"action_ask_{slot}" for slot in FORM_SLOTS}
    assert inspect.isabstract(AskCompensationQuestion)


CHOICE_BUTTONS = [
    (
        "crime_kind",
        "compensation_crime_kinds",
        ["sexual", "depends", "other", "depends", "none"],
    ),
    ("injury", "compensation_injuries", ["none", "injury", "unsure"]),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("slot,button_set,values", CHOICE_BUTTONS)
def test_every_choice_button_reads_as_its_answer(
    slot: str, button_set: str, values: List[str], language: str
) -> None:
    buttons = load_dataset().button_sets[button_set]

    assert [b.answer for b in buttons] == values
    assert [parse_choice(b.title[language], slot) for b in buttons] == values


@pytest.mark.parametrize("language", LANGUAGES)
def test_amount_buttons_are_read(language: str) -> None:
    buttons = load_dataset().button_sets["compensation_amounts"]

    assert [b.answer for b in buttons] == ["0", AnswerProblem.DONT_KNOW.value]
    assert [parse_amount(b.title[language]) for b in buttons] == [
        0.0,
        AnswerProblem.DONT_KNOW,
    ]


def test_the_check_texts_name_no_numbers() -> None:
    # Amounts and helplines come only with the result; a question or a re-ask
    # says "0" at most.
    dataset = load_dataset()
    template_ids = [
        *(template_id for _, template_id, _, _ in QUESTION_TABLE),
        CHOICE_NOT_UNDERSTOOD,
        *AMOUNT_REASKS.values(),
    ]
    assert len(template_ids) == 11
    for template_id in template_ids:
        for language in LANGUAGES:
            assert not re.search(r"\d{2,}", dataset.template(template_id, language))


# --- starting, the result, stopping ---------------------------------------------------


def result_tracker(language: str, slots: Dict[str, Any]) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "test-user",
            "slots": {
                "language": language,
                "pending_question": "compensation_offer",
                **slots,
            },
            "latest_message": {"text": "0", "intent": {"name": "out_of_scope"}},
            "events": [],
            "latest_action_name": "compensation_form",
        }
    )


def texts(dispatcher: CollectingDispatcher) -> List[str]:
    return [message["text"] for message in dispatcher.messages]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_result_lists_the_options_then_where_to_apply(
    language: str, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    dataset = load_dataset()
    slots = {
        "crime_kind": "sexual",
        "therapy_costs_czk": 30_000.0,
        "injury": "serious",
        "losses_czk": 0.0,
        "received_czk": 0.0,
    }

    events = await ActionCompensationResult().run(
        dispatcher, result_tracker(language, slots), domain
    )

    options, where = texts(dispatcher)
    czk = [format_czk(amount, language) for amount in (30_000, 50_000, 10_000)]
    assert all(amount in options for amount in czk), options
    assert options.count("\n") == 2  # therapy, lump sum, proven losses
    # who decides, that the options do not add up, the total limit, where to apply
    disclaimer = dataset.template("compensation_disclaimer", language)
    assert disclaimer.format(maximum=format_czk(200_000, language)) in where
    assert dataset.compensation.where_to_apply[language] in where
    assert dataset.compensation.authority[language] in where
    assert "116 006" in where
    buttons = [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    assert buttons == dataset.buttons("more_topics", language)
    assert events == [SlotSet("pending_question", None), *CLEARED]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_result_without_an_option_says_who_can_still_help(
    language: str, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = result_tracker(language, {"crime_kind": "none"})

    events = await ActionCompensationResult().run(dispatcher, tracker, domain)

    (text,) = texts(dispatcher)
    assert text.startswith(
        load_dataset().template("compensation_result_none", language)
    )
    assert "116 006" in text
    assert events == [SlotSet("pending_question", None), *CLEARED]


async def test_result_with_unknown_costs_names_only_the_limits(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = result_tracker(
        "cs", {"crime_kind": "other", "injury": "injury", "losses_czk": 0.0}
    )

    await ActionCompensationResult().run(dispatcher, tracker, domain)

    amounts = re.findall(r"\d[\d\u00a0 ]*\d Kč", texts(dispatcher)[0])
    assert amounts == ["10 000 Kč", "50 000 Kč"]


# --- scripted checks: the answers typed or tapped, the options the source allows ----

LUMP_SUMS = {"amount": 10_000, "serious": 50_000}

# What a person answers, question by question (button titles or their own words),
# -> the option lines of the result, as templates of ui.yml with their amounts.
SCRIPTED = [
    pytest.param(
        "cs",
        ["Sexuální trestný čin", "8 000 Kč", "Ne"],
        [("compensation_result_therapy", {"maximum": 50_000}, 8_000)],
        id="therapy costs only (cs)",
    ),
    pytest.param(
        "en",
        ["Another crime", "Yes", "12 000", "0"],
        [
            ("compensation_result_lump_sum", LUMP_SUMS, None),
            ("compensation_result_losses", {}, 12_000),
        ],
        id="injury (en)",
    ),
    pytest.param(
        "cs",
        ["Jiný trestný čin", "mám těžké zranění, byl jsem v nemocnici", "0"],
        [
            ("compensation_result_lump_sum", LUMP_SUMS, None),
            ("compensation_result_losses", {}, None),
        ],
        id="serious injury: both sums, the Ministry assesses (cs)",
    ),
    pytest.param(
        "en",
        ["Another crime", "yes, seriously", "0"],
        [
            ("compensation_result_lump_sum", LUMP_SUMS, None),
            ("compensation_result_losses", {}, None),
        ],
        id="'yes, seriously' does not switch the lump sum (en)",
    ),
    pytest.param(
        "cs",
        ["Vydírání fotkami", "3 000", "Ano", "20 000", "5 000"],
        [
            ("compensation_result_therapy_depends", {"maximum": 50_000}, 3_000),
            ("compensation_result_lump_sum", LUMP_SUMS, None),
            ("compensation_result_losses", {}, 15_000),
        ],
        id="blackmail: therapy if the crime is in the sexual area (cs)",
    ),
    pytest.param(
        "en",
        ["he was blackmailing me with my nudes", "0", "No"],
        [("compensation_result_therapy_depends", {"maximum": 50_000}, None)],
        id="blackmail in own words (en)",
    ),
]


async def run_check(
    language: str, answers: List[str], domain: Dict[str, Any]
) -> List[str]:
    """Drive compensation_form as Rasa does: ask, validate, next; then the result."""
    slots: Dict[str, Any] = {"language": language}
    questions_asked = []
    for answer in answers:
        requested = next(
            slot for slot in questions_to_ask(slots) if slots.get(slot) is None
        )
        questions_asked.append(requested)
        tracker = form_tracker(requested, answer, slots, language=language)
        events = await ValidateCompensationForm().run(
            CollectingDispatcher(), tracker, domain
        )
        for event in events:
            if event["name"] != "requested_slot":
                slots[event["name"]] = event["value"]
        assert slots[requested] is not None, (requested, answer)
    assert [s for s in questions_to_ask(slots) if slots.get(s) is None] == [], slots
    dispatcher = CollectingDispatcher()
    await ActionCompensationResult().run(
        dispatcher, result_tracker(language, slots), domain
    )
    return texts(dispatcher)


@pytest.mark.parametrize("language,answers,expected", SCRIPTED)
async def test_a_scripted_check_gets_the_options_the_source_allows(
    language: str,
    answers: List[str],
    expected: List[tuple],
    domain: Dict[str, Any],
) -> None:
    dataset = load_dataset()
    options, where = await run_check(language, answers, domain)

    lines = [line.removeprefix("• ") for line in options.split("\n")]
    expected_lines = []
    for template_id, amounts, estimate in expected:
        depends = template_id == "compensation_result_therapy_depends"
        if depends:
            template_id = "compensation_result_therapy"
        text = dataset.template(template_id, language).format(
            **{name: format_czk(value, language) for name, value in amounts.items()}
        )
        if estimate is not None:
            note = dataset.template("compensation_result_estimate", language)
            text += " " + note.format(amount=format_czk(estimate, language))
        if depends:
            why = dataset.template("compensation_result_therapy_depends", language)
            text += " " + why
        expected_lines.append(text)
    assert lines == expected_lines
    # The options are joined by "or" and the Ministry decides; 116 006 advises.
    assert dataset.compensation.authority[language] in where and "116 006" in where


@pytest.mark.parametrize("language,answers,expected", SCRIPTED)
async def test_no_amount_the_person_named_is_counted_twice(
    language: str,
    answers: List[str],
    expected: List[tuple],
    domain: Dict[str, Any],
) -> None:
    options, _ = await run_check(language, answers, domain)

    named = {parse_amount(answer) for answer in answers}
    named = {amount for amount in named if isinstance(amount, float) and amount > 0}
    for amount in named:
        assert options.count(format_czk(amount, language)) <= 1, (amount, options)
    # ...and the result is never a sum of the options.
    total = sum(value for _, amounts, estimate in expected for value in [estimate or 0])
    if len([e for e in expected if e[2]]) > 1:
        assert format_czk(total, language) not in options


@pytest.mark.parametrize("language", LANGUAGES)
async def test_stopping_halfway_is_ok_and_still_names_116_111(
    language: str, dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = result_tracker(language, {"crime_kind": "sexual", "requested_slot": None})

    events = await ActionCompensationStopped().run(dispatcher, tracker, domain)

    (text,) = texts(dispatcher)
    assert text.startswith(load_dataset().template("compensation_stopped", language))
    assert "116 111" in text
    assert events == [SlotSet("pending_question", None), *CLEARED]


async def test_start_names_116_006_and_forgets_earlier_answers(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    tracker = result_tracker("en", {"crime_kind": "other", "injury": "serious"})

    events = await ActionStartCompensationCheck().run(dispatcher, tracker, domain)

    first = texts(dispatcher)[0]
    assert first.startswith(load_dataset().situations["check_compensation"].text["en"])
    assert "116 006" in first
    assert events == [
        SlotSet("language", "en"),
        SlotSet("situation", "check_compensation"),
        SlotSet("pending_question", None),
        *CLEARED,
    ]


async def test_result_without_finished_answers_gives_the_general_summary(
    dispatcher: CollectingDispatcher, domain: Dict[str, Any]
) -> None:
    # Not reachable through the rules (the form fills crime_kind first).
    tracker = result_tracker("cs", {})

    events = await ActionCompensationResult().run(dispatcher, tracker, domain)

    summary = load_dataset().situations["ask_compensation"]
    assert texts(dispatcher)[0].startswith(summary.text["cs"])
    assert events == [
        SlotSet("language", "cs"),
        SlotSet("situation", "ask_compensation"),
        SlotSet("pending_question", summary.follow_up),
        *CLEARED,
    ]
