"""Conversation control: answers to follow-up questions, deleting the chat."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import reply_language
from actions.referral import NOT_SURE, more_topics, refer
from actions.statistics import count_reply
from referrals import load_dataset
from referrals.render import Reply, send_all
from stats.measures import is_referral

# Answers to "Are you safe right now?" that mean the child may not be safe.
NOT_SAFE_ANSWERS = ("deny", "dont_know")


class ActionFollowUp(Action):
    """Handles yes / no / "I don't know" after the assistant asked something,
    or said something; before anything was answered, asks what is happening."""

    def name(self) -> Text:
        return "action_follow_up"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        lang = reply_language(tracker)
        intent = tracker.latest_message.get("intent", {}).get("name")
        pending = tracker.get_slot("pending_question")
        situation = tracker.get_slot("situation")
        if pending == "safety_check" and intent in NOT_SAFE_ANSWERS:
            count_reply(tracker, "not_safe", lang)
            return refer(dispatcher, "not_safe", lang)
        if situation == "not_safe" and intent in NOT_SAFE_ANSWERS:
            # "Ne" or "nevím" right after "call 112 now": the child is still not
            # safe, or does not know what to do. The same answer again (counted
            # once), not "anything else?".
            return refer(dispatcher, "not_safe", lang)
        if pending is None and intent != "stop" and not is_referral(situation):
            # Nothing asked and nothing answered yet: "nevím, jak to říct" or
            # "no" after the greeting is a child still looking for words, not
            # one done with an answer ("anything else?"). Ask what is happening,
            # with a button for each main situation. ("Stop" gets "OK.")
            return refer(dispatcher, NOT_SURE, lang, "main_situations")
        dataset = load_dataset()
        template = "glad_safe" if pending == "safety_check" else "anything_else"
        buttons = more_topics(situation, lang)
        send_all(dispatcher, [Reply(dataset.template(template, lang), buttons)])
        return [SlotSet("language", lang), SlotSet("pending_question", None)]


class ActionDeleteConversation(Action):
    """Confirms deletion; the tracker store erases the conversation when it saves.

    See `bot.stores.tracker_store.PrivateSQLTrackerStore`: the turn in which this
    action ran is not saved, and every earlier event of the sender is deleted.
    """

    def name(self) -> Text:
        return "action_delete_conversation"

    async def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        refer(dispatcher, "conversation_deleted", reply_language(tracker))
        return []
