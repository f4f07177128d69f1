"""Telegram and Messenger keep the chat on the phone and on the platform: say so first.

The notice is the referral situation `channel_privacy`: its text and its steps (how
to delete the chat) as bullets, in one message.

The rule: the notice (a message of its own) follows the first message of a turn's
reply when the conversation has no earlier bot message in the tracker store. The
first message a child receives is then the reply's first bubble, which names the
helplines; the notice comes right after it rather than after the whole reply
because a new Messenger message dismisses the quick replies of the one before
("Are you safe right now?" Yes / No must stay the last). That is the
first turn of a new conversation, and the first turn after the child deleted the
conversation (the store then holds nothing). A turn in which the bot said nothing
does not count, so the notice comes with the next reply. The store is asked under
the pseudonymous id the channel guard stores the conversation under, before the
turn (outside the conversation lock): two messages that arrive together at the very
start may both get the notice, which is harmless.

When the tracker store cannot be asked (no agent loaded, or the store fails), the
fallback is once per sender per process.

The notice is in the language the guard answers in (`message_language`): the text's
own language, else the channel's language hint, else Czech.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Mapping, Optional, Set

from rasa.core.channels.channel import OutputChannel
from rasa.shared.core.events import BotUttered
from rasa.shared.exceptions import RasaException

from bot.guard.pseudonyms import stored_sender_id
from bot.guard.replies import message_language
from referrals import load_dataset
from referrals.render import bullet_list
from referrals.schema import LANGUAGES

logger = logging.getLogger(__name__)

SITUATION = "channel_privacy"


class PrivacyNotice:
    """The notice texts by language and the memory of who has seen one."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        missing = [language for language in LANGUAGES if not texts.get(language)]
        if missing:
            raise RasaException(
                f"Referral situation '{SITUATION}' has no text for {missing}."
            )
        self.texts = dict(texts)
        self._noticed_in_process: Set[str] = set()

    @classmethod
    def from_dataset(cls) -> PrivacyNotice:
        """The situation's text, then its steps (how to delete the chat) as bullets.

        The dataset's checks require the situation, so loading it cannot miss.
        """
        situation = load_dataset().situations[SITUATION]
        return cls(
            {
                language: bullet_list(
                    situation.text[language], situation.steps[language]
                )
                for language in LANGUAGES
            }
        )

    async def for_turn(
        self,
        app: Any,
        channel: str,
        sender_id: str,
        user_text: str,
        language_hint: Optional[str] = None,
    ) -> Optional[str]:
        """The notice to send after this turn's first reply message, or None."""
        if not await self.is_due(app, stored_sender_id(channel, sender_id)):
            return None
        return self.text_for(user_text, language_hint)

    def text_for(self, user_text: str, language_hint: Optional[str]) -> str:
        return self.texts[message_language(user_text, language_hint)]

    async def is_due(self, app: Any, stored_id: str) -> bool:
        """True when the stored conversation `stored_id` has no bot message yet."""
        has_bot_message = await _has_bot_message(app, stored_id)
        if has_bot_message is None:
            due = stored_id not in self._noticed_in_process
            self._noticed_in_process.add(stored_id)
            return due
        return not has_bot_message


async def _has_bot_message(app: Any, stored_id: str) -> Optional[bool]:
    """Ask the agent's tracker store; None when there is no store to ask."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    tracker_store = getattr(agent, "tracker_store", None)
    if tracker_store is None:
        return None
    try:
        tracker = await tracker_store.retrieve(stored_id)
    except Exception as error:
        logger.warning("Tracker store lookup failed (%s).", type(error).__name__)
        return None
    if tracker is None:
        return False
    return any(isinstance(event, BotUttered) for event in tracker.events)


class NoticeAfterFirstReplyOutput(OutputChannel):
    """An output channel that sends a pending notice right after its first message.

    Channels make one instance per incoming message, so "first" means the first
    message of that turn's reply. A channel renders one message in `send_bubble`
    (by default Rasa's `send_response`).
    """

    def __init__(self, notice_text: Optional[str] = None) -> None:
        self._pending_notice = notice_text

    async def send_bubble(self, recipient_id: str, message: Dict[str, Any]) -> None:
        await super().send_response(recipient_id, message)

    async def send_response(self, recipient_id: str, message: Dict[str, Any]) -> None:
        await self.send_bubble(recipient_id, message)
        if self._pending_notice:
            notice, self._pending_notice = self._pending_notice, None
            await self.send_text_message(recipient_id, notice)
