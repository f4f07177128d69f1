"""The replies the guard sends without Rasa, read once from the dataset.

- `safety_net`: the dataset situation of that name (116 111, 158, 112) with the
  main situations as buttons, rendered as the action server renders it
  (`referrals.render`). Sent when a turn fails, hangs or says nothing.
- `rate_limited`: template `rate_limited`. Sent to a sender over the rate limit.
- `empty_message`: template `empty_message`. Sent for a message with no text.

Everything is rendered at start-up, so a broken or incomplete dataset stops the
server before it accepts a message (the dataset's checks require every id named
here), and sending a reply later needs nothing that can fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from bot.nlu.detection import detect_language
from referrals import load_dataset
from referrals.render import situation_replies, text_reply
from referrals.schema import LANGUAGES
from referrals.text import first_language

SAFETY_NET = "safety_net"
SAFETY_NET_BUTTONS = "main_situations"
RATE_LIMITED = "rate_limited"
EMPTY_MESSAGE = "empty_message"

Message = Dict[str, Any]


def message_language(text: str, language_hint: Optional[str] = None) -> str:
    """The language of `text`, else the channel's hint, else Czech."""
    return first_language(detect_language(text), language_hint)


@dataclass(frozen=True)
class SafetyReplies:
    """Messages (`{"text": ..., "buttons": [...]}`) by kind and language."""

    safety_net: Mapping[str, List[Message]]
    rate_limited: Mapping[str, List[Message]]
    empty_message: Mapping[str, List[Message]]

    @classmethod
    def from_dataset(cls) -> SafetyReplies:
        dataset = load_dataset()

        def template(template_id: str) -> Dict[str, List[Message]]:
            # With a call button for each helpline the text names.
            return {
                lang: [
                    text_reply(
                        dataset, dataset.template(template_id, lang), lang
                    ).message()
                ]
                for lang in LANGUAGES
            }

        return cls(
            safety_net={
                lang: [
                    reply.message()
                    for reply in situation_replies(
                        dataset, SAFETY_NET, lang, SAFETY_NET_BUTTONS
                    )
                ]
                for lang in LANGUAGES
            },
            rate_limited=template(RATE_LIMITED),
            empty_message=template(EMPTY_MESSAGE),
        )
