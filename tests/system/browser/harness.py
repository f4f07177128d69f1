"""What the browser tests run against: the real Rasa server with only the web chat
channel and the action server (`tests.support.servers`), and Debian's Chromium with no
network (loopback only; the neutral site and an embedding site are stand-ins).

Needs a trained model in models/ (`make model`), `npm ci --prefix web` and
`/usr/bin/chromium` (`apt-get install chromium`); the fixtures in conftest.py skip
with the reason otherwise.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Route

from tests.support import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "web/node_modules/axe-core/axe.min.js"
# Quick exit goes here (the channel's default exit_url); the test answers for it.
NEUTRAL_SITE = "https://www.google.com/"
PHONE = {"width": 360, "height": 740}
SERVER_START_SECONDS = 240


@dataclass
class WebChatServer:
    url: str
    tracker_db: Path

    @property
    def chat_url(self) -> str:
        return f"{self.url}/webhooks/webchat/"

    @property
    def widget_url(self) -> str:
        return f"{self.chat_url}widget.js"

    def stored_events(self) -> Dict[str, int]:
        """Stored events per (pseudonymised) conversation id, read from SQLite."""
        if not self.tracker_db.exists():
            return {}
        with sqlite3.connect(self.tracker_db) as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            if "events" not in tables:
                return {}
            rows = db.execute(
                "SELECT sender_id, COUNT(*) FROM events GROUP BY sender_id"
            )
            return dict(rows)


class EmbeddingSite:
    """A school's web site that embeds the widget: another origin on loopback (a
    page on a public name could not load a script from loopback: Chromium's
    Private Network Access). GET /help.html is a page with the widget."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.widget_url = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = site.page().encode("utf-8")
                self.send_response(200 if self.path == "/help.html" else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def page(self) -> str:
        return (
            '<!doctype html><html lang="en"><title>School</title><h1>School</h1>'
            f'<script src="{self.widget_url}" defer></script>'
        )

    def __enter__(self) -> "EmbeddingSite":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def answer_offline(route: Route) -> None:
    """Loopback goes through, the neutral site is a stand-in, nothing else leaves
    the machine."""
    url = route.request.url
    if urlsplit(url).hostname in ("127.0.0.1", "localhost"):
        route.continue_()
    elif url.startswith(NEUTRAL_SITE):
        route.fulfill(content_type="text/html", body="<title>Počasí</title><p>weather")
    else:
        route.abort()


def new_context(browser: Browser, **options: object) -> BrowserContext:
    context = browser.new_context(viewport=PHONE, **options)  # type: ignore[arg-type]
    context.route("**/*", answer_offline)
    return context
