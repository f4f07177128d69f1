"""One real stack (action server + Rasa) for all integration tests of a run."""

from __future__ import annotations

import os
from typing import Iterator

import pytest

from tests.stack import Stack, running_stack, trained_model


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    if trained_model() is None:
        message = "no trained model for the current data: run `make model`"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must not pass by skipping
        pytest.skip(message)
    with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
