""" "Am I in trouble?": one case's legal answer only when the model is sure which."""

from __future__ import annotations

from typing import Dict, List, Tuple

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.trouble_cases import (
    DECIDED_SHARE,
    GENERAL_INTENT,
    TroubleCaseClassifier,
)


def classified(ranking: List[Tuple[str, float]]) -> Dict:
    message = Message(data={"text": "muzu mit problem za ty fotky?"})
    name, confidence = ranking[0]
    message.set("intent", {"name": name, "confidence": confidence})
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    TroubleCaseClassifier(DECIDED_SHARE).process([message])
    return message.as_dict_nlu()


@pytest.mark.parametrize(
    "ranking",
    [
        # own pictures against someone else's, close: the reassurance that
        # keeping pictures is not a crime would be false for the second
        [("trouble_own_images", 0.5), ("trouble_others_images", 0.4)],
        [("trouble_sent_own", 0.45), ("trouble_own_images", 0.3), ("bystander", 0.2)],
        # the lead is clear over each case alone, not over the two together
        [
            ("trouble_others_images", 0.5),
            ("trouble_own_images", 0.15),
            ("trouble_sent_own", 0.15),
        ],
    ],
)
def test_an_unclear_case_gets_the_general_answer(ranking) -> None:
    parsed = classified(ranking)

    assert parsed["intent"]["name"] == GENERAL_INTENT
    assert parsed["decided_by"] == "TroubleCaseClassifier"
    # the model's choice stays in the ranking, after the decision
    names = [entry["name"] for entry in parsed["intent_ranking"]]
    assert names[0] == GENERAL_INTENT and ranking[0][0] in names


def test_the_general_answer_is_as_sure_as_the_model_was_of_the_question() -> None:
    parsed = classified(
        [
            ("trouble_own_images", 0.4),
            ("trouble_sent_own", 0.3),
            ("am_i_in_trouble", 0.1),
            ("sextortion", 0.2),
        ]
    )

    assert parsed["intent"]["confidence"] == pytest.approx(0.8)
    # above the "not sure" threshold of config.yml (0.3): a question the model
    # understood is not answered "not sure" because the case is unclear
    assert parsed["intent_ranking"][1]["confidence"] < 0.8


@pytest.mark.parametrize(
    "ranking",
    [
        # a clear case keeps its own answer
        [("trouble_own_images", 0.8), ("trouble_others_images", 0.1)],
        [("trouble_sent_own", 0.6), ("sextortion", 0.35), ("trouble_own_images", 0.05)],
        # not a case: untouched, however close the cases below it are
        [("sextortion", 0.4), ("trouble_sent_own", 0.3), ("trouble_own_images", 0.3)],
        [("am_i_in_trouble", 0.4), ("trouble_sent_own", 0.35)],
        [("suicidal_thoughts", 0.5), ("trouble_own_images", 0.25)],
    ],
)
def test_a_clear_case_or_another_intent_is_left_alone(ranking) -> None:
    parsed = classified(ranking)

    assert parsed["intent"]["name"] == ranking[0][0]
    assert "decided_by" not in parsed
