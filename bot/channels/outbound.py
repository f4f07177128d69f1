"""POST JSON to a messaging platform's API (Telegram Bot API, Meta Graph API)."""

from __future__ import annotations

import logging
from typing import Any, Dict, List, Optional

import aiohttp

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 15


class PlatformApiError(Exception):
    """A platform API refused or could not be reached.

    The message names the API method and the platform's own description, never
    the URL: both platforms put the bot's secret token in it.
    """


class JsonApiClient:
    """One aiohttp session, opened on first use inside the server's event loop.

    Nothing is opened at construction, so building a channel never touches the
    network and works before the event loop exists.
    """

    def __init__(self) -> None:
        self._session: Optional[aiohttp.ClientSession] = None

    async def post(self, url: str, method: str, payload: Dict[str, Any]) -> Any:
        """POST `payload` as JSON to `url`; return the decoded JSON answer.

        `method` only names the call in errors; `url` is never logged or raised.
        """
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_SECONDS)
            )
        try:
            async with self._session.post(url, json=payload) as response:
                status = response.status
                body = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as error:
            # str(error) of some aiohttp errors contains the URL (and the token).
            raise PlatformApiError(f"{method}: {type(error).__name__}") from None
        if status >= 400:
            raise PlatformApiError(f"{method}: HTTP {status}: {_describe(body)}")
        return body

    async def close(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None


def _describe(body: Any) -> str:
    """The error text a platform returns (Telegram: description, Graph: error)."""
    if isinstance(body, dict):
        if "description" in body:
            return str(body["description"])
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message", ""))
    return ""


def split_text(text: str, limit: int) -> List[str]:
    """Cut text longer than the platform allows at paragraph, then hard, limits."""
    parts: List[str] = []
    current = ""
    for paragraph in text.strip().split("\n\n"):
        candidate = f"{current}\n\n{paragraph}" if current else paragraph
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        while len(paragraph) > limit:
            parts.append(paragraph[:limit])
            paragraph = paragraph[limit:]
        current = paragraph
    if current:
        parts.append(current)
    return parts
