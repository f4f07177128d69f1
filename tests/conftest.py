"""Shared fixtures: a fresh tracker per test, the real domain and dataset."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Dict, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    with (ROOT / "domain.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


TrackerFactory = Callable[..., Tracker]


@pytest.fixture
def make_tracker() -> TrackerFactory:
    """Build a tracker whose latest message has `intent`, `text` and language."""

    def build(
        intent: str,
        text: str = "",
        language: Optional[str] = None,
        slots: Optional[Dict[str, Any]] = None,
    ) -> Tracker:
        return Tracker(
            sender_id="test-user",
            slots={"language": language or "cs", **(slots or {})},
            latest_message={
                "text": text,
                "intent": {"name": intent, "confidence": 0.99},
                "entities": [],
                **({"language": language} if language else {}),
            },
            events=[],
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )

    return build


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """In CI a skipped test is a failed test.

    Server, browser and database tests skip on a developer's machine that lacks
    a model, Chromium or PostgreSQL; CI installs all of them, so a skip there
    means a missing install step, not a passing test.
    """
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI: {report.longrepr}"
