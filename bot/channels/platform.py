"""What the Telegram and Messenger channels share: settings from the environment."""

from __future__ import annotations

import os
from typing import Any, ClassVar, Dict, Optional, Tuple

from rasa.core.channels.channel import InputChannel
from rasa.shared.exceptions import RasaException

from bot.channels.settings import MissingSettings
from bot.guard.privacy_notice import PrivacyNotice


class PlatformInput(InputChannel):
    """An input channel configured only from environment variables.

    Subclasses name their settings class (`SETTINGS`, with `from_env`,
    `REQUIRED_ENV` and `OPTIONAL_ENV`) and the platform's name for messages, and
    take `(settings, notice)` in their constructor. A credentials entry is
    refused, so no secret ends up in credentials.yml.
    """

    SETTINGS: ClassVar[Any]
    PLATFORM: ClassVar[str]
    REQUIRED_ENV: ClassVar[Tuple[str, ...]]
    OPTIONAL_ENV: ClassVar[Tuple[str, ...]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.REQUIRED_ENV = cls.SETTINGS.REQUIRED_ENV
        cls.OPTIONAL_ENV = cls.SETTINGS.OPTIONAL_ENV

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[str, Any]]) -> InputChannel:
        if credentials:
            raise RasaException(
                f"The {cls.PLATFORM} channel reads its settings from the environment "
                f"({', '.join(cls.REQUIRED_ENV)}); leave its credentials entry empty."
            )
        try:
            settings = cls.SETTINGS.from_env(os.environ)
        except MissingSettings as error:
            raise RasaException(str(error)) from None
        return cls(settings, PrivacyNotice.from_dataset())  # type: ignore[call-arg]
