"""System tests: anything that starts a process (the servers, `make run`, the
replicas) or a browser. Every test under tests/system/ is marked `system`; `make
unit` leaves them out, `make system` runs them, `make test` runs both."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, List

import pytest

from tests.support.servers import (
    RELAXED_LIMITS,
    Servers,
    model_for_tests,
    running_servers,
)

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: List[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.system)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    """One real stack (action server + Rasa) for the conversation tests of a run."""
    if model_for_tests() is None:
        message = "no trained model for the current data: run `make model`"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must not pass by skipping
        pytest.skip(message)
    with running_servers(tmp_path_factory.mktemp("stack"), **RELAXED_LIMITS) as running:
        yield running
