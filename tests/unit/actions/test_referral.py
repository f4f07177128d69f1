"""The custom actions, run as the action server runs them: real Tracker, dispatcher."""

from __future__ import annotations

from typing import List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionDeleteConversation, ActionFollowUp
from actions.referral import (
    ActionExplainLaw,
    ActionNotSure,
    ActionReferToHelp,
    ActionSafetyNet,
    ActionWhatNow,
)
from referrals import load_dataset
from referrals.render import situation_replies
from referrals.schema import LANGUAGES

# message intent -> the numbers the FIRST reply must name, in this order.
FIRST_REPLY_NUMBERS = [
    ("sextortion", ["116 111", "158"]),
    ("images_shared", ["116 111", "158"]),
    ("grooming", ["116 111", "158"]),
    ("immediate_danger", ["112", "158"]),
    ("suicidal_thoughts", ["116 111", "112"]),
    ("ask_rights", ["116 006"]),
    ("parent_teacher", ["158"]),
    ("bystander", ["116 111"]),
    ("request_human", ["116 111"]),
    ("out_of_scope", ["116 111"]),
    ("am_i_in_trouble", ["116 111"]),
    ("trouble_own_images", ["116 111"]),
    ("trouble_sent_own", ["116 111", "158"]),
    ("trouble_others_images", ["116 111"]),
    ("victim_process", ["116 006", "116 111"]),
    ("help_services", ["116 111", "116 006", "158"]),
]
FIRST_REPLY_NUMBERS_BY_INTENT = dict(FIRST_REPLY_NUMBERS)


def texts(dispatcher) -> List[str]:
    return [message["text"] for message in dispatcher.messages]


async def as_a_channel_delivers(dispatcher) -> List[str]:
    """The text bubbles a stock Rasa channel sends: it cuts button-less texts at
    blank lines, and sends `custom` (the helplines) as a message of its own."""
    channel = CollectingOutputChannel()
    for message in dispatcher.messages:
        await channel.send_response("child", message)
    return [message["text"] for message in channel.messages if "text" in message]


def in_order(text: str, numbers: List[str]) -> bool:
    positions = [text.find(number) for number in numbers]
    return all(p >= 0 for p in positions) and positions == sorted(positions)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("intent,numbers", FIRST_REPLY_NUMBERS)
async def test_first_reply_names_the_helplines_in_order(
    intent, numbers, language, make_tracker, dispatcher, domain
):
    tracker = make_tracker(intent, language=language)

    events = await ActionReferToHelp().run(dispatcher, tracker, domain)

    first = texts(dispatcher)[0]
    assert in_order(first, numbers), first
    delivered_first = (await as_a_channel_delivers(dispatcher))[0]
    assert in_order(delivered_first, numbers), delivered_first
    situation = load_dataset().situations[intent]
    assert first.startswith(situation.text[language])
    assert events == [
        SlotSet("language", language),
        SlotSet("situation", intent),
        SlotSet("pending_question", situation.follow_up),
    ]


@pytest.mark.parametrize(
    "language,other", [("cs", "en"), ("en", "cs"), ("uk", "cs"), ("cs", "uk")]
)
async def test_reply_follows_the_language_of_the_message(
    language, other, make_tracker, dispatcher, domain
):
    # The conversation was in one language; the latest message is in the other.
    tracker = make_tracker("sextortion", language=other)
    tracker.latest_message["language"] = language

    await ActionReferToHelp().run(dispatcher, tracker, domain)

    expected = load_dataset().situations["sextortion"].text[language]
    assert texts(dispatcher)[0].startswith(expected)


