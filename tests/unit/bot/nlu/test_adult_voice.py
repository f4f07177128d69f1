"""An adult writing about their child gets the parents' answer; a child never does."""

from __future__ import annotations

from typing import Optional

import pytest
import yaml
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.adult_voice import (
    PHRASES_FILE,
    UNDECIDED_BELOW,
    AdultVoiceClassifier,
    adult_voice,
)
from referrals.schema import LANGUAGES


@pytest.mark.parametrize(
    "text",
    [
        "muj syn rika ze ho nekdo vydira",
        "Moje dcera (13) dostala zprávu od cizího chlapa",
        "jsem třídní učitelka a holky ze třídy sdílí fotky spolužačky",
        "my daughter's photos are on a telegram channel",
        "Teacher here, a boy in year 8 is being blackmailed",
        "our son got a message asking for pictures",
        "моя донька отримала погрози в інстаграмі",
        "я вчителька, учня шантажують фото",
        "moja donka kaže ščo joji pyše jakyjs cholovik",
        "moje dcerka brečí a nechce říct proč",
        "I'm the school counsellor, a pupil showed me threats",
        "мой сын не выходит из комнаты",
        "my 14yo got a message from a stranger",
        "mum of a 13 year old here, what should I do",
        "mám dceru v osmé třídě a někdo jí píše",
    ],
)
def test_an_adult_about_their_child(text: str) -> None:
    assert adult_voice(text)


@pytest.mark.parametrize(
    "text",
    [
        "moje mamka mi vzala mobil a nasla ty fotky",
        "učitel mi píše divný zprávy v noci",
        "my coach keeps texting me at night",
        "my mum found the messages and now she is angry",
        "moje třída se mi směje kvůli videu",
        "in my class a boy shares nudes of girls",
        "мама знайшла переписку і кричить",
        "já mám strach že to uvidí táta",
        "I teach myself guitar and someone hacked my account",
        "řekla jsem třídní učitelce co se stalo",
        "should i tell the school counselor about the video",
        "my form tutor saw the messages on my phone",
        "ja jsem to rekla trenerovi",
        "я татові нічого не сказала",
        "не знаю як мама відреагує",
        "my song got leaked with my face on it",
        "in my teen years nobody had snapchat",
        "my youngest sister saw the video",
        "я можу мати проблеми через це фото?",
    ],
)
def test_a_child_is_not_taken_for_an_adult(text: str) -> None:
    assert not adult_voice(text)


def test_every_language_has_adult_phrases() -> None:
    phrases = yaml.safe_load(PHRASES_FILE.read_text(encoding="utf-8"))
    assert set(phrases) == set(LANGUAGES)
    assert all(phrases[language] for language in LANGUAGES)


def classified(text: str, intent: str, confidence: float) -> Optional[str]:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": confidence})
    message.set("intent_ranking", [{"name": intent, "confidence": confidence}])
    AdultVoiceClassifier(UNDECIDED_BELOW).process([message])
    ranking = [entry["name"] for entry in message.get("intent_ranking")]
    assert intent in ranking  # the model's choice stays in the ranking
    return message.get("intent")["name"]


@pytest.mark.parametrize(
    "intent,confidence,expected",
    [
        # a child's own situation, said by a parent: the parents' answer
        ("grooming", 0.8, "parent_teacher"),
        ("bystander", 0.6, "parent_teacher"),
        ("trouble_others_images", 0.5, "parent_teacher"),
        # the model has not decided: the parents' answer, not "not sure"
        ("ask_rights", 0.2, "parent_teacher"),
        # a topic question keeps its answer
        ("ask_compensation", 0.7, "ask_compensation"),
        ("takedown", 0.9, "takedown"),
        ("victim_process", 0.5, "victim_process"),
        # danger and suicide are never replaced, however unsure
        ("immediate_danger", 0.2, "immediate_danger"),
        ("suicidal_thoughts", 0.6, "suicidal_thoughts"),
    ],
)
def test_what_the_parents_answer_replaces(
    intent: str, confidence: float, expected: str
) -> None:
    text = "my son told me someone online wants pictures of him"
    assert classified(text, intent, confidence) == expected


def test_a_child_keeps_the_model_s_choice() -> None:
    text = "someone online wants pictures of me"
    assert classified(text, "grooming", 0.8) == "grooming"
    assert classified(text, "grooming", 0.1) == "grooming"
