"""Fixtures of the channel tests: platform stand-ins on loopback and a fake agent."""

from __future__ import annotations

from typing import AsyncIterator, Iterator

import pytest

from bot.guard.pseudonyms import KEY_ENV, sender_id_key
from tests.support.stand_ins import (
    HELPLINE,
    FakeAgent,
    PlatformStandIn,
    helpline_text,
    running_stand_in,
)


@pytest.fixture(autouse=True)
def sender_id_key_for_tests(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fixed pseudonymisation key, so no test writes var/sender_id.key."""
    monkeypatch.setenv(KEY_ENV, "channel-tests-key")
    sender_id_key.cache_clear()
    yield
    sender_id_key.cache_clear()


@pytest.fixture
async def bot_api() -> AsyncIterator[PlatformStandIn]:
    """The Telegram Bot API (a self-hosted server, as TELEGRAM_API_URL allows)."""
    async with running_stand_in({"ok": True, "result": True}) as stand_in:
        yield stand_in


@pytest.fixture
async def graph_api() -> AsyncIterator[PlatformStandIn]:
    """The Graph API's Send API."""
    async with running_stand_in({"recipient_id": "1", "message_id": "m"}) as stand_in:
        yield stand_in


@pytest.fixture
def agent() -> FakeAgent:
    """Answers every message with a referral text that gives 116 111."""
    reply = helpline_text("linka_bezpeci")
    assert HELPLINE in reply
    return FakeAgent(reply_text=reply)
