"""How the scenarios count a turn: answered, silent, or failed."""

from __future__ import annotations

from typing import Any, Dict

from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.scenarios import _session, _turn

REPLIES: Dict[str, Any] = {
    "hello": ([{"recipient_id": "s", "text": "Hi"}], 200),
    "no": ([], 200),
    "boom": ("Internal Server Error", 500),
}


async def _handler(request: web.Request) -> web.Response:
    body, status = REPLIES[(await request.json())["message"]]
    if status != 200:
        return web.Response(text=body, status=status)
    return web.json_response(body)


async def test_an_empty_reply_is_answered_but_silent_and_a_500_is_an_error() -> None:
    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", _handler)
    async with TestServer(app) as server, _session() as session:
        url = str(server.make_url("/webhooks/rest/webhook"))
        said = await _turn(session, url, "s", "hello")
        silent = await _turn(session, url, "s", "no")
        failed = await _turn(session, url, "s", "boom")
    assert (said["ok"], said["silent"], said["first"]) == (True, False, "Hi")
    assert (silent["ok"], silent["silent"], silent["first"]) == (True, True, None)
    assert (failed["ok"], failed["silent"]) == (False, False)
