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
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List
from urllib.parse import urlsplit

from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from referrals import load_dataset
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
DESKTOP = {"width": 1280, "height": 740}
SERVER_START_SECONDS = 240
# Screenshots at 360 px, kept as test artefacts (results/ is not in git).
SCREENSHOTS = ROOT / "results" / "webchat"

# The page's own Czech words (the page follows a cs-CZ browser).
PAGE_WORDS = {key: text["cs"] for key, text in load_dataset().webchat.items()}
ASSISTANT = PAGE_WORDS["assistant"]  # the speaker label of a bot bubble
DELETED = PAGE_WORDS["deleted"]
DISCLOSURE = "nekdo me vydira ze posle moje nahe fotky vsem ve tride"
HELPLINE = "116 111"
INJECTION = "<img src=x onerror=alert(1)>"
REPLY_SECONDS = 30_000  # ms: the first turn of a fresh server loads the NLU
# Records a tap on a tel: link instead of leaving for the phone's dialler (a
# headless browser has none); a test reads `window.__dialled`.
RECORD_DIALLING = """
window.__dialled = [];
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[href^='tel:']");
  if (!link) return;
  window.__dialled.push(link.getAttribute("href"));
  event.preventDefault();
}, true);
"""


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
    Private Network Access). GET /help.html is a page with the widget,
    /frame.html one that frames the chat page itself (no widget)."""

    def __init__(self, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.widget_url = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                pages = {"/help.html": site.page(), "/frame.html": site.frame_page()}
                body = pages.get(self.path, "not found").encode("utf-8")
                self.send_response(200 if self.path in pages else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def page(self) -> str:  # the widget on a page of this site
        return (
            '<!doctype html><html lang="en"><title>School</title><h1>School</h1>'
            f'<script src="{self.widget_url}" defer></script>'
        )

    def frame_page(self) -> str:
        chat_url = self.widget_url.rsplit("/", 1)[0] + "/"
        return (
            '<!doctype html><html lang="en"><title>School</title>'
            f'<iframe title="chat" src="{chat_url}?embed=1"></iframe>'
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
    options = {"viewport": PHONE, **options}
    context = browser.new_context(**options)  # type: ignore[arg-type]
    context.route("**/*", answer_offline)
    return context


def settled(page: Page) -> None:
    """Bubbles faded in and smooth scrolling done."""
    page.wait_for_function("""() => document.getAnimations().every(
        a => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity
    )""")
    page.wait_for_timeout(600)


def screenshot(page: Page, name: str) -> None:
    settled(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def open_chat(page: Page, server: WebChatServer) -> None:
    page.goto(server.chat_url)
    # The status line says "connecting" until the socket is open.
    expect(page.locator("#status")).to_have_text("")


def say(page: Page, text: str) -> None:
    page.fill("#message", text)
    page.keyboard.press("Enter")


def bot_messages(page: Page) -> int:
    return page.locator("#log .message.bot").count()


def wait_for_reply_containing(page: Page, text: str) -> None:
    reply = page.locator("#log .message.bot").filter(has_text=text).first
    reply.wait_for(timeout=REPLY_SECONDS)


def wait_for_more_replies(page: Page, than: int) -> None:
    page.locator("#log .message.bot").nth(than).wait_for(timeout=REPLY_SECONDS)


def wait_until_stored(server: WebChatServer, known: Dict[str, int]) -> str:
    """The id of the one conversation stored since `known` was read."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        new = set(server.stored_events()) - set(known)
        if new:
            assert len(new) == 1, new
            return new.pop()
        time.sleep(0.2)
    raise AssertionError("the conversation was never stored")


def disclose(page: Page) -> None:
    say(page, DISCLOSURE)
    wait_for_reply_containing(page, HELPLINE)


def wait_for_the_whole_reply(page: Page, last_text: str) -> None:
    """Until the reply's bubble with `last_text` (its last) has arrived."""
    wait_for_reply_containing(page, last_text)


def dialled(page: Page) -> List[str]:
    return list(page.evaluate("window.__dialled || []"))


def axe_violations(page: Page) -> List[Dict[str, Any]]:
    """Serious and critical axe-core violations of the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("axe.run(document)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "nodes": [n["target"] for n in v["nodes"]],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
