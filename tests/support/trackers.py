"""Trackers for action tests: a fresh one per test, built with keywords."""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional

from rasa_sdk import Tracker

TrackerFactory = Callable[..., Tracker]


def tracker_for(
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
