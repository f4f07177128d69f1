"""The REST channel for scripted tests and integrations, behind the channel guard.

Same paths and reply format as Rasa's `RestInput`:

    GET  /webhooks/rest/          {"status": "ok"}
    GET  /webhooks/rest/health    {"status": "ok", "tracker_store": "ok"|"degraded",
                                   "lock_store": "ok"|"degraded",  (Redis only)
                                   "turns_in_flight", "max_turns_in_flight",
                                   "turns_in_flight_limit", "shed_turns"}

`status` is "ok" whenever the server answers: a degraded store still lets every
child get an answer (at worst the safety net), and a load balancer that took
every replica out because their shared Redis or PostgreSQL failed would leave
children with no answer at all. The stores' own keys say what is degraded.
    POST /webhooks/rest/webhook   {"sender": "...", "message": "..."}
                                  -> [{"recipient_id": "...", "text": "..."}, ...]

A bubble that names helplines also carries them in the same object, for clients
that show call buttons (`bot.channels.call_buttons`):

    {"recipient_id": "...", "text": "... 116 111 ...", "buttons": [...],
     "custom": {"helplines": [{"id", "number", "dial", "name", "label"}, ...]}}

Differences: every message goes through `guard_on_new_message` (sanitised text,
pseudonymous sender id, rate limit, safety net); metadata sent by the client is
ignored, so a client cannot smuggle values only the server may set; a request
that is not a JSON object with a string `message` gets a 4xx JSON error
`{"error": "..."}` instead of Sanic's HTML page; no message text is ever logged.
Like every channel here, the blueprint carries the server's start-up hooks
(`bot.server.hooks`).
"""

from __future__ import annotations

import json
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Tuple

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    UserMessage,
)
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.guard.turn import guard_on_new_message
from bot.server.hooks import register_server_hooks
from bot.stores.health import lock_store_status, tracker_store_status

JSON_CONTENT_TYPE = "application/json"
# A 100,000-character message is ~400 kB of JSON at most; refuse far larger bodies.
MAX_BODY_BYTES = 1_000_000
DEFAULT_SENDER = "default"
MAX_SENDER_CHARS = 255


class RequestError(Exception):
    """A request the channel refuses: an HTTP status and a message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def parse_webhook_request(
    content_type: Optional[str], body: bytes
) -> Tuple[Text, Optional[Text]]:
    """`(sender, message)` from a webhook request, or RequestError (4xx)."""
    if len(body) > MAX_BODY_BYTES:
        raise RequestError(413, f"The body is larger than {MAX_BODY_BYTES} bytes.")
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type != JSON_CONTENT_TYPE:
        raise RequestError(
            415, "Send the message as JSON (Content-Type: application/json)."
        )
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise RequestError(400, "The body is not valid JSON.") from None
    if not isinstance(payload, dict):
        raise RequestError(
            400, 'The body must be a JSON object: {"sender": ..., "message": ...}.'
        )
    message = payload.get("message")
    if message is not None and not isinstance(message, str):
        raise RequestError(400, "'message' must be a string.")
    sender = payload.get("sender", DEFAULT_SENDER)
    if isinstance(sender, bool) or not isinstance(sender, (str, int)):
        raise RequestError(400, "'sender' must be a string.")
    sender = str(sender)
    if not sender or len(sender) > MAX_SENDER_CHARS:
        raise RequestError(
            400, f"'sender' must have 1 to {MAX_SENDER_CHARS} characters."
        )
    return sender, message


class OneObjectPerBubbleOutput(CollectingOutputChannel):
    """Rasa's collecting channel, except that a bubble's `custom` (its helplines)
    stays in the bubble's object instead of becoming an object of its own."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        if not message.get("custom") or not message.get("text"):
            await super().send_response(recipient_id, message)
            return
        await self._persist_message(
            self._message(
                recipient_id,
                text=message.get("text"),
                buttons=message.get("buttons") or message.get("quick_replies"),
                custom=message.get("custom"),
            )
        )


class SafeRestInput(InputChannel):
    """Rasa's REST channel, at the same path `/webhooks/rest/webhook`."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        guarded = guard_on_new_message(on_new_message, self.name())
        blueprint = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)
        register_server_hooks(blueprint)

        @blueprint.route("/", methods=["GET"])
        async def alive(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @blueprint.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            store = getattr(agent, "tracker_store", None)
            lock_store = await lock_store_status(getattr(agent, "lock_store", None))
            return response.json(
                {
                    "status": "ok",
                    "tracker_store": tracker_store_status(store),
                    **({} if lock_store is None else {"lock_store": lock_store}),
                    **guarded.shedder.status(),
                }
            )

        @blueprint.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                sender, text = parse_webhook_request(
                    request.headers.get("content-type"), request.body or b""
                )
            except RequestError as error:
                return response.json({"error": error.message}, status=error.status)
            collector = OneObjectPerBubbleOutput()
            await guarded(
                UserMessage(text, collector, sender, input_channel=self.name())
            )
            return response.json(collector.messages)

        return blueprint
