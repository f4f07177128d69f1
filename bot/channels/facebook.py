"""Facebook Messenger: a webhook that only Meta can call, replies through aiohttp.

Differences from Rasa's stock channel:
- POSTs must carry `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app
  secret, compared in constant time), else 403; the stock channel checks SHA-1;
- the verification handshake answers 403 to a wrong verify token;
- replies go to the Graph API with aiohttp (the `fbmessenger` client is blocking);
- buttons become quick replies; quick-reply payloads and postbacks are handled as
  plain text, sanitised like typed text, so `/intent` injection is impossible;
- every messaging event of a batch is handled (the stock channel stops at the first);
  echoes, deliveries and reads are ignored; nothing from the event but the text and
  the sender id reaches Rasa;
- every message goes through the channel guard (`guard_on_new_message`: pseudonymous
  sender id, rate limit, safety net) and the first reply of a conversation is
  preceded by the privacy notice (`privacy_notice`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Iterator, List, Mapping, Optional

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.outbound import JsonApiClient, PlatformApiError, split_text
from bot.channels.platform import PlatformInput
from bot.channels.settings import MessengerSettings
from bot.guard.privacy_notice import NoticeFirstOutput, PrivacyNotice
from bot.guard.sanitize import sanitize_user_text
from bot.guard.turn import guard_on_new_message
from bot.server.hooks import register_server_hooks

logger = logging.getLogger(__name__)

GRAPH_API_VERSION = "v18.0"
SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="
# Messenger limits: text 2000 characters; 13 quick replies of at most 20 characters
# (longer titles are cut, here with "…"; the payload keeps the full text).
MESSAGE_MAX_CHARS = 2000
QUICK_REPLIES_MAX = 13
QUICK_REPLY_TITLE_MAX_CHARS = 20
QUICK_REPLY_PAYLOAD_MAX_CHARS = 1000


def valid_signature(app_secret: str, body: bytes, header: Optional[str]) -> bool:
    """True when `header` is `sha256=<hex HMAC-SHA256 of body with app_secret>`."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    given = header[len(SIGNATURE_PREFIX) :].strip().lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8"))


def short_title(title: str) -> str:
    """At most 20 characters, visibly cut ("…") when longer."""
    if len(title) <= QUICK_REPLY_TITLE_MAX_CHARS:
        return title
    return title[: QUICK_REPLY_TITLE_MAX_CHARS - 1].rstrip() + "…"


def quick_replies(buttons: List[Dict[str, Any]]) -> List[Dict[str, str]]:
    """Buttons as Messenger quick replies; the payload is the full plain text."""
    if len(buttons) > QUICK_REPLIES_MAX:
        logger.warning("Messenger shows %d quick replies at most.", QUICK_REPLIES_MAX)
    replies = []
    for button in buttons[:QUICK_REPLIES_MAX]:
        title = str(button.get("title") or "")
        payload = str(button.get("payload") or title)
        replies.append(
            {
                "content_type": "text",
                "title": short_title(title),
                "payload": payload[:QUICK_REPLY_PAYLOAD_MAX_CHARS],
            }
        )
    return replies


