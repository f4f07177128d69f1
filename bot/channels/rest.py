"""The REST channel for scripted tests and integrations, without intent injection."""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

from rasa.core.channels.rest import RestInput
from sanic.request import Request

from bot.channels.common import sanitize_user_text


class SafeRestInput(RestInput):
    """Rasa's REST channel, at the same path `/webhooks/rest/webhook`.

    Differences: the text is sanitised (no `/intent` injection, no control
    characters, capped length) and metadata sent by the client is ignored, so a
    client cannot smuggle values that only the server may set.
    """

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _extract_message(self, req: Request) -> Optional[Text]:
        body = req.json if isinstance(req.json, dict) else {}
        return sanitize_user_text(body.get("message"))

    def get_metadata(self, request: Request) -> Optional[Dict[Text, Any]]:
        return None
