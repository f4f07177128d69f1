"""A bounded conversation state: what Rasa needs of a long conversation.

Rasa 3.6 rebuilds the tracker from every stored event of the session on every
turn, and its policies walk every state of that tracker, so a turn costs more the
longer the conversation is. The policies of this assistant look at only the last
few turns (MemoizationPolicy `max_history: 3`, rules of one user turn), and the
rest of the state is the slots and the active loop.

`compact_events(events, slots)` returns an equivalent, bounded event list:

    SlotSet(...) for every slot not at its initial value   } the state at the cut
    ActiveLoop(name) when a loop was active there           }
    ActionExecuted(action_listen), UserUttered, ...         the last KEEP_TURNS turns

cut at a turn boundary (the `action_listen` before a user message) of the latest
session, preferably where no loop is active (so the form's own bookkeeping in
`applied_events` sees the same executions). Replaying the compact list gives the
same slots, active loop, latest message and latest action as replaying every
event, and the same last states for the policies
(`tests/unit/bot/stores/test_snapshot.py`, and through the SQLite store with a
restart in the middle in `test_snapshot_store.py`).
"""

from __future__ import annotations

import copy
from typing import Iterable, List, Optional, Sequence, Tuple

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    Event,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import DialogueStateTracker

# User turns kept in full: more than any rule looks back (one user turn) and
# the memoization history (3 states). 8 cost 2-10 % more of a turn's CPU under
# load, in the snapshot's JSON and the policies' states (bench/RESULTS.md).
KEEP_TURNS = 4
# While a loop stays active the cut waits for it to end, up to this many turns.
MAX_TURNS = 24


def latest_session_start(events: Sequence[Event]) -> int:
    """Index of the latest `SessionStarted` (events before it are not applied)."""
    for index in range(len(events) - 1, -1, -1):
        if isinstance(events[index], SessionStarted):
            return index
    return 0


def turn_boundaries(events: Sequence[Event], start: int) -> List[int]:
    """Indices of `action_listen` events followed by a user message."""
    return [
        index
        for index in range(start, len(events) - 1)
        if isinstance(events[index], ActionExecuted)
        and events[index].action_name == ACTION_LISTEN_NAME  # type: ignore[attr-defined]
        and isinstance(events[index + 1], UserUttered)
    ]


def _prefix(tracker: DialogueStateTracker, timestamp: float) -> List[Event]:
    """Events that recreate `tracker`'s slots and active loop."""
    prefix: List[Event] = [
        SlotSet(slot.name, copy.deepcopy(slot.value), timestamp=timestamp)
        for slot in tracker.slots.values()
        if slot.value != slot.initial_value
    ]
    loop = tracker.active_loop_name
    if loop:
        prefix.append(ActiveLoop(loop, timestamp=timestamp))
    return prefix


def compact_events(
    events: Sequence[Event],
    slots: Iterable[Slot],
    keep_turns: int = KEEP_TURNS,
    max_turns: int = MAX_TURNS,
) -> List[Event]:
    """A bounded list of events with the same state as `events` (see above)."""
    events = list(events)
    if not events:
        return []
    slots = list(slots)
    start = latest_session_start(events)
    session = [events[start]] if isinstance(events[start], SessionStarted) else []
    boundaries = turn_boundaries(events, start)
    if len(boundaries) <= keep_turns:
        return events[start:]
    # Loop-free boundaries and the state there. Turns inside a loop do not count:
    # `applied_events` folds a loop's happy path into its first execution.
    free: List[Tuple[int, List[Event]]] = []
    marks = set(boundaries)
    tracker = DialogueStateTracker("-", slots)
    for index in range(start, boundaries[-1] + 1):
        if index in marks and tracker.active_loop_name is None:
            free.append((index, _prefix(tracker, events[index].timestamp)))
        tracker.update(events[index])
    if len(free) < keep_turns:
        return events[start:]
    cut, prefix = free[-keep_turns]
    if boundaries.index(cut) >= len(boundaries) - max_turns:
        return session + prefix + events[cut:]
    if tracker.active_loop_name is None:
        # A long loop that has ended inside the window: kept whole.
        return session + prefix + events[cut:]
    # A loop active for more than `max_turns` turns: its happy path collapsed.
    newest = boundaries[-keep_turns]
    return session + _collapsed_loop(events, start, free[-keep_turns], newest, slots)


def _action_name(event: Event) -> Optional[str]:
    return event.action_name if isinstance(event, ActionExecuted) else None


def _collapsed_loop(
    events: List[Event],
    start: int,
    earlier: Tuple[int, List[Event]],
    newest: int,
    slots: List[Slot],
) -> List[Event]:
    """`earlier`'s cut, with the repeated executions of the loop collapsed.

    `applied_events` undoes every happy-path execution of a loop after its first
    one (keeping their slots), so the policies see: the turns before the loop,
    its first execution, the net slot changes, the latest turns. Anything else
    (an unhappy path, another loop) keeps every event from the cut.
    """
    cut, prefix = earlier
    whole = prefix + events[cut:]
    # The latest activation of the loop that is active at `newest`.
    activation = next(
        (
            index
            for index in range(newest - 1, cut - 1, -1)
            if isinstance(events[index], ActiveLoop) and events[index].name  # type: ignore[attr-defined]
        ),
        None,
    )
    if activation is None:
        return whole
    loop = events[activation].name  # type: ignore[attr-defined]
    first = next(
        (i for i in range(activation, cut - 1, -1) if _action_name(events[i]) == loop),
        None,
    )
    listen = next(
        (
            i
            for i in range(activation, newest)
            if _action_name(events[i]) == ACTION_LISTEN_NAME
        ),
        None,
    )
    if first is None or listen is None:
        return whole
    # Only a happy path collapses: the loop and listening, nothing else.
    for event in events[listen:newest]:
        if _action_name(event) not in (None, loop, ACTION_LISTEN_NAME) or isinstance(
            event, (ActiveLoop, ActionExecutionRejected, LoopInterrupted)
        ):
            return whole
    before = DialogueStateTracker.from_events("-", events[start:listen], slots)
    after = DialogueStateTracker.from_events("-", events[start:newest], slots)
    timestamp = events[newest].timestamp
    delta: List[Event] = [
        SlotSet(name, copy.deepcopy(slot.value), timestamp=timestamp)
        for name, slot in after.slots.items()
        if slot.value != before.slots[name].value
    ]
    return prefix + events[cut:listen] + delta + events[newest:]
