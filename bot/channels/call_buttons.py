"""The helplines a bubble names, as data: what each channel makes its call buttons of.

The action server (and the guard) send a bubble that names helplines with
`custom: {"helplines": [{"id", "number", "dial", "name", "label"}, ...]}`
(`referrals.render.CallButton`); its text names the same helplines, so a client
that ignores `custom` still shows every number. Rasa's stock `send_response` would
send `custom` as a message of its own, after the text; the channels here read it
with `split_message` and render text, buttons and call buttons as one bubble:

- REST: the same JSON object carries `text` and `custom.helplines`;
- web chat: one socket event; the page adds a `tel:` link per helpline;
- Messenger: a button template with a call button (`phone_number`) per helpline;
- Telegram: its buttons cannot dial (inline buttons open only http(s) and tg://
  links), so each number in the text is marked bold; the Telegram apps link phone
  numbers in text themselves where they recognise them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Tuple

HELPLINES_KEY = "helplines"
DIGITS = re.compile(r"^\d{3,15}$")


@dataclass(frozen=True)
class CallButton:
    """One helpline to dial: `dial` holds digits only (checked here again)."""

    number: str
    dial: str
    name: str
    label: str

    @classmethod
    def from_payload(cls, payload: Any) -> Optional[CallButton]:
        if not isinstance(payload, Mapping):
            return None
        dial = str(payload.get("dial") or "")
        if not DIGITS.fullmatch(dial):
            return None
        number = str(payload.get("number") or dial)
        return cls(
            number=number,
            dial=dial,
            name=str(payload.get("name") or ""),
            label=str(payload.get("label") or number),
        )


def split_message(
    message: Mapping[str, Any],
) -> Tuple[Dict[str, Any], List[CallButton]]:
    """The message without its helplines, and the helplines as call buttons.

    Any other `custom` content stays in the message for `send_custom_json`.
    """
    rest = dict(message)
    custom = rest.pop("custom", None)
    buttons: List[CallButton] = []
    if isinstance(custom, Mapping):
        custom = dict(custom)
        for payload in custom.pop(HELPLINES_KEY, None) or []:
            button = CallButton.from_payload(payload)
            if button is not None:
                buttons.append(button)
        if custom:
            rest["custom"] = custom
    elif custom:
        rest["custom"] = custom
    return rest, buttons


def utf16_length(text: str) -> int:
    """Telegram counts entity offsets and lengths in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def number_entities(text: str, buttons: List[CallButton]) -> List[Dict[str, Any]]:
    """A bold entity on the first mention of each helpline's number in `text`."""
    entities = []
    for button in buttons:
        start = text.find(button.number)
        if start < 0:
            continue
        entities.append(
            {
                "type": "bold",
                "offset": utf16_length(text[:start]),
                "length": utf16_length(button.number),
            }
        )
    return sorted(entities, key=lambda entity: entity["offset"])
