"""The custom NLU components: language, lemmas, critical phrases."""

from __future__ import annotations

import pytest
import yaml
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.adult_voice import AdultVoiceClassifier
from bot.nlu.critical_phrases import (
    PHRASES_FILE,
    CriticalPhraseClassifier,
    critical_intent,
    normalise,
)
from bot.nlu.detection import marker_counts
from bot.nlu.language import LanguageDetector, detect_language
from bot.nlu.tokenizer import MultilingualSpacyTokenizer
from referrals.schema import LANGUAGES
from tests.support import ROOT

LANGUAGE_OF = [
    # Czech, with and without diacritics
    ("nekdo me vydira s fotkama", "cs"),
    ("Někdo mě vydírá", "cs"),
    ("Dobrý den, moje dcera", "cs"),
    ("ahoj", "cs"),
    ("ja nevim co mam delat", "cs"),
    ("jsou tam moje fotky", "cs"),
    ("počkej, šlo by to?", "cs"),  # š and č alone no longer decide
    ("ščo take odškodnění", "uk"),  # ...and a Czech word in Ukrainian does not
    # English
    ("someone is blackmailing me", "en"),
    ("i want to die", "en"),
    ("can i talk to a real person", "en"),
    ("yes", "en"),
    ("idk", "en"),
    ("is linka bezpečí free?", "en"),
    # Ukrainian in Cyrillic; Russian is answered in Ukrainian too
    ("мене шантажують", "uk"),
    ("допоможіть", "uk"),
    ("так", "uk"),
    ("мне страшно, помогите", "uk"),
    # Ukrainian in Latin letters, with háček letters and with digraphs
    ("ja ne znaju šo robyty", "uk"),
    ("vin kaže šo skyne moje foto", "uk"),
    ("ne choču žyty", "uk"),
    ("mene šantažuje", "uk"),
    ("možuť mene posadyty?", "uk"),  # ť is a soft t here, not Czech
    ("ja ne znayu shcho robyty", "uk"),
    ("vin pyshe meni", "uk"),
    ("dopomozhit", "uk"),
    ("ne khochu zhyty", "uk"),
    ("jakshcho ja zaplachu", "uk"),
    # Words of two languages say nothing: a Ukrainian "ne" or "tak" (yes) must
    # not switch a conversation to Czech; the conversation's language stays.
    ("ne", None),
    ("tak", None),
    ("so", None),  # English "so" is not the Ukrainian "šo"
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


def test_a_ukrainian_hint_keeps_a_ukrainian_no_in_ukrainian():
    message = Message(data={"text": "ne", "metadata": {"language_hint": "uk"}})

    LanguageDetector().process([message])

    assert message.get("language") == "uk"


MARKER_OF = {"cs": "nevim", "en": "please", "uk": "shcho"}


def test_every_language_has_marker_words():
    assert set(MARKER_OF) == set(LANGUAGES)
    assert all(marker_counts(word)[lang] for lang, word in MARKER_OF.items())


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
    # Ukrainian, Cyrillic
    ("я хочу вбити себе", "suicidal_thoughts"),
    ("думаю покінчити з собою", "suicidal_thoughts"),
    ("я більше не хочу жити", "suicidal_thoughts"),
    ("Хочу померти", "suicidal_thoughts"),
    ("знову ріжу себе", "suicidal_thoughts"),
    ("думаю про самогубство", "suicidal_thoughts"),
    ("покiнчити з собою", "suicidal_thoughts"),  # a Latin i in a Cyrillic word
    ("він мене б'є", "immediate_danger"),
    ("він мене бʼє", "immediate_danger"),  # the Ukrainian letter apostrophe
    ("він мене б’є", "immediate_danger"),
    ("він стоїть під дверима", "immediate_danger"),
    ("мене переслідує якийсь чоловік", "immediate_danger"),
    ("я в небезпеці", "immediate_danger"),
    ("він хоче мене вбити", "immediate_danger"),
    # Ukrainian, Latin letters with háček letters and with digraphs
    ("vbyty sebe", "suicidal_thoughts"),
    ("ne choču žyty", "suicidal_thoughts"),
    ("ne khochu zhyty", "suicidal_thoughts"),
    ("khochu pomerty", "suicidal_thoughts"),
    ("vin mene b'je", "immediate_danger"),
    ("ja v nebezpeci", "immediate_danger"),
    ("vin stojit pid dveryma", "immediate_danger"),
    # Russian is answered in Ukrainian; its explicit wording counts too
    ("не хочу жить", "suicidal_thoughts"),
    ("он меня бьёт", "immediate_danger"),
    # Ukrainian messages that must not be forced: idioms, the past, a question
    ("мама мене вб'є за оцінку", None),
    ("mama mene vbje za ocinku", None),
    ("ця домашка мене вбиває", None),
    ("мене побили і забрали телефон, хто поверне гроші?", None),
    ("він мене бісить", None),
    ("мене шантажують фотками", None),
    ("дякую, мені вже краще", None),
]


