"""The logistic regression's opinion, averaged with DIET's, as scikit-learn gives it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from scipy.sparse import csr_matrix
from scipy.sparse import random as sparse_random

from bot.nlu.ensemble import AveragedLogisticRegressionClassifier

FEATURES = 400


def classifier(
    tmp_path: Path, intents: List[str]
) -> AveragedLogisticRegressionClassifier:
    component = AveragedLogisticRegressionClassifier.create(
        AveragedLogisticRegressionClassifier.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("ensemble"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    X = sparse_random(60, FEATURES, density=0.05, format="csr", random_state=1)
    y = [intents[i % len(intents)] for i in range(60)]
    component.clf.fit(X, y)
    return component


def counts(seed: int, rows: int = 5) -> csr_matrix:
    return sparse_random(rows, FEATURES, density=0.05, format="csr", random_state=seed)


@pytest.mark.parametrize(
    "intents",
    [["sextortion", "grooming", "stalking", "parent_teacher"], ["yes", "no"]],
    ids=["many intents", "two intents"],
)
def test_probabilities_are_scikit_learns(tmp_path: Path, intents: List[str]) -> None:
    component = classifier(tmp_path, intents)
    X = counts(2)
    assert np.allclose(component._probabilities(X), component.clf.predict_proba(X))


def test_a_new_fit_gets_new_weights(tmp_path: Path) -> None:
    component = classifier(tmp_path, ["a", "b", "c"])
    component._probabilities(counts(3))
    component.clf.fit(counts(4, 60), ["c", "b", "a"] * 20)
    X = counts(5)
    assert np.allclose(component._probabilities(X), component.clf.predict_proba(X))


def test_the_ranking_is_the_weighted_average(tmp_path: Path) -> None:
    component = classifier(tmp_path, ["sextortion", "grooming", "stalking"])
    X = counts(6, 1)
    message = Message({TEXT: "text"})
    message.add_features(Features(X, FEATURE_TYPE_SENTENCE, TEXT, "counts"))
    message.set(
        INTENT_RANKING_KEY,
        [
            {"name": "grooming", "confidence": 0.8},
            {"name": "bystander", "confidence": 0.2},
        ],
    )
    component.process([message])
    own = dict(
        zip(component.clf.classes_, component.clf.predict_proba(X)[0], strict=True)
    )
    expected = {
        "grooming": 0.5 * 0.8 + 0.5 * own["grooming"],
        "bystander": 0.5 * 0.2,
        "sextortion": 0.5 * own["sextortion"],
        "stalking": 0.5 * own["stalking"],
    }
    ranking = message.get(INTENT_RANKING_KEY)
    assert {e["name"]: e["confidence"] for e in ranking} == pytest.approx(expected)
    assert [e["confidence"] for e in ranking] == sorted(expected.values(), reverse=True)
    assert message.get(INTENT) == ranking[0]


def test_a_stored_model_predicts_the_same_without_skops(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    component = classifier(tmp_path, ["sextortion", "grooming", "stalking"])
    component.persist()
    # skops is not needed to read it back (importing it cost 8 s of a start).
    monkeypatch.setitem(sys.modules, "skops", None)
    monkeypatch.setitem(sys.modules, "skops.io", None)
    loaded = AveragedLogisticRegressionClassifier.load(
        AveragedLogisticRegressionClassifier.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("ensemble"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    X = counts(7)
    assert list(loaded.clf.classes_) == list(component.clf.classes_)
    assert np.allclose(loaded._probabilities(X), component.clf.predict_proba(X))
    assert np.allclose(loaded.clf.predict_proba(X), component.clf.predict_proba(X))


def test_a_model_trained_without_examples_loads_untrained(tmp_path: Path) -> None:
    loaded = AveragedLogisticRegressionClassifier.load(
        AveragedLogisticRegressionClassifier.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("never-trained"),
        ExecutionContext(GraphSchema({}), "test"),
    )
    assert not hasattr(loaded.clf, "coef_")


def test_a_damaged_stored_model_is_an_error_not_an_untrained_one(
    tmp_path: Path,
) -> None:
    component = classifier(tmp_path, ["sextortion", "grooming", "stalking"])
    component.persist()
    stored = tmp_path / "ensemble" / "ensemble.npz"
    np.savez(stored, classes_=np.array([object()], dtype=object))
    with pytest.raises(OSError, match="not a stored regression"):
        AveragedLogisticRegressionClassifier.load(
            AveragedLogisticRegressionClassifier.get_default_config(),
            LocalModelStorage(tmp_path),
            Resource("ensemble"),
            ExecutionContext(GraphSchema({}), "test"),
        )
