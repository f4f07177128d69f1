"""The web chat's page, widget and static files, served from the channel's routes.

Everything is sent with `Cache-Control: no-store` (nothing left in the browser's
cache) and `Referrer-Policy: no-referrer` (the neutral site reached by quick exit
does not learn where the child came from). The page gets a strict Content Security
Policy: scripts and styles from this server only, no inline code, framed only by
the allowed origins.
"""

from __future__ import annotations

import html
import json
import logging
from pathlib import Path
from typing import Any, Dict, Sequence, Text

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from referrals import load_dataset
from referrals.schema import LANGUAGES

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
# The front-end: web/static/ (page, script, style, widget) and its npm packages.
WEB = ROOT / "web"
STATIC = WEB / "static"
# Installed by `npm ci --prefix web` (web/package-lock.json pins the version).
SOCKET_IO_CLIENT = WEB / "node_modules/socket.io-client/dist/socket.io.min.js"
# Files served as they are under <prefix>/static/<name>.
STATIC_FILES = {"app.js": "text/javascript", "style.css": "text/css"}
# Where index.html and widget.js receive the page configuration.
PAGE_CONFIG_MARK = "__WEBCHAT_CONFIG__"
WIDGET_CONFIG_MARK = "/*__WEBCHAT_CONFIG__*/ null"

NO_TRACE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


def ui_strings() -> Dict[Text, Dict[Text, Text]]:
    """The page's own words (buttons, labels) by language, from the dataset's
    `webchat` texts (referrals/data/ui.yml); bot replies are not here."""
    texts = load_dataset().webchat
    return {
        lang: {key: text[lang] for key, text in texts.items()} for lang in LANGUAGES
    }


def page_headers(allowed_origins: Sequence[Text]) -> Dict[Text, Text]:
    ancestors = " ".join(["'self'", *allowed_origins])
    policy = (
        "default-src 'none'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
        "form-action 'none'; "
        f"frame-ancestors {ancestors}"
    )
    return {**NO_TRACE_HEADERS, "Content-Security-Policy": policy}


def add_page_routes(
    webhook: Blueprint, config: Dict[Text, Any], allowed_origins: Sequence[Text]
) -> None:
    """GET `/` the chat page, `/widget.js`, `/static/<file>` and the socket.io client.

    `config` is handed to the page's script (a meta tag) and to the widget.
    """
    config_json = json.dumps(config, ensure_ascii=False)
    page = (STATIC / "index.html").read_text(encoding="utf-8")
    page = page.replace(PAGE_CONFIG_MARK, html.escape(config_json, quote=True))
    widget = (STATIC / "widget.js").read_text(encoding="utf-8")
    widget = widget.replace(WIDGET_CONFIG_MARK, config_json)
    headers = page_headers(allowed_origins)

    @webhook.route("/", methods=["GET"])
    async def chat_page(request: Request) -> HTTPResponse:
        if not request.path.endswith("/"):
            # The page's files are named relative to the folder.
            return response.redirect(request.path + "/", headers=NO_TRACE_HEADERS)
        return response.html(page, headers=headers)

    @webhook.route("/widget.js", methods=["GET"])
    async def chat_widget(_: Request) -> HTTPResponse:
        return response.text(
            widget,
            headers=NO_TRACE_HEADERS,
            content_type="text/javascript; charset=utf-8",
        )

    @webhook.route("/static/<name>", methods=["GET"])
    async def static_file(_: Request, name: Text) -> HTTPResponse:
        if name not in STATIC_FILES:
            return response.empty(status=404)
        return await response.file(
            STATIC / name, headers=NO_TRACE_HEADERS, mime_type=STATIC_FILES[name]
        )

    @webhook.route("/vendor/socket.io.min.js", methods=["GET"])
    async def socket_io_client(_: Request) -> HTTPResponse:
        if not SOCKET_IO_CLIENT.is_file():
            logger.error("%s is missing: run `npm ci --prefix web`", SOCKET_IO_CLIENT)
            return response.empty(status=404)
        return await response.file(
            SOCKET_IO_CLIENT, headers=NO_TRACE_HEADERS, mime_type="text/javascript"
        )
