"""Anonymous referral counts from the actions: what was answered, never to whom.

Each referral action calls one of the two functions below with the situation
(or the compensation outcome) and the reply language; the channel comes from
the tracker's latest user event (`input_channel`). They pass the counts to
`RECORDER`, which writes them in the background in the tracker store's database
(`stats.recorder`; `actions.server` binds it from `--endpoints`). Unbound, as
in unit tests, counting does nothing. No sender id, text or time reaches it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker

from stats.database import engine_from_endpoints
from stats.measures import (
    COMPENSATION,
    CONVERSATION,
    NO_RULE,
    REFERRAL,
    SAFETY_NET,
    Count,
    count,
    is_referral,
)
from stats.recorder import CountRecorder

RECORDER = CountRecorder()
SITUATION_SLOT = "situation"


def count_into(endpoints: Path) -> None:
    """Count into the tracker store's database named in `endpoints`."""
    RECORDER.bind(engine_from_endpoints(endpoints))


def referred_in_session(events: List[Dict[Text, Any]]) -> bool:
    """True when this session already had a referral (its `situation` slot set)."""
    for event in reversed(events):
        kind = event.get("event")
        if kind == "session_started":
            return False
        if (
            kind == "slot"
            and event.get("name") == SITUATION_SLOT
            and is_referral(event.get("value"))
        ):
            return True
    return False


def count_reply(tracker: Tracker, situation_id: Text, lang: Text) -> None:
    """Count a situation's reply: a referral (and the session's first), or the
    safety net; greetings and other conversation replies are not counted."""
    channel = tracker.get_latest_input_channel()
    counts: List[Count] = []
    if situation_id == SAFETY_NET:
        counts.append(count(SAFETY_NET, NO_RULE, lang, channel))
    elif is_referral(situation_id):
        counts.append(count(REFERRAL, situation_id, lang, channel))
        if not referred_in_session(tracker.events):
            counts.append(count(CONVERSATION, situation_id, lang, channel))
    RECORDER.record(*counts)


def count_compensation(tracker: Tracker, outcome: Text, lang: Text) -> None:
    """Count how an eligibility check ended (`stats.measures`: the outcomes)."""
    channel = tracker.get_latest_input_channel()
    RECORDER.record(count(COMPENSATION, outcome, lang, channel))
