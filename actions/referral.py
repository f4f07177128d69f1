"""Referrals: the answer to a disclosure or a question, from the dataset."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import reply_language
from actions.statistics import count_reply
from referrals import load_dataset
from referrals.render import (
    Reply,
    bullet_list,
    call_buttons,
    facts_reply,
    helpline_lines,
    send_all,
    situation_replies,
)
from referrals.schema import Situation

NOT_SURE = "not_sure"
SAFETY_NET = "safety_net"
# Asked for the law with no situation (or one without facts): the rights answer.
GENERAL_RIGHTS = "ask_rights"
LAW_BUTTONS = "ask_law"
MORE_TOPICS = "more_topics"

# The question each follow-up asks, as (template id, button set id).
FOLLOW_UP_QUESTIONS = {
    "safety_check": ("safety_question", "yes_no"),
    "compensation_offer": ("compensation_offer", "yes_no"),
}


def law_buttons(situation_id: Optional[Text], lang: Text) -> List[Text]:
    """The "What's the law?" button when the situation's legal facts wait to be
    asked (they were left out of its first reply); otherwise none."""
    dataset = load_dataset()
    if situation_id in dataset.situations and dataset.facts_wait_to_be_asked(
        situation_id
    ):
        return dataset.buttons(LAW_BUTTONS, lang)
    return []


def more_topics(situation_id: Optional[Text], lang: Text) -> List[Text]:
    """Under an answer that asks nothing: the law's button, then more topics."""
    return [
        *law_buttons(situation_id, lang),
        *load_dataset().buttons(MORE_TOPICS, lang),
    ]


def refer(
    dispatcher: CollectingDispatcher,
    situation_id: Text,
    lang: Text,
    buttons: Optional[Text] = None,
    also_pictures: bool = False,
) -> List[EventType]:
    """Send a situation's replies and its follow-up question; return the slots.

    `also_pictures`: the message was about danger or suicide and also about
    pictures; after the urgent answer, say where help with the pictures is.
    """
    dataset = load_dataset()
    replies = situation_replies(dataset, situation_id, lang, buttons)
    if also_pictures:
        replies.append(
            Reply(
                dataset.template("also_pictures", lang),
                dataset.buttons("picture_situations", lang),
            )
        )
    follow_up = dataset.situations[situation_id].follow_up
    replies.extend(follow_up_question(follow_up, lang))
    # On the last bubble: Messenger shows the quick replies of the last only.
    replies[-1] = replies[-1].with_buttons(law_buttons(situation_id, lang))
    send_all(dispatcher, replies)
    return [
        SlotSet("language", lang),
        SlotSet("situation", situation_id),
        SlotSet("pending_question", follow_up),
    ]


def follow_up_question(follow_up: Optional[Text], lang: Text) -> List[Reply]:
    """The bubble that asks the follow-up question, or none."""
    if follow_up not in FOLLOW_UP_QUESTIONS:
        return []
    dataset = load_dataset()
    template_id, button_set = FOLLOW_UP_QUESTIONS[follow_up]
    return [
        Reply(dataset.template(template_id, lang), dataset.buttons(button_set, lang))
    ]


def situation_in_slot(tracker: Tracker) -> Tuple[Text, Optional[Situation]]:
    """The situation answered last (the `situation` slot), if the dataset has it."""
    situation_id = tracker.get_slot("situation") or ""
    return situation_id, load_dataset().situations.get(situation_id)


class ActionReferToHelp(Action):
    """Answers the latest intent with its situation: helplines first."""

    def name(self) -> Text:
        return "action_refer_to_help"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        message = tracker.latest_message
        intent = message.get("intent", {}).get("name")
        situation_id = load_dataset().situation_id_for_intent(intent) or NOT_SURE
        buttons = "main_situations" if situation_id == NOT_SURE else None
        also_pictures = bool(message.get("also_pictures"))
        lang = reply_language(tracker)
        count_reply(tracker, situation_id, lang)
        return refer(dispatcher, situation_id, lang, buttons, also_pictures)


class ActionExplainLaw(Action):
    """ "What does the law say?": the legal facts of the situation in the
    `situation` slot, then the question still pending (are you safe?), if any.
    With no situation, or one without facts, the general rights answer."""

    def name(self) -> Text:
        return "action_explain_law"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        lang = reply_language(tracker)
        dataset = load_dataset()
        situation_id, situation = situation_in_slot(tracker)
        if situation is None or not situation.facts:
            return refer(dispatcher, GENERAL_RIGHTS, lang)
        pending = tracker.get_slot("pending_question")
        replies = follow_up_question(pending, lang)
        facts = facts_reply(dataset, situation_id, lang)
        if not replies:
            facts = facts.with_buttons(dataset.buttons(MORE_TOPICS, lang))
        replies.insert(0, facts)
        send_all(dispatcher, replies)
        return [SlotSet("language", lang)]


class ActionWhatNow(Action):
    """ "What do I do now?" after an answer: the steps of the situation in the
    `situation` slot again and its helplines with their call buttons (before the
    steps when it is urgent, after them otherwise), then the question still
    pending (are you safe?). With no situation, or one without steps, the "not
    sure" answer, which asks what is happening."""

    def name(self) -> Text:
        return "action_what_now"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        lang = reply_language(tracker)
        dataset = load_dataset()
        situation_id, situation = situation_in_slot(tracker)
        if situation is None or not situation.steps[lang]:
            return refer(dispatcher, NOT_SURE, lang, "main_situations")
        heading = dataset.template("steps_heading", lang)
        replies = [Reply(bullet_list(heading, situation.steps[lang]))]
        if situation.helplines:
            helplines = Reply(
                helpline_lines(dataset, situation.helplines, lang),
                helplines=call_buttons(dataset, situation.helplines, lang),
            )
            if situation.urgency == "urgent":
                replies.insert(0, helplines)
            else:
                replies.append(helplines)
        question = follow_up_question(tracker.get_slot("pending_question"), lang)
        if question:
            # As in the first reply: the question's own buttons, then the law's.
            replies.append(question[0].with_buttons(law_buttons(situation_id, lang)))
        else:
            # As after "yes, I'm safe": the law's, then more topics.
            replies[-1] = replies[-1].with_buttons(more_topics(situation_id, lang))
        send_all(dispatcher, replies)
        return [SlotSet("language", lang)]


class ActionNotSure(Action):
    """Low NLU confidence: say so, offer the main situations, name 116 111."""

    def name(self) -> Text:
        return "action_not_sure"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        return refer(dispatcher, NOT_SURE, reply_language(tracker), "main_situations")


class ActionSafetyNet(Action):
    """No rule knows what to do: never leave the child without the numbers."""

    def name(self) -> Text:
        return "action_safety_net"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        lang = reply_language(tracker)
        count_reply(tracker, SAFETY_NET, lang)
        return refer(dispatcher, SAFETY_NET, lang, "main_situations")
