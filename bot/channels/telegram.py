"""Telegram: a webhook that only Telegram can call, and that never needs the internet
to start.

Differences from Rasa's stock channel:
- every update must carry `X-Telegram-Bot-Api-Secret-Token` (else 403); the secret
  is registered with the webhook by `python -m bot.channels.telegram set-webhook`;
- nothing is sent to Telegram at start-up (the stock channel calls setWebhook while
  the server builds its routes);
- only private chats are answered; text is sanitised (no `/intent` injection, so
  "/start" reaches the NLU as "start"); the sender's `language_code` becomes
  `{"language_hint": "cs"|"en"|"uk"}` metadata (uk also for ru and be, cs for sk,
  en for every other code); nothing else from the update is passed on;
- buttons are inline keyboards whose callback data is the button's plain text;
- a bubble that names helplines (`call_buttons`) has each number in bold: Telegram
  has no call button (inline buttons open only http(s) and tg:// links), and its
  apps link the phone numbers they recognise in text;
- every message goes through the channel guard (`guard_on_new_message`: pseudonymous
  sender id, rate limit, safety net) and the first reply message of a conversation
  is followed by the privacy notice (`privacy_notice`).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import os
import sys
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Sequence

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.call_buttons import number_entities, split_message
from bot.channels.outbound import JsonApiClient, PlatformApiError, split_text
from bot.channels.platform import PlatformInput
from bot.channels.settings import MissingSettings, TelegramSettings
from bot.guard.privacy_notice import NoticeAfterFirstReplyOutput, PrivacyNotice
from bot.guard.sanitize import sanitize_user_text
from bot.guard.turn import guard_on_new_message
from bot.server.hooks import register_server_hooks
from referrals.text import language_of_locale

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Bot API limits: callback data 1-64 bytes, message text 4096 characters.
CALLBACK_DATA_MAX_BYTES = 64
MESSAGE_MAX_CHARS = 4096
# Callback data of a button whose text is too long for 64 bytes: the index of the
# button; the text is then read back from the keyboard of the message tapped.
BUTTON_INDEX_PREFIX = "button#"
# A language code that is not a dataset language nor near one gives English.
LANGUAGE_OF_OTHER_CODES = "en"
ALLOWED_UPDATES = ["message", "callback_query"]


class TelegramBotApi:
    """The few Bot API methods the channel uses, as JSON POSTs."""

    def __init__(self, settings: TelegramSettings) -> None:
        self._settings = settings
        self._client = JsonApiClient()

    async def call(self, method: str, payload: Dict[str, Any]) -> Any:
        url = f"{self._settings.api_url}/bot{self._settings.access_token}/{method}"
        answer = await self._client.post(url, method, payload)
        if not isinstance(answer, dict) or not answer.get("ok"):
            raise PlatformApiError(f"{method}: not ok")
        return answer.get("result")

    async def set_webhook(self, url: str) -> None:
        await self.call(
            "setWebhook",
            {
                "url": url,
                "secret_token": self._settings.secret_token,
                "allowed_updates": ALLOWED_UPDATES,
            },
        )

    async def close(self) -> None:
        await self._client.close()


def callback_data(button: Dict[str, Any], index: int) -> str:
    """The button's payload (or title) as plain text, or its index if too long."""
    text = str(button.get("payload") or button.get("title") or "")
    if 0 < len(text.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES:
        return text
    return f"{BUTTON_INDEX_PREFIX}{index}"


def inline_keyboard(buttons: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """One button per row: Czech titles are long and phones are narrow."""
    rows = [
        [
            {
                "text": str(button.get("title", "")),
                "callback_data": callback_data(button, i),
            }
        ]
        for i, button in enumerate(buttons)
    ]
    return {"inline_keyboard": rows}


class TelegramOutput(NoticeAfterFirstReplyOutput):
    """Sends replies with the Bot API; a send that fails is logged, not raised,
    so the rest of the turn (and its tracker) is not lost."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, api: TelegramBotApi, notice_text: Optional[str] = None) -> None:
        super().__init__(notice_text)
        self.api = api

    async def _send(self, payload: Dict[str, Any]) -> None:
        try:
            await self.api.call("sendMessage", payload)
        except PlatformApiError as error:
            logger.warning("Telegram reply not delivered (%s).", error)

    async def send_bubble(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """A bubble that names helplines: one message, its numbers in bold."""
        rest, helplines = split_message(message)
        text = str(rest.get("text") or "")
        if not helplines or not text or len(text) > MESSAGE_MAX_CHARS:
            await super().send_bubble(recipient_id, rest)
            return
        payload: Dict[str, Any] = {
            "chat_id": recipient_id,
            "text": text,
            "entities": number_entities(text, helplines),
        }
        buttons = rest.get("quick_replies") or rest.get("buttons")
        if buttons:
            payload["reply_markup"] = inline_keyboard(buttons)
        await self._send(payload)
        if rest.get("custom"):
            await self.send_custom_json(recipient_id, rest["custom"])

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        for part in split_text(text, MESSAGE_MAX_CHARS):
            await self._send({"chat_id": recipient_id, "text": part})

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: List[Dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        *leading, last = split_text(text, MESSAGE_MAX_CHARS) or [""]
        for part in leading:
            await self._send({"chat_id": recipient_id, "text": part})
        await self._send(
            {
                "chat_id": recipient_id,
                "text": last,
                "reply_markup": inline_keyboard(buttons),
            }
        )


@dataclass(frozen=True)
class IncomingMessage:
    chat_id: str
    text: str
    language_hint: Optional[str]
    callback_query_id: Optional[str] = None


def language_hint(user: Mapping[str, Any]) -> Optional[str]:
    """The dataset language of the user's Telegram language code, if it has one."""
    code = str(user.get("language_code") or "")
    if not code:
        return None
    return language_of_locale(code) or LANGUAGE_OF_OTHER_CODES


def _tapped_button_text(message: Mapping[str, Any], data: str) -> str:
    """The title of the button `button#<i>` in the keyboard of the message tapped."""
    try:
        index = int(data[len(BUTTON_INDEX_PREFIX) :])
        rows = message["reply_markup"]["inline_keyboard"]
        return str(rows[index][0]["text"])
    except (KeyError, IndexError, TypeError, ValueError):
        return ""


def parse_update(update: Mapping[str, Any], bot_name: str) -> Optional[IncomingMessage]:
    """What the child said, from a message or a button tap in a private chat."""
    callback = update.get("callback_query")
    if isinstance(callback, dict):
        message, user = callback.get("message") or {}, callback.get("from") or {}
        raw = str(callback.get("data") or "")
        if raw.startswith(BUTTON_INDEX_PREFIX):
            raw = _tapped_button_text(message, raw)
        callback_id: Optional[str] = str(callback.get("id", "")) or None
    elif isinstance(update.get("message"), dict):
        message, user = update["message"], update["message"].get("from") or {}
        raw = message.get("text") or message.get("caption") or ""
        callback_id = None
    else:
        return None
    chat = message.get("chat") if isinstance(message, dict) else None
    if not isinstance(chat, dict) or chat.get("type") != "private" or "id" not in chat:
        return None
    if not isinstance(user, dict) or user.get("is_bot"):
        return None
    return IncomingMessage(
        chat_id=str(chat["id"]),
        text=sanitize_user_text(strip_bot_mention(raw, bot_name)),
        language_hint=language_hint(user),
        callback_query_id=callback_id,
    )


def strip_bot_mention(text: Any, bot_name: str) -> Any:
    """ "/start@MyBot hi" -> "/start hi" (Telegram's form of a command to one bot)."""
    if not isinstance(text, str) or not text.startswith("/"):
        return text
    command, space, rest = text.partition(" ")
    suffix = f"@{bot_name}"
    if bot_name and command.lower().endswith(suffix.lower()):
        command = command[: -len(suffix)]
    return f"{command}{space}{rest}"


class SecureTelegramInput(PlatformInput):
    """Telegram webhook at `/webhooks/telegram/webhook`, configured from env vars."""

    SETTINGS = TelegramSettings
    PLATFORM = "Telegram"

    @classmethod
    def name(cls) -> str:
        return "telegram"

    def __init__(self, settings: TelegramSettings, notice: PrivacyNotice) -> None:
        self.settings = settings
        self.notice = notice
        self.api = TelegramBotApi(settings)

    def has_valid_secret(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(
            given.encode("utf-8"), self.settings.secret_token.encode("utf-8")
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        guarded = guard_on_new_message(on_new_message, self.name())
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        register_server_hooks(telegram_webhook)

        @telegram_webhook.listener("after_server_stop")
        async def close_api(*_: Any) -> None:
            await self.api.close()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.has_valid_secret(request):
                logger.warning("Telegram update refused: wrong secret token header.")
                return response.text("forbidden", status=403)
            update = request.json if isinstance(request.json, dict) else {}
            incoming = parse_update(update, self.settings.bot_name)
            if incoming is None:
                return response.text("ignored")
            await self._answer_button_tap(incoming)
            notice = await self.notice.for_turn(
                request.app,
                self.name(),
                incoming.chat_id,
                incoming.text,
                incoming.language_hint,
            )
            metadata = (
                {"language_hint": incoming.language_hint}
                if incoming.language_hint
                else None
            )
            message = UserMessage(
                incoming.text,
                TelegramOutput(self.api, notice),
                incoming.chat_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            try:
                await guarded(message)
            except Exception:
                logger.exception("Telegram update could not be handled.")
            return response.text("success")

        return telegram_webhook

    async def _answer_button_tap(self, incoming: IncomingMessage) -> None:
        """Stop the spinner on the tapped button."""
        if incoming.callback_query_id is None:
            return
        try:
            await self.api.call(
                "answerCallbackQuery", {"callback_query_id": incoming.callback_query_id}
            )
        except PlatformApiError as error:
            logger.info("Button tap not acknowledged (%s).", error)

    def get_output_channel(self) -> TelegramOutput:
        return TelegramOutput(self.api)


async def _set_webhook(settings: TelegramSettings, url: str) -> None:
    api = TelegramBotApi(settings)
    try:
        await api.set_webhook(url)
    finally:
        await api.close()


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot.channels.telegram",
        description="Register the bot's webhook with Telegram, with its secret token.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    set_webhook = commands.add_parser("set-webhook", help="register the webhook URL")
    set_webhook.add_argument(
        "--url",
        required=True,
        help="public HTTPS URL, e.g. https://bot.example.org/webhooks/telegram/webhook",
    )
    args = parser.parse_args(argv)
    if not args.url.startswith("https://"):
        parser.error("Telegram sends updates to HTTPS URLs only.")
    try:
        settings = TelegramSettings.from_env(os.environ)
        asyncio.run(_set_webhook(settings, args.url))
    except (MissingSettings, PlatformApiError) as error:
        print(f"set-webhook failed: {error}", file=sys.stderr)
        return 1
    print(f"Webhook set: {args.url} (with secret token)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
