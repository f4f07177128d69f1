""" "Am I in trouble?" answered for one case only when the model is sure which.

The three cases get different legal answers (referrals/data/situations.yml):
one's own pictures kept (not a crime), one's own pictures sent (whoever pressured
is to blame; from 15 it can be judged), someone else's pictures kept or
forwarded (can be a crime). A child told the answer of another case reads
something untrue for them, for example that keeping pictures is not a crime
when they are someone else's. When the model's choice among the three is not
clear, the general answer (`am_i_in_trouble`) says only what is true in every
case and asks which it is, with a button for each.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.critical_phrases import decide_intent
from bot.nlu.untrained import UntrainedComponent

GENERAL_INTENT = "am_i_in_trouble"
CASE_INTENTS = frozenset(
    {"trouble_own_images", "trouble_sent_own", "trouble_others_images"}
)
# The chosen case's share of the three cases' confidence below which the case
# is not clear (README, "NLU figures": measured on the development part).
DECIDED_SHARE = 0.7


def general_when_unclear(
    chosen: Text, ranking: Mapping[Text, float], decided_share: float
) -> bool:
    """Whether a case the model chose should be answered with the general answer."""
    if chosen not in CASE_INTENTS:
        return False
    cases = sum(ranking.get(intent, 0.0) for intent in CASE_INTENTS)
    return cases > 0 and ranking.get(chosen, 0.0) / cases < decided_share


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False
)
class TroubleCaseClassifier(UntrainedComponent):
    """Sets the intent to `am_i_in_trouble` when the model chose one of the
    three cases without a clear lead over the other two.

    Runs after the adult voice and before the critical phrases, so danger and
    suicide still win. The general answer's confidence is what the model gave
    the four "am I in trouble?" intents together: the model was sure of the
    question, not of the case.
    """

    def __init__(self, decided_share: float) -> None:
        self.decided_share = decided_share

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"decided_share": DECIDED_SHARE}

    @classmethod
    def from_config(cls, config: Dict[Text, Any]) -> TroubleCaseClassifier:
        return cls(float(config["decided_share"]))

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            chosen = (message.get(INTENT) or {}).get("name") or ""
            ranking = {
                str(entry.get("name")): float(entry.get("confidence") or 0.0)
                for entry in message.get(INTENT_RANKING_KEY) or []
            }
            if general_when_unclear(chosen, ranking, self.decided_share):
                together = sum(
                    ranking.get(intent, 0.0)
                    for intent in (*CASE_INTENTS, GENERAL_INTENT)
                )
                decide_intent(
                    message,
                    GENERAL_INTENT,
                    min(1.0, together),
                    self.__class__.__name__,
                )
        return messages
