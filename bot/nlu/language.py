"""Tell Czech from English, per message.

The result is a top-level `language` key in the parse data (not an entity: an
entity would be compared, and fail, in end-to-end conversation tests). The actions
read it from `tracker.latest_message["language"]` and keep it in the slot.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, Optional, Text

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from referrals.schema import LANGUAGES

LANGUAGE_KEY = "language"
MARKERS_FILE = Path(__file__).with_name("language_markers.yml")
# Letters that occur in Czech and never in English words.
CZECH_LETTERS = frozenset("áčďéěíňóřšťúůýž")


def strip_diacritics(text: Text) -> Text:
    """`vydírá` -> `vydira`: how children type on phones."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.lru_cache(maxsize=1)
def _markers() -> Dict[Text, FrozenSet[Text]]:
    with MARKERS_FILE.open(encoding="utf-8") as handle:
        raw = yaml.safe_load(handle)
    return {lang: frozenset(str(word) for word in raw[lang]) for lang in LANGUAGES}


def _words(text: Text) -> List[Text]:
    cleaned = "".join(c if c.isalnum() or c == "'" else " " for c in text.lower())
    return cleaned.split()


def detect_language(text: Text) -> Optional[Text]:
    """Return "cs", "en", or None when the text does not say (e.g. "ok", "112")."""
    lowered = text.lower()
    if any(char in CZECH_LETTERS for char in lowered):
        return "cs"
    markers = _markers()
    words = [strip_diacritics(word) for word in _words(lowered)]
    scores = {lang: sum(word in markers[lang] for word in words) for lang in LANGUAGES}
    if scores["cs"] == scores["en"]:
        return None
    return "cs" if scores["cs"] > scores["en"] else "en"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False
)
class LanguageDetector(GraphComponent):
    """Adds `language` ("cs"/"en") to the parse data when the message shows it.

    A message that does not show it ("ok", "112", an emoji) adds nothing, so the
    slot keeps the language of the conversation. A channel may pass a
    `language_hint` in the message metadata (e.g. Telegram's language code); it is
    used only when the text itself does not decide.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            language = detect_language(message.get(TEXT) or "")
            if language is None:
                metadata = message.get("metadata") or {}
                hint = metadata.get("language_hint") if isinstance(metadata, dict) else None
                language = hint if hint in LANGUAGES else None
            if language is None:
                continue
            message.set(LANGUAGE_KEY, language, add_to_output=True)
        return messages
