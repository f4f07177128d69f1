"""After scripted conversations the counters match what happened, and hold no
identifier: the real actions, a real SQLite database, the rows read back."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
import sqlalchemy as sa
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.statistics
from actions.compensation.actions import (
    ActionCompensationResult,
    ActionCompensationStopped,
    ActionStartCompensationCheck,
)
from actions.conversation import ActionDeleteConversation, ActionFollowUp
from actions.referral import ActionNotSure, ActionReferToHelp, ActionSafetyNet
from stats.recorder import CountRecorder
from stats.table import read_counts

DAY = datetime.date(2026, 12, 2)
SENDER = "3f9a1c0d2b7e4a59"  # what the guard would have made of a platform id
IDENTIFYING_TEXT = "jsem Petra z Brna, 777 123 456, vydira me"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[sa.engine.Engine]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'tracker.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def recorder(
    engine: sa.engine.Engine, monkeypatch: pytest.MonkeyPatch
) -> Iterator[CountRecorder]:
    recorder = CountRecorder(today=lambda: DAY)
    recorder.bind(engine)
    monkeypatch.setattr(actions.statistics, "RECORDER", recorder)
    yield recorder
    recorder.close()


class Conversation:
    """One sender's conversation: each turn runs a real action on the tracker
    the action server would get, and keeps the events it returns."""

    def __init__(self, channel: str = "webchat") -> None:
        self.channel = channel
        self.events: List[Dict[str, Any]] = [{"event": "session_started"}]
        self.slots: Dict[str, Any] = {"language": "cs"}

    def new_session(self) -> None:
        self.events.append({"event": "session_started"})
        self.slots = {"language": self.slots["language"]}

    async def turn(
        self,
        action: Action,
        intent: str,
        language: str = "cs",
        slots: Optional[Dict[str, Any]] = None,
        domain: Optional[Dict[str, Any]] = None,
    ) -> None:
        user = {
            "event": "user",
            "text": IDENTIFYING_TEXT,
            "input_channel": self.channel,
            "parse_data": {"intent": {"name": intent}},
        }
        self.events.append(user)
        self.slots.update(slots or {})
        tracker = Tracker(
            sender_id=SENDER,
            slots=dict(self.slots),
            latest_message={
                "text": IDENTIFYING_TEXT,
                "intent": {"name": intent, "confidence": 0.99},
                "entities": [],
                "language": language,
            },
            events=list(self.events),
            paused=False,
            followup_action=None,
            active_loop={},
            latest_action_name="action_listen",
        )
        returned = await action.run(CollectingDispatcher(), tracker, domain or {})
        for event in returned:
            self.events.append(event)
            if event.get("event") == "slot":
                self.slots[event["name"]] = event["value"]


def counters(engine: sa.engine.Engine) -> Dict[Tuple[str, str, str, str], int]:
    return {
        (measure, category, language, channel): n
        for day, measure, category, language, channel, n in read_counts(
            engine, DAY, DAY
        )
    }


SEXUAL_CRIME = {"crime_kind": "sexual", "injury": "none", "costs_czk": 0.0}
NO_CRIME = {"crime_kind": "none"}


async def test_counters_match_the_scripted_conversations(
    engine: sa.engine.Engine, recorder: CountRecorder
) -> None:
    child = Conversation("webchat")
    await child.turn(ActionReferToHelp(), "greet")  # not a referral
    await child.turn(ActionReferToHelp(), "sextortion")  # the first referral
    await child.turn(ActionFollowUp(), "deny", slots={"pending_question": None})
    await child.turn(
        ActionFollowUp(), "deny", slots={"pending_question": "safety_check"}
    )  # "not safe": a referral, not a new conversation
    await child.turn(ActionReferToHelp(), "request_human")
    await child.turn(ActionNotSure(), "nlu_fallback")  # not counted
    await child.turn(ActionSafetyNet(), "affirm")
    await child.turn(ActionStartCompensationCheck(), "check_compensation")
    await child.turn(ActionCompensationResult(), "affirm", slots=SEXUAL_CRIME)
    await child.turn(ActionStartCompensationCheck(), "check_compensation")
    await child.turn(ActionCompensationResult(), "affirm", slots=NO_CRIME)
    await child.turn(ActionStartCompensationCheck(), "check_compensation")
    await child.turn(ActionCompensationStopped(), "stop")
    await child.turn(ActionDeleteConversation(), "delete_conversation")

    friend = Conversation("telegram")
    await friend.turn(ActionReferToHelp(), "grooming", language="en")
    friend.new_session()  # an hour later: a second conversation
    await friend.turn(ActionReferToHelp(), "grooming", language="en")
    await friend.turn(ActionReferToHelp(), "takedown", language="en")
    recorder.drain()

    assert counters(engine) == {
        ("conversation", "sextortion", "cs", "webchat"): 1,
        ("referral", "sextortion", "cs", "webchat"): 1,
        ("referral", "not_safe", "cs", "webchat"): 1,
        ("referral", "request_human", "cs", "webchat"): 1,
        ("safety_net", "no_rule", "cs", "webchat"): 1,
        ("referral", "check_compensation", "cs", "webchat"): 3,
        ("compensation", "may_be_eligible", "cs", "webchat"): 1,
        ("compensation", "not_eligible", "cs", "webchat"): 1,
        ("compensation", "stopped", "cs", "webchat"): 1,
        ("conversation", "grooming", "en", "telegram"): 2,
        ("referral", "grooming", "en", "telegram"): 2,
        ("referral", "takedown", "en", "telegram"): 1,
    }


async def test_no_identifier_reaches_the_table(
    engine: sa.engine.Engine, recorder: CountRecorder, tmp_path: Path
) -> None:
    child = Conversation("rest")
    await child.turn(ActionReferToHelp(), "sextortion")
    await child.turn(ActionReferToHelp(), "stalking")
    recorder.drain()
    engine.dispose()

    stored = (tmp_path / "tracker.db").read_bytes()
    rows = " ".join(
        str(value) for row in read_counts(engine, DAY, DAY) for value in row
    )

    for identifier in (SENDER, "Petra", "Brna", "777", "123 456", "vydira"):
        assert identifier.encode() not in stored
        assert identifier not in rows
    with engine.connect() as connection:
        names = sa.inspect(connection).get_table_names()
    assert names == ["referral_counts"]  # the counters need no other table


async def test_an_unbound_recorder_leaves_the_replies_as_they_were(
    dispatcher: CollectingDispatcher, make_tracker, domain
) -> None:
    assert not actions.statistics.RECORDER.bound
    events = await ActionReferToHelp().run(
        dispatcher, make_tracker("sextortion"), domain
    )
    assert {"event": "slot", "name": "situation", "value": "sextortion"} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events
    ]


def test_the_action_server_counts_only_with_an_endpoints_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from actions.server import count_statistics

    monkeypatch.setattr(actions.statistics, "RECORDER", CountRecorder())
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: sql\n  dialect: sqlite\n"
        f"  db: {tmp_path / 'tracker.db'}\n"
    )
    with caplog.at_level("INFO"):
        count_statistics(None)
        assert not actions.statistics.RECORDER.bound
        count_statistics(tmp_path / "missing.yml")
        assert not actions.statistics.RECORDER.bound
        count_statistics(endpoints)
    assert actions.statistics.RECORDER.bound
    actions.statistics.RECORDER.close()
    assert "Referral statistics: off (no --endpoints)." in caplog.text
    assert "counted in the tracker store's database" in caplog.text
