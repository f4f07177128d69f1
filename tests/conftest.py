"""Shared fixtures: a fresh tracker per test, the real domain and dataset; and in CI
a skipped test is a failed test."""

from __future__ import annotations

import os
from typing import Any, Dict

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from bot.guard.replies import SafetyReplies
from tests.support import ROOT
from tests.support.trackers import TrackerFactory, tracker_for


@pytest.fixture
def dispatcher() -> CollectingDispatcher:
    return CollectingDispatcher()


@pytest.fixture(scope="session")
def domain() -> Dict[str, Any]:
    with (ROOT / "domain.yml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="session")
def safety_replies() -> SafetyReplies:
    """What the guard sends without Rasa, rendered from the dataset once."""
    return SafetyReplies.from_dataset()


@pytest.fixture
def make_tracker() -> TrackerFactory:
    """Build a tracker whose latest message has `intent`, `text` and language."""
    return tracker_for


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
