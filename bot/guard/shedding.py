"""Load shedding: an answer within the deadline even when the server is full.

On 2 cores a turn costs ~25 ms of CPU; with hundreds of turns in flight each one
waits for all the others, so every child waits seconds and the guard's deadline
(which starts when the guard sees the message) cannot help. The guard therefore
admits at most MAX_TURNS_IN_FLIGHT turns (default 24, per server process) to
Rasa; a message beyond that is answered at once with the dataset's safety net in
the message's language (helplines first), decided without NLU, policies or the
tracker store, and is not stored. The next message of that conversation goes to
Rasa as usual once load falls. A turn that passed its deadline still counts
until it ends, since it still uses the CPU.

The limit adapts to the machine. 24 turns in flight were answered within a
second on the machine it was chosen on; on one half as fast, the last of them
waited 2.7 s, past the guard's deadline (README, "Performance and scale-out").
So each admitted turn's time is measured: when one takes longer than
SLOW_TURN_SECONDS (2 s, four fifths of the default deadline), the limit is cut
by a quarter, at most once per SLOW_TURN_SECONDS (the turns admitted before the
cut are still slow) and never below MIN_TURNS_IN_FLIGHT; each turn answered in
less than half that raises it by one again, up to MAX_TURNS_IN_FLIGHT.

`SHEDDER` is shared by every channel of the process; `/webhooks/rest/health`
shows `turns_in_flight`, `max_turns_in_flight`, `turns_in_flight_limit` and
`shed_turns`.
MAX_TURNS_IN_FLIGHT=0 turns shedding off.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, Mapping, Optional

DEFAULT_MAX_TURNS_IN_FLIGHT = 24
SLOW_TURN_SECONDS = 2.0
MIN_TURNS_IN_FLIGHT = 4


@dataclass
class LoadShedder:
    """Counts the turns in flight; `admit()` is False when the server is full."""

    max_in_flight: int = DEFAULT_MAX_TURNS_IN_FLIGHT
    slow_turn_seconds: float = SLOW_TURN_SECONDS
    clock: Callable[[], float] = time.monotonic
    in_flight: int = 0
    admitted: int = 0
    shed: int = 0
    # The adaptive limit (see the module's docstring), and when it was last cut.
    limit: int = field(init=False)
    last_cut: Optional[float] = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.limit = self.max_in_flight

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> LoadShedder:
        raw = env.get("MAX_TURNS_IN_FLIGHT")
        value = int(raw) if raw else DEFAULT_MAX_TURNS_IN_FLIGHT
        if value < 0:
            raise ValueError(f"MAX_TURNS_IN_FLIGHT must be >= 0, got {raw!r}")
        return cls(max_in_flight=value)

    def admit(self) -> bool:
        if self.max_in_flight and self.in_flight >= self.limit:
            self.shed += 1
            return False
        self.in_flight += 1
        self.admitted += 1
        return True

    def release(self, seconds: Optional[float] = None) -> None:
        """A turn ended; `seconds` is how long it took since `admit()`."""
        self.in_flight = max(0, self.in_flight - 1)
        if seconds is not None and self.max_in_flight:
            self._adapt(seconds)

    def _adapt(self, seconds: float) -> None:
        if seconds > self.slow_turn_seconds:
            now = self.clock()
            if self.last_cut is None or now - self.last_cut >= self.slow_turn_seconds:
                self.limit = max(
                    min(MIN_TURNS_IN_FLIGHT, self.max_in_flight), self.limit * 3 // 4
                )
                self.last_cut = now
        elif seconds < self.slow_turn_seconds / 2 and self.limit < self.max_in_flight:
            self.limit += 1

    def status(self) -> Dict[str, int]:
        return {
            "turns_in_flight": self.in_flight,
            "max_turns_in_flight": self.max_in_flight,
            "turns_in_flight_limit": self.limit,
            "shed_turns": self.shed,
        }


SHEDDER = LoadShedder.from_env()
