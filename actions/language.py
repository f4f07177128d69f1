"""Which language to answer in."""

from __future__ import annotations

from typing import Text

from rasa_sdk import Tracker

from referrals.schema import LANGUAGES

DEFAULT_LANGUAGE = "cs"


def reply_language(tracker: Tracker) -> Text:
    """The language of the latest message, else of the conversation, else Czech.

    The NLU's LanguageDetector adds `language` to the parse data when a message
    shows its language; the slot keeps it for messages that do not ("ok", "112").
    """
    detected = tracker.latest_message.get("language")
    if detected in LANGUAGES:
        return str(detected)
    slot = tracker.get_slot("language")
    return str(slot) if slot in LANGUAGES else DEFAULT_LANGUAGE
