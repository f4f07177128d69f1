"""An adult writing about a child in their care gets the parents' answer."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, Dict, List, Pattern, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.critical_phrases import (
    CRITICAL_INTENTS,
    decide_intent,
    normalise,
    word_list_pattern,
)
from bot.nlu.untrained import UntrainedComponent

PHRASES_FILE = Path(__file__).with_name("adult_voice.yml")
ADULT_INTENT = "parent_teacher"
# A child's own situations: said by an adult about their child, the parents'
# and teachers' answer is the right one. A topic question (compensation,
# rights, reporting, removal, prevention, the police interview, who helps)
# keeps its answer; danger and suicide are never replaced.
CHILD_SITUATIONS = frozenset(
    {
        "sextortion",
        "images_shared",
        "grooming",
        "cyberbullying",
        "stalking",
        "bystander",
        "am_i_in_trouble",
        "trouble_own_images",
        "trouble_sent_own",
        "trouble_others_images",
    }
)
# Below this confidence the model has not decided (the FallbackClassifier's
# threshold in config.yml): an adult's message is then the parents' case too.
UNDECIDED_BELOW = 0.3
# The confidence given to the parents' answer: above the FallbackClassifier's
# threshold, below a critical phrase's 1.0.
CONFIDENCE = 0.9


@functools.lru_cache(maxsize=1)
def adult_voice_pattern() -> Pattern[Text]:
    return word_list_pattern(PHRASES_FILE)


def adult_voice(text: Text) -> bool:
    """Whether the writer says they are an adult writing about a child."""
    return bool(adult_voice_pattern().search(normalise(text)))


def adult_intent(
    text: Text, chosen: Text, confidence: float, undecided_below: float
) -> Text:
    """The intent to answer with, given the model's choice and confidence."""
    if chosen == ADULT_INTENT:
        return chosen
    child_case = chosen in CHILD_SITUATIONS or confidence < undecided_below
    if child_case and chosen not in CRITICAL_INTENTS and adult_voice(text):
        return ADULT_INTENT
    return chosen


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class AdultVoiceClassifier(UntrainedComponent):
    """Sets the intent to `parent_teacher` when an adult writes about their
    child and the model chose a child's own situation (`adult_voice.yml`).

    Runs after the statistical classifiers and before the critical phrases, so
    a danger or suicide phrase still wins; the model's intent stays in the
    ranking.
    """

    def __init__(self, undecided_below: float) -> None:
        self.undecided_below = undecided_below

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"undecided_below": UNDECIDED_BELOW}

    @classmethod
    def from_config(cls, config: Dict[Text, Any]) -> AdultVoiceClassifier:
        return cls(float(config["undecided_below"]))

    @classmethod
    def load_resources(cls) -> None:
        adult_voice_pattern()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            chosen = intent.get("name") or ""
            confidence = float(intent.get("confidence") or 0.0)
            text = message.get(TEXT) or ""
            if adult_intent(text, chosen, confidence, self.undecided_below) != chosen:
                decide_intent(
                    message, ADULT_INTENT, CONFIDENCE, self.__class__.__name__
                )
        return messages
