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

`SHEDDER` is shared by every channel of the process; `/webhooks/rest/health`
shows `turns_in_flight`, `max_turns_in_flight` and `shed_turns`.
MAX_TURNS_IN_FLIGHT=0 turns shedding off.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Dict, Mapping

DEFAULT_MAX_TURNS_IN_FLIGHT = 24


@dataclass
class LoadShedder:
    """Counts the turns in flight; `admit()` is False when the server is full."""

    max_in_flight: int = DEFAULT_MAX_TURNS_IN_FLIGHT
    in_flight: int = 0
    admitted: int = 0
    shed: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> LoadShedder:
        raw = env.get("MAX_TURNS_IN_FLIGHT")
        value = int(raw) if raw else DEFAULT_MAX_TURNS_IN_FLIGHT
        if value < 0:
            raise ValueError(f"MAX_TURNS_IN_FLIGHT must be >= 0, got {raw!r}")
        return cls(max_in_flight=value)

    def admit(self) -> bool:
        if self.max_in_flight and self.in_flight >= self.max_in_flight:
            self.shed += 1
            return False
        self.in_flight += 1
        self.admitted += 1
        return True

    def release(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)

    def status(self) -> Dict[str, int]:
        return {
            "turns_in_flight": self.in_flight,
            "max_turns_in_flight": self.max_in_flight,
            "shed_turns": self.shed,
        }


SHEDDER = LoadShedder.from_env()
