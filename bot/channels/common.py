"""What every user channel does to an incoming message before Rasa sees it."""

from __future__ import annotations

import unicodedata
from typing import Any

# Rasa reads text that starts with "/" as an intent injection ("/intent{...}") and
# skips the NLU. Nothing a user types may do that, so the slashes are dropped and the
# rest goes through the NLU like any other text.
COMMAND_PREFIX = "/"

# A message longer than this is cut before it reaches the NLU (issue: bad input).
MAX_MESSAGE_CHARS = 2000


def sanitize_user_text(text: object) -> str:
    """Return text that is safe to hand to Rasa as a user message.

    - non-strings become "" (the caller answers empty messages kindly);
    - control characters other than newline and tab are removed;
    - leading "/" characters are removed, so `/intent` cannot bypass the NLU;
    - the result is cut to MAX_MESSAGE_CHARS.
    """
    if not isinstance(text, str):
        return ""
    cleaned = "".join(
        char
        for char in text
        if char in "\n\t" or unicodedata.category(char) not in ("Cc", "Cs")
    )
    cleaned = cleaned.strip()
    while cleaned.startswith(COMMAND_PREFIX):
        cleaned = cleaned[len(COMMAND_PREFIX) :].lstrip()
    return cleaned[:MAX_MESSAGE_CHARS]


def guard_on_new_message(on_new_message: Any, channel: str) -> Any:
    """Wrap Rasa's `on_new_message`: every channel's `blueprint()` starts with

        on_new_message = guard_on_new_message(on_new_message, self.name())

    and then calls `await on_new_message(UserMessage(text, output_channel,
    platform_sender_id, input_channel=self.name(), metadata=...))` as usual.
    The guard sanitises the text, pseudonymises the sender id, rate-limits, and
    sends the dataset's safety net when the turn fails, hangs or says nothing
    (`bot.channels.guard`). Replies reach `output_channel` with the platform's
    sender id as recipient, after the turn.
    """
    from bot.channels.guard import guard_on_new_message as guard

    return guard(on_new_message, channel)


def stored_sender_id(channel: str, sender_id: str) -> str:
    """The id under which Rasa stores the conversation of a platform sender.

    Use it whenever a channel asks the tracker store about a sender (e.g. "has
    this conversation had a reply yet?"): the store only knows pseudonyms.
    """
    from bot.channels.sender_ids import pseudonymous_sender_id, sender_id_key

    return pseudonymous_sender_id(channel, sender_id, sender_id_key())
