"""The first thing the guard does to a message: make its text safe to hand to Rasa."""

from __future__ import annotations

import unicodedata

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
