"""Which optional channels `rasa run` opens, from the environment alone."""

from __future__ import annotations

from typing import Dict

import pytest
from rasa.shared.utils.common import class_from_module_path

from bot.channels.registry import (
    OPTIONAL_CHANNELS,
    enabled_channel_credentials,
    missing_variables,
)

TELEGRAM = {
    "TELEGRAM_ACCESS_TOKEN": "123:abc",
    "TELEGRAM_BOT_NAME": "HelpBot",
    "TELEGRAM_SECRET_TOKEN": "s",
}
MESSENGER = {
    "FACEBOOK_VERIFY_TOKEN": "v",
    "FACEBOOK_APP_SECRET": "a",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "p",
}
TELEGRAM_KEY = "bot.channels.telegram.SecureTelegramInput"
MESSENGER_KEY = "bot.channels.facebook.SecureMessengerInput"


@pytest.mark.parametrize(
    ("env", "enabled"),
    [
        ({}, []),
        (TELEGRAM, [TELEGRAM_KEY]),
        (MESSENGER, [MESSENGER_KEY]),
        ({**TELEGRAM, **MESSENGER}, [TELEGRAM_KEY, MESSENGER_KEY]),
        ({**TELEGRAM, "TELEGRAM_SECRET_TOKEN": ""}, []),
        ({k: v for k, v in MESSENGER.items() if k != "FACEBOOK_APP_SECRET"}, []),
    ],
    ids=["none", "telegram", "messenger", "both", "empty-secret", "no-app-secret"],
)
def test_a_channel_is_enabled_only_when_all_its_variables_are_set(
    env: Dict[str, str], enabled: list
) -> None:
    assert enabled_channel_credentials(env) == dict.fromkeys(enabled)


def test_a_half_configured_channel_is_reported() -> None:
    env = {"TELEGRAM_ACCESS_TOKEN": "123:abc"}
    assert missing_variables(env) == {
        TELEGRAM_KEY: ("TELEGRAM_BOT_NAME", "TELEGRAM_SECRET_TOKEN")
    }
    assert missing_variables({}) == {}


@pytest.mark.parametrize("key", sorted(OPTIONAL_CHANNELS))
def test_every_credentials_key_is_the_channel_rasa_loads(key: str) -> None:
    channel = class_from_module_path(key)
    assert channel.REQUIRED_ENV == OPTIONAL_CHANNELS[key].REQUIRED_ENV
    assert f"/webhooks/{channel.name()}/webhook" in {
        "/webhooks/telegram/webhook",
        "/webhooks/facebook/webhook",
    }
