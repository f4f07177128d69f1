"""The custom actions, run as the action server runs them: real Tracker, dispatcher."""

from __future__ import annotations

from typing import List

import pytest
from rasa.core.channels.channel import CollectingOutputChannel
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import ActionDeleteConversation, ActionFollowUp
from actions.referral import ActionNotSure, ActionReferToHelp, ActionSafetyNet
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


def texts(dispatcher) -> List[str]:
    return [message["text"] for message in dispatcher.messages]


async def as_a_channel_delivers(dispatcher) -> List[str]:
    """The bubbles a Rasa channel sends: it cuts button-less texts at blank lines."""
    channel = CollectingOutputChannel()
    for message in dispatcher.messages:
        await channel.send_response("child", message)
    return [message["text"] for message in channel.messages]


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
    assert [b["title"] for b in last["buttons"]] == dataset.buttons("yes_no", "en")
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
    events = await ActionFollowUp().run(
        dispatcher, make_tracker("affirm", language="cs"), domain
    )

    assert texts(dispatcher) == [load_dataset().template("anything_else", "cs")]
    assert events == [SlotSet("language", "cs"), SlotSet("pending_question", None)]


async def test_delete_confirms_and_leaves_erasing_to_the_store(
    make_tracker, dispatcher, domain
):
    tracker = make_tracker("delete_conversation", language="en")

    events = await ActionDeleteConversation().run(dispatcher, tracker, domain)

    expected = load_dataset().situations["conversation_deleted"].text["en"]
    assert texts(dispatcher)[0].startswith(expected)
    assert events == []


# --- "Am I in trouble?": the first bubble depends on the case -----------------------

VICTIM = {"cs": "oběť", "en": "victim"}


@pytest.mark.parametrize("language", ["cs", "en"])
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


@pytest.mark.parametrize("language", ["cs", "en"])
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
