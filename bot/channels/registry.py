"""Which optional channels the server opens: those whose environment is complete.

| channel   | required variables                                | optional             |
|-----------|---------------------------------------------------|----------------------|
| Telegram  | TELEGRAM_ACCESS_TOKEN, TELEGRAM_BOT_NAME,         | TELEGRAM_API_URL     |
|           | TELEGRAM_SECRET_TOKEN                             |                      |
| Messenger | FACEBOOK_VERIFY_TOKEN, FACEBOOK_APP_SECRET,       | FACEBOOK_GRAPH_URL   |
|           | FACEBOOK_PAGE_ACCESS_TOKEN                        |                      |

The credentials entries carry no secret: each channel reads its variables from the
environment of `rasa run` itself, so the merged credentials file can be written to
disk safely (and `rasa run` must inherit the same environment).
`python -m bot.channels.registry` prints the entries as YAML. This module does not
import Rasa, so asking it is quick.
"""

from __future__ import annotations

import os
import sys
from typing import Dict, Mapping, Optional, Tuple, Type, Union

import yaml

from bot.channels.settings import MessengerSettings, TelegramSettings

# Credentials key (the `module.Class` Rasa loads) -> the settings it needs.
OPTIONAL_CHANNELS: Dict[str, Type[Union[TelegramSettings, MessengerSettings]]] = {
    "bot.channels.telegram.SecureTelegramInput": TelegramSettings,
    "bot.channels.facebook.SecureMessengerInput": MessengerSettings,
}


def enabled_channel_credentials(env: Mapping[str, str]) -> Dict[str, Optional[dict]]:
    """Credentials entries of the channels whose required variables are all set.

    Merge the result into the credentials file passed to `rasa run`, e.g.
    `{"bot.channels.telegram.SecureTelegramInput": None}` (an empty entry).
    """
    return {
        key: None
        for key, settings in OPTIONAL_CHANNELS.items()
        if all(env.get(name) for name in settings.REQUIRED_ENV)
    }


def missing_variables(env: Mapping[str, str]) -> Dict[str, Tuple[str, ...]]:
    """For channels configured only in part: the variables still missing.

    A start script can warn about these; a channel with no variable set at all is
    simply off and is not listed.
    """
    result = {}
    for key, settings in OPTIONAL_CHANNELS.items():
        missing = tuple(name for name in settings.REQUIRED_ENV if not env.get(name))
        if missing and len(missing) < len(settings.REQUIRED_ENV):
            result[key] = missing
    return result


def main() -> int:
    for key, missing in missing_variables(os.environ).items():
        print(f"{key} is off: {', '.join(missing)} not set", file=sys.stderr)
    entries = enabled_channel_credentials(os.environ)
    if entries:
        sys.stdout.write(yaml.safe_dump(entries, default_flow_style=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
