"""The base of this project's NLU components that learn nothing from training."""

from __future__ import annotations

from typing import Any, Dict, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData


class UntrainedComponent(GraphComponent):
    """A component decided by rules and word lists: built from its config, and
    passing the training data through unchanged.

    A subclass reads its settings in `from_config` and loads its word lists in
    `load_resources`, which runs when the model loads, so a broken list stops
    the server at start-up, not at a child's first message.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> UntrainedComponent:
        cls.load_resources()
        return cls.from_config(config)

    @classmethod
    def from_config(cls, config: Dict[Text, Any]) -> UntrainedComponent:
        return cls()

    @classmethod
    def load_resources(cls) -> None:
        """Read what the component matches against (nothing by default)."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
