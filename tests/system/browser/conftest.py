"""Fixtures of the browser tests: the server (once per run), Chromium, and a fresh
browser context per test (see harness.py for what they stand on)."""

from __future__ import annotations

from typing import Iterator, List

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, sync_playwright

from bot.channels.webchat_page import SOCKET_IO_CLIENT
from tests.support.ports import free_port
from tests.support.servers import RELAXED_LIMITS, model_for_tests, running_servers
from tests.system.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    EmbeddingSite,
    WebChatServer,
    new_context,
)


@pytest.fixture(scope="session")
def embedding_site() -> Iterator[EmbeddingSite]:
    with EmbeddingSite(free_port()) as site:
        yield site


@pytest.fixture(scope="session")
def foreign_site() -> Iterator[EmbeddingSite]:
    """A site on another port that is NOT among the chat's allowed origins."""
    with EmbeddingSite(free_port()) as site:
        yield site


@pytest.fixture(scope="session")
def webchat_server(
    tmp_path_factory: pytest.TempPathFactory,
    embedding_site: EmbeddingSite,
    foreign_site: EmbeddingSite,
) -> Iterator[WebChatServer]:
    if model_for_tests() is None:
        pytest.skip("no trained model in models/: run `make model` first")
    if not SOCKET_IO_CLIENT.is_file():
        pytest.skip("the socket.io client is not installed: run `npm ci --prefix web`")
    rasa_port = free_port()
    url = f"http://127.0.0.1:{rasa_port}"
    credentials = {
        "bot.channels.webchat.WebChatInput": {
            "cors_allowed_origins": [
                url,
                f"http://localhost:{rasa_port}",
                embedding_site.url,
            ]
        }
    }
    with running_servers(
        tmp_path_factory.mktemp("webchat"),
        credentials=credentials,
        ready_path="/webhooks/webchat/health",
        rasa_port=rasa_port,
        **RELAXED_LIMITS,
    ) as servers:
        server = WebChatServer(url=servers.url, tracker_db=servers.db)
        embedding_site.widget_url = server.widget_url
        foreign_site.widget_url = server.widget_url
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # Module scope: Playwright's sync API holds an event loop while it runs, and
    # the asyncio tests that pytest runs after this module need the thread free.
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = new_context(browser, locale="cs-CZ")
    yield context
    context.close()


@pytest.fixture
def dialogs() -> List[Dialog]:
    """Every alert/confirm/prompt the page opened (each is dismissed)."""
    return []


@pytest.fixture
def page(context: BrowserContext, dialogs: List[Dialog]) -> Page:
    page = context.new_page()

    def record(dialog: Dialog) -> None:
        dialogs.append(dialog)
        dialog.dismiss()

    page.on("dialog", record)
    return page
