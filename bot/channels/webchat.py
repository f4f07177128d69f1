"""The web chat: a page and an embeddable widget served by the Rasa server itself,
talking over socket.io (page and widget: `bot/channels/webchat_page.py`).

Differences from Rasa's stock `socketio` channel:
- only the configured origins may open a socket (`cors_allowed_origins`; the stock
  channel switches the check off). Default: the server's own local origins;
- with `session_persistence` (on by default) the socket really joins its session's
  room (the stock channel does not await `enter_room`, so with python-socketio 5
  replies never arrive) and the session is bound to the socket on the server;
- every message goes through the channel guard (`bot.guard`): text
  sanitised (no `/intent` injection), sender id pseudonymised, rate limit, a kind
  answer to an empty message without asking Rasa, never silent. Client metadata is
  ignored: only a `lang` that is a language of the dataset ("cs", "en", "uk": the
  page's language) becomes `{"language_hint": ...}`;
- a `delete_conversation` event erases the conversation (its pseudonymised id) on
  the server and answers `conversation_deleted` with `{"ok": true|false}`;
- a bubble is one socket event `{"text", "quick_replies", "custom": {"helplines"}}`
  (the stock channel sends `custom` as an event of its own, after the text), so
  the page shows the call links of the helplines under the bubble that names them;
- engine.io sets no cookie;
- GET `/webhooks/webchat/health` answers 200 with a loaded model, else 503.
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any, Awaitable, Callable, Dict, List, Optional, Sequence, Text

import rasa.core.channels.channel
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

import bot.stores.erase
from bot.channels.webchat_page import add_page_routes, ui_strings
from bot.guard.sanitize import sanitize_user_text
from bot.guard.turn import ChannelGuard, guard_on_new_message
from bot.server.hooks import register_server_hooks
from referrals.schema import LANGUAGES
from referrals.text import NEAREST_LANGUAGE

logger = logging.getLogger(__name__)

DEFAULT_ALLOWED_ORIGINS = ("http://localhost:5005", "http://127.0.0.1:5005")
DEFAULT_EXIT_URL = "https://www.google.com/search?q=pocasi"
# Session ids the page makes (crypto.randomUUID); anything else gets a new one.
SESSION_ID_PATTERN = re.compile(r"[A-Za-z0-9-]{16,64}")
ORIGIN_PATTERN = re.compile(r"https?://[^/\s]+")
# Nothing a page sends is larger than a capped message: refuse big packets early.
MAX_PACKET_BYTES = 16 * 1024
DELETED_EVENT = "conversation_deleted"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def validated_origins(configured: Any) -> List[Text]:
    """`cors_allowed_origins`: one origin or a list of them, never "*" or empty.

    An empty list would switch engine.io's Origin check off and "*" would let every
    site in, so both are configuration errors.
    """
    origins = [configured] if isinstance(configured, str) else configured
    if not isinstance(origins, (list, tuple)) or not origins:
        raise ValueError("webchat: cors_allowed_origins must list at least one origin")
    cleaned = []
    for origin in origins:
        text = str(origin).rstrip("/")
        if not ORIGIN_PATTERN.fullmatch(text):
            raise ValueError(
                f"webchat: cors_allowed_origins entry {origin!r} is not an origin "
                "such as https://chat.example.cz"
            )
        cleaned.append(text)
    return cleaned


def validated_exit_url(configured: Any) -> Text:
    text = str(configured)
    if not re.fullmatch(r"https?://\S+", text):
        raise ValueError(f"webchat: exit_url {configured!r} is not an http(s) URL")
    return text


def requested_session_id(data: Any) -> Optional[Text]:
    """The `session_id` the page sent, if it looks like one the page makes."""
    session_id = data.get("session_id") if isinstance(data, dict) else None
    if isinstance(session_id, str) and SESSION_ID_PATTERN.fullmatch(session_id):
        return session_id
    return None


def language_hint(data: Dict[Text, Any]) -> Optional[Dict[Text, Any]]:
    """The only metadata a page may influence: its language, one of LANGUAGES."""
    lang = data.get("lang")
    return {"language_hint": lang} if lang in LANGUAGES else None


class WebChatOutput(SocketIOOutput):
    """One socket event per bubble: text, buttons and its helplines together."""

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        text = message.get("text")
        custom = message.get("custom")
        if not custom or not isinstance(text, str) or not text:
            await super().send_response(recipient_id, message)
            return
        event: Dict[Text, Any] = {"text": text, "custom": custom}
        buttons = message.get("quick_replies") or message.get("buttons")
        if buttons:
            event["quick_replies"] = [
                {
                    "content_type": "text",
                    "title": button.get("title"),
                    "payload": button.get("payload"),
                }
                for button in buttons
            ]
        await self._send_message(recipient_id, event)


class WebChatInput(SocketIOInput):
    """Rasa's socket.io channel made safe for a child's browser (see module doc)."""

    @classmethod
    def name(cls) -> Text:
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        return cls(
            user_message_evt=credentials.get("user_message_evt", "user_uttered"),
            bot_message_evt=credentials.get("bot_message_evt", "bot_uttered"),
            namespace=credentials.get("namespace"),
            session_persistence=credentials.get("session_persistence", True),
            socketio_path=credentials.get("socketio_path", "/socket.io"),
            jwt_key=credentials.get("jwt_key"),
            jwt_method=credentials.get("jwt_method", "HS256"),
            cors_allowed_origins=credentials.get(
                "cors_allowed_origins", DEFAULT_ALLOWED_ORIGINS
            ),
            exit_url=credentials.get("exit_url", DEFAULT_EXIT_URL),
        )

    def __init__(
        self,
        user_message_evt: Text = "user_uttered",
        bot_message_evt: Text = "bot_uttered",
        namespace: Optional[Text] = None,
        session_persistence: bool = True,
        socketio_path: Text = "/socket.io",
        jwt_key: Optional[Text] = None,
        jwt_method: Optional[Text] = "HS256",
        cors_allowed_origins: Sequence[Text] = DEFAULT_ALLOWED_ORIGINS,
        exit_url: Text = DEFAULT_EXIT_URL,
    ) -> None:
        super().__init__(
            user_message_evt,
            bot_message_evt,
            namespace,
            session_persistence,
            socketio_path,
            jwt_key,
            jwt_method,
        )
        self.socketio_path: Text = socketio_path
        self.cors_allowed_origins = validated_origins(cors_allowed_origins)
        self.exit_url = validated_exit_url(exit_url)
        # The Sanic app (set before the server starts): its ctx holds the agent.
        self.app: Optional[Sanic] = None
        self.guard: Optional[ChannelGuard] = None

    def page_config(self) -> Dict[Text, Any]:
        """What the page's script and the widget need to know."""
        return {
            "exitUrl": self.exit_url,
            "socketPath": self.socketio_path,
            "namespace": self.namespace or "/",
            "userEvent": self.user_message_evt,
            "botEvent": self.bot_message_evt,
            "deletedEvent": DELETED_EVENT,
            # The page's languages in the order of its language switch, and the
            # browser languages answered in one of them (sk -> cs, ru -> uk).
            "languages": list(LANGUAGES),
            "nearestLanguage": dict(NEAREST_LANGUAGE),
            # The widget starts only on these sites (the server enforces them too:
            # the page's frame-ancestors and engine.io's Origin check).
            "allowedOrigins": list(self.cors_allowed_origins),
            "strings": ui_strings(),
        }

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self.guard = guard_on_new_message(on_new_message, self.name())
        # engine.io checks the origin list on every polling request and WebSocket
        # handshake; cookie=None: it sets no `io` cookie, and no credentials are used.
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=self.cors_allowed_origins,
            cookie=None,
            cors_credentials=False,
            max_http_buffer_size=MAX_PACKET_BYTES,
        )
        self.sio = sio
        webhook = SocketBlueprint(sio, self.socketio_path, "webchat_webhook", __name__)
        register_server_hooks(webhook)

        @webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self.app = app

        @webhook.route("/health", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            # 200 only with a loaded model: Rasa keeps serving when loading failed.
            agent = getattr(request.app.ctx, "agent", None)
            ready = agent is not None and agent.is_ready()
            return response.json(
                {"status": "ok" if ready else "loading"}, status=200 if ready else 503
            )

        add_page_routes(webhook, self.page_config(), self.cors_allowed_origins)
        self._add_socket_handlers(sio, self.guard)
        return webhook

    def _add_socket_handlers(self, sio: AsyncServer, guard: OnNewMessage) -> None:
        namespace = self.namespace

        @sio.on("connect", namespace=namespace)
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict]) -> bool:
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(
                token
                and rasa.core.channels.channel.decode_bearer_token(
                    token, self.jwt_key, self.jwt_algorithm
                )
            )

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: Text, data: Any = None) -> None:
            session_id = requested_session_id(data) or uuid.uuid4().hex
            if self.session_persistence:
                await self._bind_session(sio, sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: Text, data: Any = None) -> None:
            data = data if isinstance(data, dict) else {}
            sender_id = await self._sender_id(sio, sid)
            if sender_id is None:
                # A message sent before the page's session_request was handled.
                sender_id = requested_session_id(data)
                if sender_id is None:
                    return
                await self._bind_session(sio, sid, sender_id)
            await guard(
                UserMessage(
                    sanitize_user_text(data.get("message")),
                    WebChatOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=language_hint(data),
                )
            )

        @sio.on("delete_conversation", namespace=namespace)
        async def delete_conversation(sid: Text, data: Any = None) -> None:
            sender_id = await self._sender_id(sio, sid)
            erased = sender_id is not None and await self.erase(sender_id)
            if erased and self.session_persistence and sender_id is not None:
                await sio.leave_room(sid, sender_id, namespace=namespace)
                await sio.save_session(sid, {}, namespace=namespace)
            await sio.emit(DELETED_EVENT, {"ok": erased}, room=sid, namespace=namespace)

    async def _bind_session(
        self, sio: AsyncServer, sid: Text, session_id: Text
    ) -> None:
        """Join the session's room (awaited: the stock channel forgets to)."""
        previous = await self._sender_id(sio, sid)
        if previous is not None and previous != session_id:
            await sio.leave_room(sid, previous, namespace=self.namespace)
        await sio.enter_room(sid, session_id, namespace=self.namespace)
        await sio.save_session(
            sid, {"session_id": session_id}, namespace=self.namespace
        )

    async def _sender_id(self, sio: AsyncServer, sid: Text) -> Optional[Text]:
        """The conversation of this socket: its bound session, or the socket id."""
        if not self.session_persistence:
            return sid
        session = await sio.get_session(sid, namespace=self.namespace)
        return session.get("session_id")

    async def erase(self, sender_id: Text) -> bool:
        """Erase the conversation in the tracker store; False when that failed."""
        agent = getattr(self.app.ctx, "agent", None) if self.app else None
        if agent is None or agent.tracker_store is None or self.guard is None:
            logger.error("webchat: no agent or tracker store to erase a conversation")
            return False
        stored_id = self.guard.stored_sender_id(sender_id)
        try:
            # Under the conversation's lock, so a reply being computed cannot save
            # the turn again after the erasure.
            async with agent.lock_store.lock(stored_id):
                await bot.stores.erase.erase_conversation(
                    agent.tracker_store, stored_id
                )
        except Exception:  # the page must hear that it failed, whatever the cause
            logger.exception("webchat: erasing a conversation failed")
            return False
        return True
