"""Danger and suicide phrases that override the statistical intent."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Pattern, Text, Tuple

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.untrained import UntrainedComponent
from referrals.text import fold

PHRASES_FILE = Path(__file__).with_name("critical_phrases.yml")
# The key of the figures of speech removed before phrases are matched.
IDIOMS = "idioms"
# The key of the words that say a message is also about pictures.
PICTURES = "pictures"
CRITICAL_INTENTS = ("suicidal_thoughts", "immediate_danger")
# Set on the parse data of a danger or suicide message that also speaks of
# pictures: the reply then also says where help with the pictures is.
ALSO_PICTURES = "also_pictures"


# ’ (typographic) and ʼ (the Ukrainian letter apostrophe) are written as '.
APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})
# A Latin i beside a Cyrillic letter: Ukrainian typed on a keyboard without і.
LATIN_I_IN_CYRILLIC = re.compile(r"(?<=[\u0400-\u04ff])i|i(?=[\u0400-\u04ff])")


def normalise(text: Text) -> Text:
    """Lower case, no diacritics on Latin letters, apostrophes kept as ', other
    punctuation as spaces."""
    folded = LATIN_I_IN_CYRILLIC.sub("і", fold(text).translate(APOSTROPHES))
    return " ".join(re.sub(r"[^\w']+", " ", folded).split())


@functools.lru_cache(maxsize=1)
def _phrases_file() -> Dict[Text, Dict[Text, List[Any]]]:
    with PHRASES_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.lru_cache(maxsize=1)
def idiom_pattern() -> Pattern[Text]:
    """Figures of speech that sound critical and are not ("my mum will kill me")."""
    idioms = [str(p) for phrases in _phrases_file()[IDIOMS].values() for p in phrases]
    return re.compile("|".join(f"(?:{idiom})" for idiom in idioms))


@functools.lru_cache(maxsize=1)
def critical_patterns() -> Tuple[Tuple[Text, Pattern[Text]], ...]:
    """(intent, pattern) in the order they are checked."""
    raw = _phrases_file()
    patterns = []
    for intent in CRITICAL_INTENTS:
        by_language = raw[intent]
        phrases = {
            normalise(str(p)) for phrases in by_language.values() for p in phrases
        }
        patterns.append((intent, word_start_pattern(map(re.escape, phrases))))
    return tuple(patterns)


def word_start_pattern(alternatives: Iterable[Text]) -> Pattern[Text]:
    """One pattern matching any of `alternatives` (regexes over normalised text)
    at the start of a word, the longest tried first."""
    ordered = "|".join(sorted(alternatives, key=len, reverse=True))
    return re.compile(rf"(?:^|\s)(?:{ordered})")


# A listed phrase ending in this matches the start of a word (Czech inflections).
PREFIX = "*"


def listed_phrase_regex(phrase: Text) -> Text:
    """A phrase of a word list (`adult_voice.yml`, `delete_requests.yml`) as a
    regex over normalised text: whole words, or the start of a word with a final
    `*`; a whole word may be followed by "'s" ("my daughter's")."""
    if phrase.endswith(PREFIX):
        return re.escape(normalise(phrase[: -len(PREFIX)]))
    return re.escape(normalise(phrase)) + r"(?=[\s']|$)"


def word_list_pattern(path: Path) -> Pattern[Text]:
    """One pattern for every phrase of a YAML file of language -> phrases."""
    with path.open(encoding="utf-8") as handle:
        raw: Dict[Text, List[Any]] = yaml.safe_load(handle)
    phrases = {str(p) for by_language in raw.values() for p in by_language}
    return word_start_pattern(map(listed_phrase_regex, phrases))


@functools.lru_cache(maxsize=1)
def picture_pattern() -> Pattern[Text]:
    words = {normalise(str(w)) for ws in _phrases_file()[PICTURES].values() for w in ws}
    return word_start_pattern(map(re.escape, words))


def mentions_pictures(text: Text) -> bool:
    """Whether the text speaks of photos, videos or nudes (word starts)."""
    return bool(picture_pattern().search(normalise(text)))


def critical_intent(text: Text) -> Optional[Text]:
    """The critical intent a phrase in `text` demands, if any."""
    normalised = idiom_pattern().sub(" ", normalise(text))
    for intent, pattern in critical_patterns():
        if pattern.search(normalised):
            return intent
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class CriticalPhraseClassifier(UntrainedComponent):
    """Sets the intent to `suicidal_thoughts` / `immediate_danger` on a phrase match.

    Runs after DIET and before the FallbackClassifier; the statistical intent stays
    in the ranking, so evaluation can tell which layer decided.
    """

    @classmethod
    def load_resources(cls) -> None:
        critical_patterns(), idiom_pattern(), picture_pattern()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._decide(message)
            text = message.get(TEXT) or ""
            chosen = (message.get(INTENT) or {}).get("name")
            if chosen in CRITICAL_INTENTS and mentions_pictures(text):
                message.set(ALSO_PICTURES, True, add_to_output=True)
        return messages

    def _decide(self, message: Message) -> None:
        intent = critical_intent(message.get(TEXT) or "")
        if intent is not None:
            # Also when the model already chose this intent: its confidence may be
            # low enough for the FallbackClassifier to replace it.
            decide_intent(message, intent, 1.0, self.__class__.__name__)


def decide_intent(
    message: Message, intent: Text, confidence: float, decided_by: Text
) -> None:
    """Set `intent` on `message`, first in the ranking, the model's choices kept
    after it, and say which component decided.

    The model's choices keep their order but share what `confidence` leaves
    (1 - confidence, scaled): Rasa's FallbackClassifier answers "not sure" when
    the first two confidences of the ranking are close or the second is higher,
    so a rule's decision at 1.0 next to the model's 0.999 for blackmail was
    answered "not sure" instead of with the suicide referral.
    """
    decided = {"name": intent, "confidence": confidence}
    others = [
        entry
        for entry in message.get(INTENT_RANKING_KEY) or []
        if entry.get("name") != intent
    ]
    total = sum(float(entry.get("confidence") or 0.0) for entry in others)
    scale = min(1.0, (1.0 - confidence) / total) if total > 0 else 1.0
    ranking = [
        {**entry, "confidence": float(entry.get("confidence") or 0.0) * scale}
        for entry in others
    ]
    message.set(INTENT, decided, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [decided, *ranking], add_to_output=True)
    message.set("decided_by", decided_by, add_to_output=True)
