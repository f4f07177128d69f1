"""The compact event list gives the state that replaying every event gives."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Iterator, List

import pytest
import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.stores.snapshot import KEEP_TURNS, compact_events

ROOT = Path(__file__).resolve().parents[4]
LISTEN = "action_listen"
FORM = "compensation_form"
FORM_SLOTS = ["crime_kind", "injury", "costs_czk", "received_czk"]
# The policies see at most this many of the latest states.
COMPARED_STATES = 8


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


class Script:
    def __init__(self) -> None:
        self.events: List[Event] = [ActionExecuted(LISTEN, timestamp=1.0)]
        self.clock = itertools.count(2)

    def _t(self) -> float:
        return float(next(self.clock))

    def user(self, intent: str, text: str = "...") -> None:
        self.events.append(
            UserUttered(
                text,
                {"name": intent, "confidence": 1.0},
                parse_data={"intent": {"name": intent, "confidence": 1.0}},
                timestamp=self._t(),
            )
        )

    def action(self, name: str, *events: Event) -> None:
        self.events.append(ActionExecuted(name, timestamp=self._t()))
        for event in events:
            event.timestamp = self._t()
            self.events.append(event)

    def reply(self, name: str, slot: str = "situation", value: str = "x") -> None:
        self.action(name, BotUttered("answer", timestamp=0), SlotSet(slot, value))
        self.action(LISTEN)

    def topic(self, intent: str) -> None:
        self.user(intent)
        self.reply("action_refer_to_help", "situation", intent)

    def form(self, answers: int, finish: bool = True) -> None:
        self.user("check_compensation")
        self.action(
            "action_start_compensation_check", SlotSet("pending_question", None)
        )
        self.action(FORM, ActiveLoop(FORM), SlotSet("requested_slot", FORM_SLOTS[0]))
        self.action(LISTEN)
        for index in range(answers):
            self.user("out_of_scope", f"answer {index}")
            filled = [SlotSet(FORM_SLOTS[index], "none" if index < 2 else 0.0)]
            if index + 1 < len(FORM_SLOTS):
                self.action(
                    FORM, *filled, SlotSet("requested_slot", FORM_SLOTS[index + 1])
                )
                self.action(LISTEN)
            elif finish:
                self.action(
                    FORM, *filled, ActiveLoop(None), SlotSet("requested_slot", None)
                )
                self.reply("action_compensation_result")

    def new_session(self) -> None:
        self.action("action_session_start", SessionStarted())
        self.action(LISTEN)


def long_conversation() -> Iterator[Script]:
    """A child's long conversation, yielded after every turn."""
    script = Script()
    topics = ["sextortion", "ask_rights", "am_i_in_trouble", "ask_reporting", "thank"]
    for round_number in range(6):
        for topic in topics:
            script.topic(topic)
            yield script
        script.form(answers=4 if round_number % 2 == 0 else 2, finish=True)
        yield script
        if round_number % 2:
            script.user("stop")
            script.action(
                "action_deactivate_loop",
                ActiveLoop(None),
                SlotSet("requested_slot", None),
            )
            script.reply("action_compensation_stopped")
            yield script
        if round_number == 3:
            script.new_session()
            yield script
    # A form left open for many turns (each turn re-asks).
    script.form(answers=1, finish=False)
    for _ in range(3 * KEEP_TURNS):
        script.user("out_of_scope")
        script.action(FORM, SlotSet("requested_slot", "injury"))
        script.action(LISTEN)
        yield script


def _message(tracker: DialogueStateTracker) -> object:
    """The latest user message (an empty one carries the time it was made)."""
    message = tracker.latest_message
    return message and (message.text, message.parse_data)


def assert_same_state(
    full: DialogueStateTracker, compact: DialogueStateTracker, domain: Domain
) -> None:
    assert compact.current_slot_values() == full.current_slot_values()
    assert compact.active_loop == full.active_loop
    assert compact.latest_action == full.latest_action
    assert compact.followup_action == full.followup_action
    assert _message(compact) == _message(full)
    full_states = full.past_states(domain)
    compact_states = compact.past_states(domain)
    shown = min(COMPARED_STATES, len(full_states))
    assert compact_states[-shown:] == full_states[-shown:]


def test_compact_state_is_the_replayed_state_after_every_turn(domain: Domain) -> None:
    longest = 0
    for script in long_conversation():
        full = DialogueStateTracker.from_events("s", script.events, domain.slots)
        compact_list = compact_events(script.events, domain.slots)
        compact = DialogueStateTracker.from_events("s", compact_list, domain.slots)
        assert_same_state(full, compact, domain)
        longest = max(longest, len(compact_list))
    # Bounded: the snapshot does not grow with the conversation.
    assert longest < 200
    assert len(script.events) > 3 * longest


def test_compacting_a_compact_list_changes_nothing_that_matters(domain: Domain) -> None:
    events: List[Event] = []
    for script in long_conversation():
        events = script.events
    once = compact_events(events, domain.slots)
    twice = compact_events(once, domain.slots)
    one = DialogueStateTracker.from_events("s", once, domain.slots)
    two = DialogueStateTracker.from_events("s", twice, domain.slots)
    assert_same_state(one, two, domain)


def test_a_short_conversation_is_kept_whole(domain: Domain) -> None:
    script = Script()
    script.topic("sextortion")
    assert compact_events(script.events, domain.slots) == script.events


def test_a_new_session_drops_the_old_one(domain: Domain) -> None:
    script = Script()
    for _ in range(3):
        script.topic("ask_rights")
    script.new_session()
    compact = compact_events(script.events, domain.slots)
    assert isinstance(compact[0], SessionStarted)
    assert not any(isinstance(event, UserUttered) for event in compact)


def test_the_kept_turns_cover_what_the_policies_look_back_on() -> None:
    """A rule with more user turns, or a longer memoization history, than the
    snapshot keeps would see a cut conversation: KEEP_TURNS must grow with it."""
    for path in sorted((ROOT / "data" / "rules").glob("*.yml")):
        for rule in yaml.safe_load(path.read_text(encoding="utf-8"))["rules"]:
            user_turns = sum("intent" in step or "or" in step for step in rule["steps"])
            assert user_turns < KEEP_TURNS, (path.name, rule["rule"])
    config = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))
    for policy in config["policies"]:
        assert policy.get("max_history", 0) < KEEP_TURNS, policy["name"]
