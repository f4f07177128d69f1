"""The custom NLU components: language, lemmas, critical phrases."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.critical_phrases import CriticalPhraseClassifier, critical_intent
from bot.nlu.language import LanguageDetector, detect_language
from bot.nlu.tokenizer import BilingualSpacyTokenizer

LANGUAGE_OF = [
    ("nekdo me vydira s fotkama", "cs"),
    ("Někdo mě vydírá", "cs"),
    ("Dobrý den, moje dcera", "cs"),
    ("ahoj", "cs"),
    ("ne", "cs"),
    ("someone is blackmailing me", "en"),
    ("i want to die", "en"),
    ("can i talk to a real person", "en"),
    ("yes", "en"),
    ("idk", "en"),
    ("ok", None),
    ("112", None),
    ("😢", None),
]


@pytest.mark.parametrize("text,language", LANGUAGE_OF)
def test_language_of_a_message(text, language):
    assert detect_language(text) == language


def test_language_hint_decides_only_when_the_text_does_not():
    detector = LanguageDetector()
    hinted = Message(data={"text": "ok", "metadata": {"language_hint": "en"}})
    czech = Message(
        data={"text": "nekdo me vydira", "metadata": {"language_hint": "en"}}
    )
    silent = Message(data={"text": "112"})

    detector.process([hinted, czech, silent])

    assert hinted.get("language") == "en"
    assert czech.get("language") == "cs"
    assert silent.get("language") is None


CRITICAL = [
    ("uz nechci zit", "suicidal_thoughts"),
    ("Už nechci žít", "suicidal_thoughts"),
    ("chci se zabit", "suicidal_thoughts"),
    ("mam chut se zabít", "suicidal_thoughts"),
    ("myslim na sebevrazdu", "suicidal_thoughts"),
    ("I want to kill myself", "suicidal_thoughts"),
    ("i've been cutting myself again", "suicidal_thoughts"),
    ("he is beating me right now", "immediate_danger"),
    ("je za dvermi a bojim se", "immediate_danger"),
    ("Jsem teď v nebezpečí", "immediate_danger"),
    ("I am in danger right now", "immediate_danger"),
    ("nekdo me vydira s fotkama", None),
    ("thanks, i feel better now", None),
    ("killing time before school", None),
    # Threats said with the verb first or last; being beaten up later today.
    ("rekl ze me zabije", "immediate_danger"),
    ("po skole me zmlati", "immediate_danger"),
    ("theyre gonna beat me up after school", "immediate_danger"),
    # Figures of speech are left to the statistical model (README, "NLU figures").
    ("my teacher is gonna kill me if i dont finish this", None),
    ("my mom will literally kill me when she sees my grades", None),
    ("mamka me zabije az uvidi znamky", None),
    ("naši mě zabijou", None),
]


@pytest.mark.parametrize("text,intent", CRITICAL)
def test_critical_phrases(text, intent):
    assert critical_intent(text) == intent


def test_critical_phrase_overrides_the_model_and_keeps_its_ranking():
    message = Message(data={"text": "i want to kill myself"})
    message.set("intent", {"name": "thank", "confidence": 0.8})
    message.set("intent_ranking", [{"name": "thank", "confidence": 0.8}])

    CriticalPhraseClassifier().process([message])

    assert message.get("intent") == {"name": "suicidal_thoughts", "confidence": 1.0}
    assert [r["name"] for r in message.get("intent_ranking")] == [
        "suicidal_thoughts",
        "thank",
    ]
    assert message.get("decided_by") == "CriticalPhraseClassifier"


@pytest.mark.parametrize(
    "text,intent,also_pictures",
    [
        ("he has my nudes and he is outside my door", "immediate_danger", True),
        ("vydira me fotkama a uz nechci zit", "suicidal_thoughts", True),
        ("i want to kill myself", "suicidal_thoughts", False),
        ("nekdo me vydira s fotkama", "sextortion", False),
    ],
)
def test_a_critical_message_about_pictures_is_marked(text, intent, also_pictures):
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.9})

    CriticalPhraseClassifier().process([message])

    assert message.get("intent")["name"] == intent
    assert bool(message.get("also_pictures")) is also_pictures


@pytest.fixture(scope="module")
def tokenizer() -> BilingualSpacyTokenizer:
    return BilingualSpacyTokenizer(BilingualSpacyTokenizer.get_default_config())


def lemmas(tokenizer: BilingualSpacyTokenizer, text: str) -> list:
    message = Message(data={"text": text})
    return [token.lemma for token in tokenizer.tokenize(message, "text")]


def test_critical_phrase_lifts_a_low_confidence_match_above_the_fallback():
    message = Message(data={"text": "i want to vanish and never come back"})
    message.set("intent", {"name": "suicidal_thoughts", "confidence": 0.3})
    message.set("intent_ranking", [{"name": "suicidal_thoughts", "confidence": 0.3}])

    CriticalPhraseClassifier().process([message])

    assert message.get("intent") == {"name": "suicidal_thoughts", "confidence": 1.0}
    assert message.get("intent_ranking") == [message.get("intent")]


def test_lemmas_meet_with_and_without_diacritics(tokenizer):
    assert lemmas(tokenizer, "chce peníze") == lemmas(tokenizer, "chce penize")
    assert lemmas(tokenizer, "chce peníze") == ["chtit", "peniz"]


def test_english_lemmas(tokenizer):
    assert lemmas(tokenizer, "he is blackmailing me with photos") == [
        "he",
        "be",
        "blackmail",
        "me",
        "with",
        "photo",
    ]


def test_punctuation_only_message_still_has_a_token(tokenizer):
    assert lemmas(tokenizer, "?!") == ["?!"]
