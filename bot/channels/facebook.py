"""Facebook Messenger: a webhook that only Meta can call, replies through aiohttp.

Differences from Rasa's stock channel:
- POSTs must carry `X-Hub-Signature-256` (HMAC-SHA256 of the raw body with the app
  secret, compared in constant time), else 403; the stock channel checks SHA-1;
- the verification handshake answers 403 to a wrong verify token;
- replies go to the Graph API with aiohttp (the `fbmessenger` client is blocking);
- buttons become quick replies; quick-reply payloads and postbacks are handled as
  plain text, sanitised like typed text, so `/intent` injection is impossible;
- a bubble that names helplines (`call_buttons`) is a button template with one
  call button (`phone_number`) per helpline, three to a template;
- every messaging event of a batch is handled (the stock channel stops at the first);
  echoes, deliveries and reads are ignored; nothing from the event but the text and
  the sender id reaches Rasa;
- every message goes through the channel guard (`guard_on_new_message`: pseudonymous
  sender id, rate limit, safety net) and the first reply of a conversation is
  followed by the privacy notice (`privacy_notice`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
)

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.call_buttons import CallButton, split_message
from bot.channels.outbound import JsonApiClient, PlatformApiError, split_text
from bot.channels.platform import PlatformInput
from bot.channels.settings import MessengerSettings
from bot.guard.privacy_notice import NoticeAfterFirstReplyOutput, PrivacyNotice
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
# Button template: text of at most 640 characters, 1 to 3 buttons of at most 20.
TEMPLATE_TEXT_MAX_CHARS = 640
TEMPLATE_BUTTONS_MAX = 3
BUTTON_TITLE_MAX_CHARS = 20
# A call button's payload must be "+", a country calling code and the number; the
# helplines are Czech numbers (`dial` holds their digits).
CALL_COUNTRY_CODE = "+420"


def valid_signature(app_secret: str, body: bytes, header: Optional[str]) -> bool:
    """True when `header` is `sha256=<hex HMAC-SHA256 of body with app_secret>`."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    given = header[len(SIGNATURE_PREFIX) :].strip().lower()
    return hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8"))


def short_title(title: str, limit: int = QUICK_REPLY_TITLE_MAX_CHARS) -> str:
    """At most `limit` characters, visibly cut ("…") when longer."""
    if len(title) <= limit:
        return title
    return title[: limit - 1].rstrip() + "…"


def call_button(helpline: CallButton) -> Dict[str, str]:
    """Messenger's call button: one tap dials the helpline."""
    return {
        "type": "phone_number",
        "title": short_title(helpline.label, BUTTON_TITLE_MAX_CHARS),
        "payload": CALL_COUNTRY_CODE + helpline.dial,
    }


def call_templates(text: str, helplines: Sequence[CallButton]) -> List[Dict[str, Any]]:
    """Button templates with a call button per helpline, three to a template.

    The first carries the bubble's text when it fits; otherwise (and for a
    fourth helpline on) the text is the numbers and names of its helplines, and
    the bubble's text goes before it as plain messages (`leading_text`).
    """
    templates = []
    for start in range(0, len(helplines), TEMPLATE_BUTTONS_MAX):
        chunk = helplines[start : start + TEMPLATE_BUTTONS_MAX]
        if start == 0 and len(text) <= TEMPLATE_TEXT_MAX_CHARS:
            template_text = text
        else:
            template_text = "\n".join(f"{h.number} – {h.name}" for h in chunk)
        templates.append(
            {
                "attachment": {
                    "type": "template",
                    "payload": {
                        "template_type": "button",
                        "text": template_text[:TEMPLATE_TEXT_MAX_CHARS],
                        "buttons": [call_button(h) for h in chunk],
                    },
                }
            }
        )
    return templates


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


class MessengerOutput(NoticeAfterFirstReplyOutput):
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

    async def send_bubble(self, recipient_id: str, message: Dict[str, Any]) -> None:
        """A bubble that names helplines: its text with a call button for each."""
        rest, helplines = split_message(message)
        text = str(rest.get("text") or "")
        if not helplines or not text:
            await super().send_bubble(recipient_id, rest)
            return
        if len(text) > TEMPLATE_TEXT_MAX_CHARS:
            for part in split_text(text, MESSAGE_MAX_CHARS):
                await self._send(recipient_id, {"text": part})
        *templates, last = call_templates(text, helplines)
        for template in templates:
            await self._send(recipient_id, template)
        buttons = rest.get("quick_replies") or rest.get("buttons")
        if buttons:
            # Quick replies show under the last message only.
            last = {**last, "quick_replies": quick_replies(buttons)}
        await self._send(recipient_id, last)
        if rest.get("custom"):
            await self.send_custom_json(recipient_id, rest["custom"])

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