@pytest.mark.parametrize("text,intent", CRITICAL)
def test_critical_phrases(text, intent):
    assert critical_intent(text) == intent


def test_every_language_has_danger_and_suicide_phrases():
    with PHRASES_FILE.open(encoding="utf-8") as handle:
        phrases = yaml.safe_load(handle)
    assert set(phrases) == {
        "suicidal_thoughts",
        "immediate_danger",
        "idioms",
        "pictures",
    }
    for intent in ("suicidal_thoughts", "immediate_danger"):
        assert all(phrases[intent].get(lang) for lang in LANGUAGES)
    assert all(phrases["pictures"].get(lang) for lang in LANGUAGES)


def test_no_phrase_is_listed_twice():
    with PHRASES_FILE.open(encoding="utf-8") as handle:
        phrases = yaml.safe_load(handle)
    for kind, by_language in phrases.items():
        for language, listed in by_language.items():
            seen = [normalise(str(p)) for p in listed]
            twice = sorted({p for p in seen if seen.count(p) > 1})
            assert not twice, (kind, language, twice)


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
def tokenizer() -> MultilingualSpacyTokenizer:
    return MultilingualSpacyTokenizer(MultilingualSpacyTokenizer.get_default_config())


def lemmas(tokenizer: MultilingualSpacyTokenizer, text: str) -> list:
    message = Message(data={"text": text})
    return [token.lemma for token in tokenizer.tokenize(message, "text")]


@pytest.mark.parametrize(
    "component,text,intent",
    [
        (
            CriticalPhraseClassifier,
            "he has my nudes and wants money, i want to kill myself",
            "suicidal_thoughts",
        ),
        (
            lambda: AdultVoiceClassifier(0.3),
            "my son says someone is blackmailing him with photos",
            "parent_teacher",
        ),
    ],
    ids=["critical phrase", "adult voice"],
)
def test_a_rule_s_decision_is_not_undone_by_the_fallback(component, text, intent):
    # The model is all but sure of blackmail; the rule decides otherwise.
    message = Message(data={"text": text})
    model = [{"name": "sextortion", "confidence": 0.999}]
    model.append({"name": "grooming", "confidence": 0.001})
    message.set("intent", model[0])
    message.set("intent_ranking", model)

    component().process([message])
    fallback().process([message])

    assert message.get("intent")["name"] == intent
    ranking = message.get("intent_ranking")
    assert [r["name"] for r in ranking] == [intent, "sextortion", "grooming"]
    assert ranking[0]["confidence"] - ranking[1]["confidence"] >= 0.02


def fallback() -> FallbackClassifier:
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    settings = next(c for c in config["pipeline"] if c["name"] == "FallbackClassifier")
    return FallbackClassifier({**FallbackClassifier.get_default_config(), **settings})


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


UKRAINIAN_LEMMAS = [
    ("мене шантажують", ["мене", "шантажувати"]),
    ("він шантажує", ["він", "шантажувати"]),
    ("хоче гроші", ["хотіти", "гроші"]),
    ("він мене б'є", ["він", "мене", "бити"]),
    ("він мене б’є", ["він", "мене", "бити"]),  # typographic apostrophe
    ("він мене бʼє", ["він", "мене", "бити"]),  # the Ukrainian letter apostrophe
    ("Розішле", ["розіслати"]),
    ("моїми фото", ["мій", "фото"]),  # ї kept: "моими" is not in the dictionary
    ("kazhe sho", ["kazhe", "sho"]),  # Latin letters: no dictionary, the word itself
]


@pytest.mark.parametrize("text,expected", UKRAINIAN_LEMMAS)
def test_ukrainian_lemmas(tokenizer, text, expected):
    assert lemmas(tokenizer, text) == expected


def test_ukrainian_inflections_meet_in_one_lemma(tokenizer):
    assert lemmas(tokenizer, "шантажують")[0] == lemmas(tokenizer, "шантажувала")[0]


def test_punctuation_only_message_still_has_a_token(tokenizer):
    assert lemmas(tokenizer, "?!") == ["?!"]
