"""A second, linear opinion on the intent, averaged with DIET's."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import (
    LogisticRegressionClassifier,
)
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix
from sklearn.utils.extmath import softmax

logger = logging.getLogger(__name__)
# What a fitted model is made of: arrays only, read without pickle.
FITTED = ("classes_", "coef_", "intercept_", "n_features_in_", "n_iter_")


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
        probabilities = self._probabilities(X)
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

    def __init__(
        self,
        config: Dict[Text, Any],
        name: Text,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        # Where `persist` writes; Rasa keeps the same in private attributes.
        self.model_storage = model_storage
        self.resource = resource

    def persist(self) -> None:
        """The fitted arrays in a NumPy archive, instead of Rasa's skops file.

        Importing `skops.io` took 7.9 of the 28 seconds a Rasa server needed to
        start: it looks up the module of every NumPy and SciPy ufunc by walking
        `sys.modules`, which holds TensorFlow by then (README, "Performance and
        scale-out"). Plain arrays need neither skops nor pickle to be read.
        """
        arrays = {name: np.asarray(getattr(self.clf, name)) for name in FITTED}
        # Intent names as text, never objects: those would need pickle to read.
        arrays["classes_"] = arrays["classes_"].astype(str)
        with self.model_storage.write_to(self.resource) as model_dir:
            np.savez(model_dir / f"{self.resource.name}.npz", **arrays)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> AveragedLogisticRegressionClassifier:
        """The classifier `persist` stored; untrained when training stored none
        (no intent examples), as Rasa's own classifier does."""
        component = cls(config, execution_context.node_name, model_storage, resource)
        try:
            with model_storage.read_from(resource) as model_dir:
                fitted = _read_fitted(model_dir / f"{resource.name}.npz")
        except ValueError:  # the model has no such resource
            logger.debug(f"No trained '{resource.name}' in the model: untrained.")
            return component
        for name, value in fitted.items():
            setattr(component.clf, name, value)
        return component

    def _probabilities(self, X: csr_matrix) -> np.ndarray:
        """`self.clf.predict_proba(X)` for a multinomial model, without copying
        the coefficients on every call.

        `predict_proba` multiplies the sparse counts by `coef_.T`, a transposed
        view that scipy first copies into a new array (tens of MB with the
        character n-grams), then validates the input again: 7 % of the server's
        CPU per turn under load (README, "Performance and scale-out"). The
        transposed matrix is made contiguous once; a model that is not
        multinomial (two intents, liblinear) still goes through scikit-learn.
        """
        weights = self._multinomial_weights()
        if weights is None:
            return self.clf.predict_proba(X)
        coefficients, intercept = weights
        return softmax(np.asarray(X @ coefficients) + intercept, copy=False)

    def _multinomial_weights(self) -> Optional[Tuple[np.ndarray, np.ndarray]]:
        """`coef_.T` (contiguous) and `intercept_`, made again after a new fit."""
        clf = self.clf
        multinomial = clf.multi_class == "multinomial" or (
            clf.multi_class == "auto"
            and clf.classes_.size > 2
            and clf.solver != "liblinear"
        )
        if not multinomial:
            return None
        cached = getattr(self, "_weights", None)
        if cached is None or cached[0] is not clf.coef_:
            transposed = np.ascontiguousarray(clf.coef_.T)
            cached = (clf.coef_, transposed, np.asarray(clf.intercept_))
            self._weights = cached
        return cached[1], cached[2]


def _read_fitted(path: Path) -> Dict[Text, Any]:
    """The arrays `persist` wrote. A damaged file is an error, never an
    untrained classifier (`load` treats ValueError as "nothing stored")."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            # Each `stored[name]` reads and inflates the array again: once each.
            arrays = {name: stored[name] for name in FITTED}
        return {
            name: array.item() if array.ndim == 0 else array
            for name, array in arrays.items()
        }
    except (ValueError, KeyError) as error:
        raise OSError(f"{path}: not a stored regression ({error})") from error
