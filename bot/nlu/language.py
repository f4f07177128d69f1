"""Tell Czech, English and Ukrainian apart, per message: the NLU component.

The result is a top-level `language` key in the parse data (not an entity: an
entity would be compared, and fail, in end-to-end conversation tests). The actions
read it from `tracker.latest_message["language"]` and keep it in the slot. The
detection itself is `bot.nlu.detection.detect_language`.
"""

from __future__ import annotations

from typing import List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.detection import detect_language
from bot.nlu.untrained import UntrainedComponent
from referrals.schema import LANGUAGES

LANGUAGE_KEY = "language"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class LanguageDetector(UntrainedComponent):
    """Adds `language` ("cs"/"en"/"uk") to the parse data when the message shows it.

    A message that does not show it ("ok", "112", an emoji) adds nothing, so the
    slot keeps the language of the conversation. A channel may pass a
    `language_hint` in the message metadata (e.g. Telegram's language code); it is
    used only when the text itself does not decide.
    """

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            language = detect_language(message.get(TEXT) or "")
            if language is None:
                metadata = message.get("metadata") or {}
                hint = (
                    metadata.get("language_hint")
                    if isinstance(metadata, dict)
                    else None
                )
                language = hint if hint in LANGUAGES else None
            if language is None:
                continue
            message.set(LANGUAGE_KEY, language, add_to_output=True)
        return messages
