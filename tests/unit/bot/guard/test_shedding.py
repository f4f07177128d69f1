"""Load shedding: beyond MAX_TURNS_IN_FLIGHT a message gets the safety net at once."""

from __future__ import annotations

import asyncio
import time
from typing import List

import pytest
from rasa.core.channels.channel import UserMessage

from bot.guard.replies import SafetyReplies
from bot.guard.shedding import LoadShedder
from tests.support.guard import make_guard, names_helplines, send, texts, wait_until


@pytest.fixture(scope="module")
def replies() -> SafetyReplies:
    return SafetyReplies.from_dataset()


def test_a_full_server_answers_with_the_helplines_at_once_and_recovers(
    replies: SafetyReplies,
) -> None:
    async def scenario() -> None:
        release = asyncio.Event()
        reached: List[str] = []

        async def slow_turn(message: UserMessage) -> None:
            reached.append(message.text)
            await release.wait()
            await message.output_channel.send_response(
                message.sender_id, {"text": "answer"}
            )

        guard = make_guard(slow_turn, replies, deadline=30)
        guard.shedder = LoadShedder(max_in_flight=2)
        first = [asyncio.ensure_future(send(guard, f"m{i}", f"c{i}")) for i in (1, 2)]
        await wait_until(lambda: guard.shedder.in_flight == 2)

        started = time.perf_counter()
        shed = await send(guard, "someone is blackmailing me", "c3")
        assert time.perf_counter() - started < 0.5
        assert names_helplines(texts(shed))
        assert "someone is blackmailing me" not in reached
        assert guard.shedder.status() == {
            "turns_in_flight": 2,
            "max_turns_in_flight": 2,
            "turns_in_flight_limit": 2,
            "shed_turns": 1,
        }

        release.set()
        assert [texts(m) for m in await asyncio.gather(*first)] == ["answer", "answer"]
        assert guard.shedder.in_flight == 0
        # Load has fallen: the same child's next message goes to Rasa.
        assert texts(await send(guard, "again", "c3")) == "answer"
        assert guard.shedder.shed == 1

    asyncio.run(scenario())


def test_a_turn_past_its_deadline_still_counts_until_it_ends(
    replies: SafetyReplies,
) -> None:
    async def scenario() -> None:
        release = asyncio.Event()

        async def hung_turn(message: UserMessage) -> None:
            await release.wait()

        guard = make_guard(hung_turn, replies, deadline=0.05)
        guard.shedder = LoadShedder(max_in_flight=1)
        assert names_helplines(texts(await send(guard, "one", "c1")))
        assert guard.shedder.in_flight == 1
        await send(guard, "two", "c2")
        assert guard.shedder.shed == 1
        release.set()
        await wait_until(lambda: guard.shedder.in_flight == 0)

    asyncio.run(scenario())


def test_zero_turns_shedding_off() -> None:
    shedder = LoadShedder.from_env({"MAX_TURNS_IN_FLIGHT": "0"})
    assert all(shedder.admit() for _ in range(1000))
    with pytest.raises(ValueError):
        LoadShedder.from_env({"MAX_TURNS_IN_FLIGHT": "-1"})


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_slow_turns_lower_the_limit_and_fast_ones_raise_it_again() -> None:
    clock = Clock()
    shedder = LoadShedder(max_in_flight=24, slow_turn_seconds=2.0, clock=clock)
    for _ in range(24):
        assert shedder.admit()
    assert not shedder.admit()  # full at 24
    # A turn took 2.7 s: the limit is cut by a quarter, once for a burst of
    # slow turns (those admitted before the cut are slow too).
    for _ in range(5):
        shedder.release(2.7)
    assert shedder.limit == 18 and shedder.in_flight == 19
    assert not shedder.admit()
    clock.now += 2.0
    shedder.release(2.7)
    assert shedder.limit == 13
    # Cut after cut, never below the floor.
    for _ in range(10):
        clock.now += 2.0
        shedder.release(2.5)
        shedder.admit()
    assert shedder.limit == 4
    # Turns in between change nothing; fast ones raise it one at a time.
    shedder.release(1.5)
    assert shedder.limit == 4
    while shedder.in_flight:
        shedder.release(0.3)
    for _ in range(30):
        assert shedder.admit()
        shedder.release(0.3)
    assert shedder.limit == 24
    assert shedder.status()["turns_in_flight_limit"] == 24


def test_a_turn_s_time_is_measured_from_its_admission(
    replies: SafetyReplies,
) -> None:
    async def scenario() -> None:
        async def slow_turn(message: UserMessage) -> None:
            await asyncio.sleep(0.2)
            await message.output_channel.send_response(
                message.sender_id, {"text": "answer"}
            )

        guard = make_guard(slow_turn, replies, deadline=5)
        guard.shedder = LoadShedder(max_in_flight=8, slow_turn_seconds=0.1)
        assert texts(await send(guard, "one", "c1")) == "answer"
        await wait_until(lambda: guard.shedder.in_flight == 0)
        assert guard.shedder.limit == 6

    asyncio.run(scenario())
