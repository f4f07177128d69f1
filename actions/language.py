"""Which language the action server answers in."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker

from referrals.text import first_language


def reply_language(tracker: Tracker) -> Text:
    """The language of the latest message, else of the conversation, else Czech.

    The NLU's LanguageDetector adds `language` to the parse data when a message
    shows its language; the slot keeps it for messages that do not ("ok", "112").
    """
    return first_language(
        tracker.latest_message.get("language"), tracker.get_slot("language")
    )
