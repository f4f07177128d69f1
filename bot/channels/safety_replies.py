"""The replies the channel guard sends without Rasa, read once from the dataset.

- `safety_net`: the dataset situation of that name (116 111, 158, 112), rendered
  as the action server renders it. Sent when a turn fails, hangs or says nothing.
- `rate_limited`: template `rate_limited` when the dataset has it, else the
  safety net. Sent to a sender over the rate limit.
- `empty_message`: template `empty_message` when the dataset has it, else the
  safety net. Sent for a message with no text.

Everything is rendered at start-up, so a broken dataset stops the server before
it accepts a message, and sending a reply later needs nothing that can fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional

from actions.rendering import situation_replies
from bot.nlu.language import LANGUAGES, detect_language

SAFETY_NET = "safety_net"
SAFETY_NET_BUTTONS = "main_situations"
RATE_LIMITED = "rate_limited"
EMPTY_MESSAGE = "empty_message"
DEFAULT_LANGUAGE = "cs"

Message = Dict[str, Any]


def reply_language(text: str, language_hint: Optional[str] = None) -> str:
    """The language of `text`, else the channel's hint, else Czech."""
    language = detect_language(text) or language_hint
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class SafetyReplies:
    """Messages (`{"text": ..., "buttons": [...]}`) by kind and language."""

    safety_net: Mapping[str, List[Message]]
    rate_limited: Mapping[str, List[Message]]
    empty_message: Mapping[str, List[Message]]

    @classmethod
    def from_dataset(cls) -> SafetyReplies:
        from referrals import load_dataset

        dataset = load_dataset()
        safety_net = {
            lang: [
                _message(reply.text, reply.buttons)
                for reply in situation_replies(
                    dataset, SAFETY_NET, lang, _buttons_if_present(dataset)
                )
            ]
            for lang in LANGUAGES
        }

        def template_or_safety_net(template_id: str) -> Dict[str, List[Message]]:
            if template_id not in dataset.templates:
                return safety_net
            return {
                lang: [_message(dataset.template(template_id, lang))]
                for lang in LANGUAGES
            }

        return cls(
            safety_net=safety_net,
            rate_limited=template_or_safety_net(RATE_LIMITED),
            empty_message=template_or_safety_net(EMPTY_MESSAGE),
        )


def _buttons_if_present(dataset: Any) -> Optional[str]:
    return SAFETY_NET_BUTTONS if SAFETY_NET_BUTTONS in dataset.button_sets else None


def _message(text: str, buttons: Optional[List[str]] = None) -> Message:
    message: Message = {"text": text}
    if buttons:
        message["buttons"] = [{"title": title, "payload": title} for title in buttons]
    return message
