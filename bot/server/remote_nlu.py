"""The parse in a second process, when `NLU_URL` is set (`NLU_PROCESS=1 make run`).

Rasa 3.6 parses a message in its own event loop: about 30 % of a turn's CPU,
while the machine's second core mostly idles (`bench/RESULTS.md`). With
`NLU_URL`, each message's text, metadata and sender are posted to
`python -m bot.run.nlu_server` and awaited, so the Rasa process serves other
conversations meanwhile. Rasa's own HTTP interpreter answers a failed parse with
an empty intent and drops the metadata; this one parses the message here, as
without a parse server, when that server is down, slow or answers an error, so
a child never gets an empty parse. `fallbacks` counts those.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any, Callable, Dict, Mapping, Optional

import aiohttp

from bot.server.rasa_internals import parse_in_process
from bot.settings import positive_float

logger = logging.getLogger(__name__)

URL_VARIABLE = "NLU_URL"
TOKEN_VARIABLE = "NLU_TOKEN"
TIMEOUT_VARIABLE = "NLU_TIMEOUT_SECONDS"
# Well below the guard's deadline (2.5 s), so a parse server that hangs leaves
# time to parse here and answer.
DEFAULT_TIMEOUT_SECONDS = 1.0
PARSE_PATH = "/parse"

LocalParse = Callable[[Any], Dict[str, Any]]


class RemoteParser:
    """Rasa's `http_interpreter`: `parse(message)` from the parse server, or here."""

    def __init__(
        self, url: str, token: str, local: LocalParse, timeout_seconds: float
    ) -> None:
        self.url = url.rstrip("/") + PARSE_PATH
        self.token = token
        self.local = local
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self.fallbacks = 0
        self._session: Optional[aiohttp.ClientSession] = None

    async def parse(self, message: Any) -> Dict[str, Any]:
        body = {
            "text": message.text,
            "sender_id": message.sender_id,
            "metadata": message.metadata,
        }
        try:
            session = self._session_now()
            async with session.post(
                self.url,
                json=body,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
            ) as response:
                if response.status == 200:
                    parsed = await response.json()
                    if isinstance(parsed, dict) and "intent" in parsed:
                        return parsed
                logger.warning(
                    "Parse server answered %s: parsed here.", response.status
                )
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            logger.warning(
                "Parse server failed (%s): parsed here.", type(error).__name__
            )
        self.fallbacks += 1
        return self.local(message)

    def _session_now(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def timeout_seconds(env: Mapping[str, str] = os.environ) -> float:
    return positive_float(env, TIMEOUT_VARIABLE, DEFAULT_TIMEOUT_SECONDS)


def install_remote_parser(agent: Any) -> Optional[RemoteParser]:
    """With `NLU_URL` set, the agent's processor parses through the parse server."""
    url = os.environ.get(URL_VARIABLE, "")
    processor = getattr(agent, "processor", None)
    if not url or processor is None:
        return None
    parser = RemoteParser(
        url,
        os.environ.get(TOKEN_VARIABLE, ""),
        lambda message: parse_in_process(processor, message),
        timeout_seconds(),
    )
    processor.http_interpreter = parser
    logger.info("Messages are parsed by %s (here when it fails).", url)
    return parser
