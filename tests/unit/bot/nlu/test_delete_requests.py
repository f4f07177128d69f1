"""Deleting this conversation is told apart from deleting evidence."""

from __future__ import annotations

from typing import Dict

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.delete_requests import (
    DELETE_INTENT,
    EVIDENCE_INTENT,
    DeleteRequestClassifier,
    deletes_something_else,
)
from tests.unit.data.test_nlu_data import TRAINING

ABOUT_EVIDENCE = [
    "чи треба мені видалити фото?",
    "chy treba meni vydalyty foto?",
    "mam smazat ty fotky?",
    "mam smazat chat s nim?",
    "mám vymazat jeho zprávy?",
    "should i delete the pics",
    "should i delete the chat with him",
    "видалити листування з ним?",
]


def classified(text: str, intent: str = DELETE_INTENT) -> Dict:
    message = Message(data={"text": text})
    message.set("intent", {"name": intent, "confidence": 0.8})
    message.set(
        "intent_ranking",
        [{"name": intent, "confidence": 0.8}, {"name": "greet", "confidence": 0.2}],
    )
    DeleteRequestClassifier().process([message])
    return message.as_dict_nlu()


@pytest.mark.parametrize("text", ABOUT_EVIDENCE)
def test_deleting_pictures_or_another_chat_does_not_erase_this_one(text) -> None:
    parsed = classified(text)

    assert parsed["intent"] == {"name": EVIDENCE_INTENT, "confidence": 0.8}
    assert parsed["decided_by"] == "DeleteRequestClassifier"


def test_every_request_to_delete_this_conversation_is_still_one() -> None:
    requests = [text for intent, text in TRAINING if intent == DELETE_INTENT]
    assert len(requests) > 90
    caught = [text for text in requests if deletes_something_else(text)]
    assert caught == []
    assert classified(requests[0])["intent"]["name"] == DELETE_INTENT


def test_other_intents_are_left_alone() -> None:
    parsed = classified("mam smazat ty fotky?", intent="images_shared")

    assert parsed["intent"]["name"] == "images_shared"
    assert "decided_by" not in parsed
