"""Fixtures of the browser tests: the server (once per run), Chromium, and a fresh
browser context per test (see harness.py for what they stand on)."""

from __future__ import annotations

import subprocess
from typing import Iterator, List

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, sync_playwright

from bot.channels.webchat_page import SOCKET_IO_CLIENT
from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SERVER_START_SECONDS,
    EmbeddingSite,
    WebChatServer,
    free_port,
    model_for_tests,
    new_context,
)
from tests.stack import start_actions, start_rasa, stop, wait_for


@pytest.fixture(scope="session")
def embedding_site() -> Iterator[EmbeddingSite]:
    with EmbeddingSite(free_port()) as site:
        yield site


@pytest.fixture(scope="session")
def webchat_server(
    tmp_path_factory: pytest.TempPathFactory, embedding_site: EmbeddingSite
) -> Iterator[WebChatServer]:
    model = model_for_tests()
    if model is None:
        pytest.skip("no trained model in models/: run `make model` first")
    if not SOCKET_IO_CLIENT.is_file():
        pytest.skip("the socket.io client is not installed: run `npm ci --prefix web`")
    workdir = tmp_path_factory.mktemp("webchat")
    rasa_port = free_port()
    action_port = free_port({rasa_port})
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
    processes: List[subprocess.Popen] = []
    try:
        if (ROOT / "actions").is_dir():
            processes.append(start_actions(action_port, workdir / "actions.log"))
            wait_for(f"http://127.0.0.1:{action_port}/health", processes[-1])
        processes.append(
            start_rasa(model, workdir, rasa_port, action_port, credentials=credentials)
        )
        wait_for(f"{url}/webhooks/webchat/health", processes[-1], SERVER_START_SECONDS)
        server = WebChatServer(url=url, tracker_db=workdir / "tracker.db")
        embedding_site.widget_url = server.widget_url
        yield server
    finally:
        for process in reversed(processes):
            stop(process)


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