class MessengerOutput(NoticeFirstOutput):
    """Sends replies with the Send API; a failed send is logged, not raised."""

    @classmethod
    def name(cls) -> str:
        return "facebook"

    def __init__(
        self,
        settings: MessengerSettings,
        client: JsonApiClient,
        notice_text: Optional[str] = None,
    ) -> None:
        super().__init__(notice_text)
        self._settings = settings
        self._client = client

    async def _send(self, recipient_id: str, message: Dict[str, Any]) -> None:
        url = (
            f"{self._settings.graph_url}/{GRAPH_API_VERSION}/me/messages"
            f"?access_token={self._settings.page_access_token}"
        )
        payload = {
            "recipient": {"id": recipient_id},
            "messaging_type": "RESPONSE",
            "message": message,
        }
        try:
            await self._client.post(url, "me/messages", payload)
        except PlatformApiError as error:
            logger.warning("Messenger reply not delivered (%s).", error)

    async def send_text_message(
        self, recipient_id: str, text: str, **kwargs: Any
    ) -> None:
        for part in split_text(text, MESSAGE_MAX_CHARS):
            await self._send(recipient_id, {"text": part})

    async def send_text_with_buttons(
        self,
        recipient_id: str,
        text: str,
        buttons: List[Dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        *leading, last = split_text(text, MESSAGE_MAX_CHARS) or [""]
        for part in leading:
            await self._send(recipient_id, {"text": part})
        await self._send(
            recipient_id, {"text": last, "quick_replies": quick_replies(buttons)}
        )


@dataclass(frozen=True)
class IncomingMessage:
    sender_id: str
    text: str


def parse_event(event: Mapping[str, Any]) -> Optional[IncomingMessage]:
    """What the person said in one messaging event, or None for other events."""
    sender_id = str((event.get("sender") or {}).get("id") or "")
    if not sender_id:
        return None
    message = event.get("message")
    postback = event.get("postback")
    if isinstance(message, dict):
        if message.get("is_echo"):
            return None
        quick_reply = message.get("quick_reply") or {}
        raw = quick_reply.get("payload") or message.get("text") or ""
    elif isinstance(postback, dict):
        raw = postback.get("payload") or postback.get("title") or ""
    else:
        return None
    return IncomingMessage(sender_id=sender_id, text=sanitize_user_text(raw))


def messaging_events(body: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(body, dict) or body.get("object") != "page":
        return
    for entry in body.get("entry") or []:
        for event in (entry.get("messaging") or []) if isinstance(entry, dict) else []:
            if isinstance(event, dict):
                yield event


class SecureMessengerInput(PlatformInput):
    """Messenger webhook at `/webhooks/facebook/webhook`, configured from env vars."""

    SETTINGS = MessengerSettings
    PLATFORM = "Messenger"

    @classmethod
    def name(cls) -> str:
        return "facebook"

    def __init__(self, settings: MessengerSettings, notice: PrivacyNotice) -> None:
        self.settings = settings
        self.notice = notice
        self.client = JsonApiClient()

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        guarded = guard_on_new_message(on_new_message, self.name())
        fb_webhook = Blueprint("fb_webhook", __name__)
        register_server_hooks(fb_webhook)

        @fb_webhook.listener("after_server_stop")
        async def close_client(*_: Any) -> None:
            await self.client.close()

        @fb_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @fb_webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            given = request.args.get("hub.verify_token") or ""
            expected = self.settings.verify_token
            if request.args.get("hub.mode") == "subscribe" and hmac.compare_digest(
                given.encode("utf-8"), expected.encode("utf-8")
            ):
                return response.text(request.args.get("hub.challenge") or "")
            logger.warning("Messenger webhook verification refused.")
            return response.text("forbidden", status=403)

        @fb_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            signature = request.headers.get(SIGNATURE_HEADER)
            if not valid_signature(self.settings.app_secret, request.body, signature):
                logger.warning("Messenger event refused: bad X-Hub-Signature-256.")
                return response.text("forbidden", status=403)
            for event in messaging_events(request.json):
                incoming = parse_event(event)
                if incoming is not None:
                    await self._handle(request, incoming, guarded)
            return response.text("EVENT_RECEIVED")

        return fb_webhook

    async def _handle(
        self,
        request: Request,
        incoming: IncomingMessage,
        guarded: Callable[[UserMessage], Awaitable[Any]],
    ) -> None:
        notice = await self.notice.for_turn(
            request.app, self.name(), incoming.sender_id, incoming.text
        )
        message = UserMessage(
            incoming.text,
            MessengerOutput(self.settings, self.client, notice),
            incoming.sender_id,
            input_channel=self.name(),
            metadata=None,
        )
        try:
            await guarded(message)
        except Exception:
            logger.exception("Messenger event could not be handled.")

    def get_output_channel(self) -> MessengerOutput:
        return MessengerOutput(self.settings, self.client)
