"""A second, linear opinion on the intent, averaged with DIET's."""

from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True
)
class AveragedLogisticRegressionClassifier(LogisticRegressionClassifier):
    """Logistic regression on the sparse word and character n-gram counts, averaged
    with the ranking an earlier classifier (DIET) left on the message.

    DIET's transformer reads word order; a bag of n-grams weighs every word of a
    long, rambling message. `weight` is this classifier's share of the average.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            **LogisticRegressionClassifier.get_default_config(),
            "weight": 0.5,
            "max_iter": 300,
        }

    def process(self, messages: List[Message]) -> List[Message]:
        weight = float(self.config["weight"])
        X = self._create_X(messages)
        probabilities = self.clf.predict_proba(X)
        for message, row in zip(messages, probabilities, strict=True):
            earlier = {
                entry["name"]: float(entry["confidence"])
                for entry in message.get(INTENT_RANKING_KEY) or []
            }
            own = dict(zip(self.clf.classes_, map(float, row), strict=True))
            names = set(earlier) | set(own)
            ranking = sorted(
                (
                    {
                        "name": name,
                        "confidence": (1 - weight) * earlier.get(name, 0.0)
                        + weight * own.get(name, 0.0),
                    }
                    for name in names
                ),
                key=lambda entry: -entry["confidence"],
            )[:10]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
