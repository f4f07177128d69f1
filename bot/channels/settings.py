"""Settings of the Telegram and Messenger channels, read from environment variables.

Kept free of Rasa imports so that start scripts can ask which channels are
configured (`bot.channels.registry`) without loading the whole stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, List, Mapping, Tuple

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"


class MissingSettings(ValueError):
    """A required environment variable is unset or empty."""


def _require(env: Mapping[str, str], names: Tuple[str, ...], channel: str) -> None:
    missing: List[str] = [name for name in names if not env.get(name)]
    if missing:
        raise MissingSettings(f"{channel} channel: set {', '.join(missing)}.")


@dataclass(frozen=True)
class TelegramSettings:
    access_token: str
    bot_name: str
    secret_token: str
    api_url: str = DEFAULT_TELEGRAM_API_URL

    REQUIRED_ENV: ClassVar[Tuple[str, ...]] = (
        "TELEGRAM_ACCESS_TOKEN",
        "TELEGRAM_BOT_NAME",
        "TELEGRAM_SECRET_TOKEN",
    )
    # A self-hosted Bot API server (https://github.com/tdlib/telegram-bot-api).
    OPTIONAL_ENV: ClassVar[Tuple[str, ...]] = ("TELEGRAM_API_URL",)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> TelegramSettings:
        _require(env, cls.REQUIRED_ENV, "Telegram")
        return cls(
            access_token=env["TELEGRAM_ACCESS_TOKEN"],
            bot_name=env["TELEGRAM_BOT_NAME"].lstrip("@"),
            secret_token=env["TELEGRAM_SECRET_TOKEN"],
            api_url=(env.get("TELEGRAM_API_URL") or DEFAULT_TELEGRAM_API_URL).rstrip(
                "/"
            ),
        )


@dataclass(frozen=True)
class MessengerSettings:
    verify_token: str
    app_secret: str
    page_access_token: str
    graph_url: str = DEFAULT_GRAPH_URL

    REQUIRED_ENV: ClassVar[Tuple[str, ...]] = (
        "FACEBOOK_VERIFY_TOKEN",
        "FACEBOOK_APP_SECRET",
        "FACEBOOK_PAGE_ACCESS_TOKEN",
    )
    OPTIONAL_ENV: ClassVar[Tuple[str, ...]] = ("FACEBOOK_GRAPH_URL",)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MessengerSettings:
        _require(env, cls.REQUIRED_ENV, "Messenger")
        return cls(
            verify_token=env["FACEBOOK_VERIFY_TOKEN"],
            app_secret=env["FACEBOOK_APP_SECRET"],
            page_access_token=env["FACEBOOK_PAGE_ACCESS_TOKEN"],
            graph_url=(env.get("FACEBOOK_GRAPH_URL") or DEFAULT_GRAPH_URL).rstrip("/"),
        )