async def test_sextortion_asks_whether_the_child_is_safe_after_the_help(
    make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    tracker = make_tracker("sextortion", language="en")

    await ActionReferToHelp().run(dispatcher, tracker, domain)

    last = dispatcher.messages[-1]
    assert last["text"] == dataset.template("safety_question", "en")
    # Yes / No, then "What does the law say?": the facts wait to be asked for.
    assert [b["title"] for b in last["buttons"]] == [
        *dataset.buttons("yes_no", "en"),
        *dataset.buttons("ask_law", "en"),
    ]
    assert all(b["payload"] == b["title"] for b in last["buttons"])


async def test_unknown_intent_gets_not_sure_with_buttons_and_116_111(
    make_tracker, dispatcher, domain
):
    tracker = make_tracker("some_intent_nobody_trained", language="cs")

    events = await ActionReferToHelp().run(dispatcher, tracker, domain)

    assert "116 111" in texts(dispatcher)[0]
    titles = [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    assert titles == load_dataset().buttons("main_situations", "cs")
    assert events[1] == SlotSet("situation", "not_sure")


@pytest.mark.parametrize("language", LANGUAGES)
async def test_not_sure_offers_main_situations(
    language, make_tracker, dispatcher, domain
):
    await ActionNotSure().run(
        dispatcher, make_tracker("nlu_fallback", language=language), domain
    )

    assert "116 111" in texts(dispatcher)[0]
    titles = [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    assert titles == load_dataset().buttons("main_situations", language)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_safety_net_names_116_111_and_emergency_numbers(
    language, make_tracker, dispatcher, domain
):
    await ActionSafetyNet().run(
        dispatcher, make_tracker("greet", language=language), domain
    )

    first = texts(dispatcher)[0]
    assert "116 111" in first and ("112" in first or "158" in first)


@pytest.mark.parametrize("answer", ["deny", "dont_know"])
async def test_not_safe_answer_gets_112_then_158(
    answer, make_tracker, dispatcher, domain
):
    tracker = make_tracker(
        answer, language="cs", slots={"pending_question": "safety_check"}
    )

    events = await ActionFollowUp().run(dispatcher, tracker, domain)

    assert in_order(texts(dispatcher)[0], ["112", "158"])
    assert events == [
        SlotSet("language", "cs"),
        SlotSet("situation", "not_safe"),
        SlotSet("pending_question", None),
    ]


@pytest.mark.parametrize("answer", ["deny", "dont_know"])
async def test_no_or_dont_know_after_the_not_safe_answer_gets_it_again(
    answer, make_tracker, dispatcher, domain
):
    """ "Nevím" right after "call 112 now" is not answered "anything else?"."""
    tracker = make_tracker(answer, language="cs", slots={"situation": "not_safe"})

    events = await ActionFollowUp().run(dispatcher, tracker, domain)

    first = texts(dispatcher)[0]
    assert first.startswith(load_dataset().situations["not_safe"].text["cs"])
    assert in_order(first, ["112", "158"])
    assert SlotSet("situation", "not_safe") in events


async def test_yes_after_the_not_safe_answer_is_asked_what_else(
    make_tracker, dispatcher, domain
):
    tracker = make_tracker("affirm", language="en", slots={"situation": "not_safe"})

    await ActionFollowUp().run(dispatcher, tracker, domain)

    assert texts(dispatcher) == [load_dataset().template("anything_else", "en")]


async def test_safe_answer_offers_more_topics(make_tracker, dispatcher, domain):
    dataset = load_dataset()
    tracker = make_tracker(
        "affirm", language="en", slots={"pending_question": "safety_check"}
    )

    events = await ActionFollowUp().run(dispatcher, tracker, domain)

    assert texts(dispatcher) == [dataset.template("glad_safe", "en")]
    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == dataset.buttons("more_topics", "en")
    assert events == [SlotSet("language", "en"), SlotSet("pending_question", None)]


async def test_yes_without_a_question_asks_what_else(make_tracker, dispatcher, domain):
    tracker = make_tracker("affirm", language="cs", slots={"situation": "ask_rights"})

    events = await ActionFollowUp().run(dispatcher, tracker, domain)

    assert texts(dispatcher) == [load_dataset().template("anything_else", "cs")]
    assert events == [SlotSet("language", "cs"), SlotSet("pending_question", None)]


@pytest.mark.parametrize("answer", ["affirm", "deny", "dont_know"])
@pytest.mark.parametrize("situation", [None, "greet", "not_sure"])
async def test_before_any_answer_a_short_reply_is_asked_what_is_happening(
    answer, situation, make_tracker, dispatcher, domain
):
    """ "Nevím, jak to říct" after the greeting: not "anything else?"."""
    slots = {"situation": situation} if situation else {}
    tracker = make_tracker(answer, language="uk", slots=slots)

    events = await ActionFollowUp().run(dispatcher, tracker, domain)

    dataset = load_dataset()
    assert texts(dispatcher)[0].startswith(dataset.situations["not_sure"].text["uk"])
    assert "116 111" in texts(dispatcher)[0]
    titles = [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    assert titles == dataset.buttons("main_situations", "uk")
    assert SlotSet("situation", "not_sure") in events


async def test_stop_before_any_answer_is_only_acknowledged(
    make_tracker, dispatcher, domain
):
    await ActionFollowUp().run(dispatcher, make_tracker("stop", language="en"), domain)

    assert texts(dispatcher) == [load_dataset().template("anything_else", "en")]


async def test_delete_confirms_and_leaves_erasing_to_the_store(
    make_tracker, dispatcher, domain
):
    tracker = make_tracker("delete_conversation", language="en")

    events = await ActionDeleteConversation().run(dispatcher, tracker, domain)

    expected = load_dataset().situations["conversation_deleted"].text["en"]
    assert texts(dispatcher)[0].startswith(expected)
    assert events == []


# --- "Am I in trouble?": the first bubble depends on the case -----------------------

# Ukrainian: the stem of жертва (жертвою, жертви...).
VICTIM = {"cs": "oběť", "en": "victim", "uk": "жертв"}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_forwarder_and_a_sender_get_different_first_bubbles(
    language, make_tracker, domain
):
    first = {}
    replies = {}
    for intent in ("trouble_others_images", "trouble_sent_own"):
        dispatcher = CollectingDispatcher()
        await ActionReferToHelp().run(
            dispatcher, make_tracker(intent, language=language), domain
        )
        replies[intent] = texts(dispatcher)
        first[intent] = replies[intent][0]

    assert first["trouble_others_images"] != first["trouble_sent_own"]
    assert "116 111" in first["trouble_others_images"]
    # The sender is told a pressurer or blackmailer is to blame...
    assert VICTIM[language] in first["trouble_sent_own"].lower()
    # ...the forwarder is never told they are the victim, in any bubble.
    forwarder = replies["trouble_others_images"]
    assert all(VICTIM[language] not in text.lower() for text in forwarder)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_am_i_in_trouble_without_the_case_asks_which_it_is(
    language, make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    tracker = make_tracker("am_i_in_trouble", language=language)

    await ActionReferToHelp().run(dispatcher, tracker, domain)

    first = texts(dispatcher)[0]
    assert "116 111" in first
    assert VICTIM[language] not in " ".join(texts(dispatcher)).lower()
    last = dispatcher.messages[-1]
    assert last["text"] == dataset.situations["am_i_in_trouble"].question[language]
    assert [b["title"] for b in last["buttons"]] == dataset.buttons(
        "trouble_cases", language
    )


@pytest.mark.parametrize("language", ["cs", "en"])
@pytest.mark.parametrize("intent", ["immediate_danger", "suicidal_thoughts"])
async def test_urgent_answer_comes_first_and_then_where_help_with_pictures_is(
    intent, language, make_tracker, dispatcher, domain
):
    # "he has my nudes and he is outside my door": the NLU marks also_pictures.
    dataset = load_dataset()
    tracker = make_tracker(intent, language=language)
    tracker.latest_message["also_pictures"] = True

    await ActionReferToHelp().run(dispatcher, tracker, domain)

    bubbles = texts(dispatcher)
    urgent = len(situation_replies(dataset, intent, language))
    assert bubbles[0].startswith(dataset.situations[intent].text[language])
    pictures = dispatcher.messages[urgent]
    assert pictures["text"] == dataset.template("also_pictures", language)
    assert "116 111" in pictures["text"]
    assert [b["title"] for b in pictures["buttons"]] == dataset.buttons(
        "picture_situations", language
    )
    assert bubbles[-1] == dataset.template("safety_question", language)


async def test_without_pictures_the_urgent_answer_has_no_pictures_bubble(
    make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    tracker = make_tracker("suicidal_thoughts", language="en")

    await ActionReferToHelp().run(dispatcher, tracker, domain)

    assert dataset.template("also_pictures", "en") not in texts(dispatcher)


# --- One tap to call, and the law when asked for ---------------------------------


@pytest.mark.parametrize("language", ["cs", "en"])
@pytest.mark.parametrize("intent,numbers", FIRST_REPLY_NUMBERS)
async def test_the_first_bubble_carries_its_helplines_as_call_buttons(
    intent, numbers, language, make_tracker, dispatcher, domain
):
    dataset = load_dataset()

    await ActionReferToHelp().run(
        dispatcher, make_tracker(intent, language=language), domain
    )

    first = dispatcher.messages[0]
    helplines = first["custom"]["helplines"]
    ids = dataset.situations[intent].helplines
    assert [h["id"] for h in helplines] == ids
    for helpline, helpline_id in zip(helplines, ids, strict=True):
        record = dataset.helpline(helpline_id)
        assert helpline["dial"] == record.dial
        assert helpline["number"] == record.number
        assert helpline["number"] in first["text"]  # old clients lose nothing
        assert helpline["label"] == dataset.template("call_button", language).format(
            number=record.number
        )
    assert all("custom" not in m or not m["custom"] for m in dispatcher.messages[1:])


# Disclosures: opener and helplines, what to do now, the question; no facts.
DEFERRED = ["sextortion", "images_shared", "grooming", "stalking", "parent_teacher"]
# Legal questions: the facts are the answer.
AT_ONCE = ["ask_rights", "ask_compensation", "victim_process", "trouble_sent_own"]


def fact_texts(situation_id: str, language: str) -> List[str]:
    dataset = load_dataset()
    return [
        dataset.fact(fact_id).text[language]
        for fact_id in dataset.situations[situation_id].facts
    ]


@pytest.mark.parametrize("intent", DEFERRED)
async def test_a_disclosure_leaves_the_law_for_later(
    intent, make_tracker, dispatcher, domain
):
    dataset = load_dataset()

    await ActionReferToHelp().run(
        dispatcher, make_tracker(intent, language="cs"), domain
    )

    everything = "\n".join(texts(dispatcher))
    assert fact_texts(intent, "cs")
    assert not any(fact in everything for fact in fact_texts(intent, "cs"))
    assert dataset.template("facts_heading", "cs") not in everything
    steps = dataset.template("steps_heading", "cs")
    assert texts(dispatcher)[1].startswith(steps)
    titles = [b["title"] for b in dispatcher.messages[-1]["buttons"]]
    assert titles[-1] == dataset.buttons("ask_law", "cs")[0]


@pytest.mark.parametrize("intent", AT_ONCE)
async def test_a_legal_question_gets_its_facts_at_once(
    intent, make_tracker, dispatcher, domain
):
    await ActionReferToHelp().run(
        dispatcher, make_tracker(intent, language="en"), domain
    )

    everything = "\n".join(texts(dispatcher))
    assert all(fact in everything for fact in fact_texts(intent, "en"))
    titles = [b["title"] for m in dispatcher.messages for b in m.get("buttons", [])]
    assert load_dataset().buttons("ask_law", "en")[0] not in titles


@pytest.mark.parametrize("language", ["cs", "en"])
async def test_asking_for_the_law_sends_the_facts_then_asks_again_if_safe(
    language, make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    tracker = make_tracker(
        "ask_law",
        language=language,
        slots={"situation": "sextortion", "pending_question": "safety_check"},
    )

    events = await ActionExplainLaw().run(dispatcher, tracker, domain)

    facts, question = dispatcher.messages
    assert facts["text"].startswith(dataset.template("facts_heading", language))
    assert all(fact in facts["text"] for fact in fact_texts("sextortion", language))
    assert question["text"] == dataset.template("safety_question", language)
    assert [b["title"] for b in question["buttons"]] == dataset.buttons(
        "yes_no", language
    )
    assert events == [SlotSet("language", language)]  # still waiting for the answer


async def test_the_law_without_a_pending_question_offers_more_topics(
    make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    tracker = make_tracker("ask_law", language="en", slots={"situation": "grooming"})

    await ActionExplainLaw().run(dispatcher, tracker, domain)

    (facts,) = dispatcher.messages
    assert all(fact in facts["text"] for fact in fact_texts("grooming", "en"))
    assert [b["title"] for b in facts["buttons"]] == dataset.buttons(
        "more_topics", "en"
    )


@pytest.mark.parametrize("situation", [None, "immediate_danger"])
async def test_the_law_with_no_situation_of_facts_is_the_rights_answer(
    situation, make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    slots = {"situation": situation} if situation else {}
    tracker = make_tracker("ask_law", language="cs", slots=slots)

    events = await ActionExplainLaw().run(dispatcher, tracker, domain)

    assert texts(dispatcher)[0].startswith(dataset.situations["ask_rights"].text["cs"])
    everything = "\n".join(texts(dispatcher))
    assert all(fact in everything for fact in fact_texts("ask_rights", "cs"))
    assert SlotSet("situation", "ask_rights") in events


async def test_safe_after_a_disclosure_still_offers_the_law(
    make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    tracker = make_tracker(
        "affirm",
        language="cs",
        slots={"pending_question": "safety_check", "situation": "sextortion"},
    )

    await ActionFollowUp().run(dispatcher, tracker, domain)

    titles = [b["title"] for b in dispatcher.messages[0]["buttons"]]
    assert titles == [
        *dataset.buttons("ask_law", "cs"),
        *dataset.buttons("more_topics", "cs"),
    ]


def call_numbers(message) -> List[str]:
    return [helpline["number"] for helpline in message["custom"]["helplines"]]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_what_now_sends_the_steps_again_then_asks_again_if_safe(
    language, make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    tracker = make_tracker(
        "ask_what_now",
        language=language,
        slots={"situation": "sextortion", "pending_question": "safety_check"},
    )

    events = await ActionWhatNow().run(dispatcher, tracker, domain)

    steps, helplines, question = dispatcher.messages
    assert steps["text"].startswith(dataset.template("steps_heading", language))
    sextortion = dataset.situations["sextortion"]
    assert all(step in steps["text"] for step in sextortion.steps[language])
    assert in_order(helplines["text"], ["116 111", "158", "116 006"])
    assert call_numbers(helplines) == ["116 111", "158", "116 006"]
    assert question["text"] == dataset.template("safety_question", language)
    assert [b["title"] for b in question["buttons"]] == [
        *dataset.buttons("yes_no", language),
        *dataset.buttons("ask_law", language),
    ]
    assert events == [SlotSet("language", language)]  # still waiting for the answer


async def test_what_now_without_a_pending_question_offers_the_law_and_more_topics(
    make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    tracker = make_tracker(
        "ask_what_now", language="en", slots={"situation": "images_shared"}
    )

    await ActionWhatNow().run(dispatcher, tracker, domain)

    steps, helplines = dispatcher.messages
    assert "Take It Down" in steps["text"]
    assert [b["title"] for b in helplines["buttons"]] == [
        *dataset.buttons("ask_law", "en"),
        *dataset.buttons("more_topics", "en"),
    ]


@pytest.mark.parametrize("situation", ["immediate_danger", "suicidal_thoughts"])
async def test_what_now_when_urgent_names_the_emergency_numbers_first(
    situation, make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    tracker = make_tracker(
        "ask_what_now",
        language="cs",
        slots={"situation": situation, "pending_question": "safety_check"},
    )

    await ActionWhatNow().run(dispatcher, tracker, domain)

    helplines, steps, question = dispatcher.messages
    numbers = FIRST_REPLY_NUMBERS_BY_INTENT[situation]
    assert in_order(helplines["text"], numbers)
    assert call_numbers(helplines)[: len(numbers)] == numbers
    assert all(
        step in steps["text"] for step in dataset.situations[situation].steps["cs"]
    )
    assert question["text"] == dataset.template("safety_question", "cs")


@pytest.mark.parametrize("situation", [None, "not_sure", "greet"])
async def test_what_now_with_no_steps_to_repeat_asks_what_is_happening(
    situation, make_tracker, dispatcher, domain
):
    dataset = load_dataset()
    slots = {"situation": situation} if situation else {}
    tracker = make_tracker("ask_what_now", language="uk", slots=slots)

    events = await ActionWhatNow().run(dispatcher, tracker, domain)

    first = texts(dispatcher)[0]
    assert first.startswith(dataset.situations["not_sure"].text["uk"])
    assert "116 111" in first
    assert SlotSet("situation", "not_sure") in events
