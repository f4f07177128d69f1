"""The web chat in a real browser, as a child on a phone would use it.

Headless Chromium at 360 x 740 px talks to the real Rasa server (trained model,
action server, SQLite tracker store). Quick exit lands on a stand-in of the neutral
site; no request leaves the machine.
"""

from __future__ import annotations

import json
import re
from typing import List

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Dialog,
    Locator,
    Page,
    WebSocketRoute,
    expect,
)

from referrals import load_dataset
from referrals.schema import LANGUAGES
from tests.system.browser.harness import (
    DISCLOSURE,
    HELPLINE,
    INJECTION,
    NEUTRAL_SITE,
    REPLY_SECONDS,
    EmbeddingSite,
    WebChatServer,
    bot_messages,
    disclose,
    new_context,
    open_chat,
    say,
    screenshot,
    wait_for_more_replies,
    wait_for_reply_containing,
    wait_until_stored,
)

pytestmark = [pytest.mark.browser, pytest.mark.servers]

SCREENSHOT_UK_NAME = "360px-uk"
UKRAINIAN_DISCLOSURE = "мене шантажують, він каже що розішле мої фото всім у класі"


# -- a conversation ---------------------------------------------------------------


def test_a_disclosure_is_answered_with_the_helpline(
    page: Page, webchat_server: WebChatServer
) -> None:
    open_chat(page, webchat_server)
    disclose(page)
    expect(page.locator("#log .message.user")).to_have_text([f"Ty: {DISCLOSURE}"])
    log = page.locator("#log")
    expect(log).to_have_attribute("role", "log")


def test_a_bot_button_is_a_button_that_sends_its_text(
    page: Page, webchat_server: WebChatServer
) -> None:
    open_chat(page, webchat_server)
    disclose(page)
    choice = page.locator("#log button.choice").first
    choice.wait_for(timeout=REPLY_SECONDS)
    title = choice.inner_text()
    replies = bot_messages(page)

    choice.click()

    expect(page.locator("#log .message.user").last).to_have_text(f"Ty: {title}")
    wait_for_more_replies(page, replies)
    expect(choice).to_be_disabled()


def test_bot_text_is_shown_as_text_and_links_open_safely(
    page: Page, webchat_server: WebChatServer
) -> None:
    """A bot message with markup, a link and a script URL, injected into the socket."""
    sockets: List[WebSocketRoute] = []
    sent: List[str] = []

    def through(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda frame: (sent.append(str(frame)), server.send(frame)))
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/socket\.io/"), through)
    open_chat(page, webchat_server)
    message = {
        "text": "<b>Pozor</b> https://example.org/help. javascript:alert(1) hotovo",
        "quick_replies": [{"title": "<i>Ano</i>", "payload": "ano"}],
    }
    sockets[0].send("42" + json.dumps(["bot_uttered", message]))

    bubble = page.locator("#log .message.bot").last
    expect(bubble).to_have_text(f"Poradce: {message['text']}")
    assert page.locator("#log b, #log i, #log script").count() == 0
    link = bubble.locator("a")
    expect(link).to_have_count(1)
    expect(link).to_have_text("https://example.org/help")
    expect(link).to_have_attribute("href", "https://example.org/help")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")

    page.locator("#log button.choice", has_text="<i>Ano</i>").click()
    expect(page.locator("#log .message.user").last).to_have_text("Ty: <i>Ano</i>")
    for _ in range(50):
        events = [json.loads(f[2:]) for f in sent if f.startswith('42["user_uttered"')]
        if events:
            break
        page.wait_for_timeout(100)
    assert [data["message"] for _, data in events] == ["ano"]


def test_html_in_a_message_is_shown_literally_and_runs_nothing(
    page: Page, webchat_server: WebChatServer, dialogs: List[Dialog]
) -> None:
    open_chat(page, webchat_server)
    replies = bot_messages(page)
    say(page, INJECTION)
    wait_for_more_replies(page, replies)
    expect(page.locator("#log .message.user")).to_have_text([f"Ty: {INJECTION}"])
    assert page.locator("#log img").count() == 0
    assert dialogs == []


# -- quick exit -------------------------------------------------------------------


def assert_left_for_good(page: Page, server: WebChatServer) -> None:
    page.wait_for_url(f"{NEUTRAL_SITE}**")
    page.go_back()
    assert "/webhooks/webchat" not in page.url
    assert page.url.rstrip("/") in (server.url, NEUTRAL_SITE.rstrip("/"))


def test_the_quick_exit_button_leaves_and_back_does_not_return(
    page: Page, webchat_server: WebChatServer
) -> None:
    page.goto(f"{webchat_server.url}/")
    open_chat(page, webchat_server)
    disclose(page)
    exit_button = page.locator("#quick-exit")
    expect(exit_button).to_be_in_viewport()
    exit_button.click()
    assert_left_for_good(page, webchat_server)


def test_escape_twice_leaves_and_back_does_not_return(
    page: Page, webchat_server: WebChatServer
) -> None:
    page.goto(f"{webchat_server.url}/")
    open_chat(page, webchat_server)
    disclose(page)
    page.keyboard.press("Escape")
    page.wait_for_timeout(1_700)  # too slow for a double press: still here
    assert page.url == webchat_server.chat_url
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    assert_left_for_good(page, webchat_server)


# -- nothing on the device, nothing on the server ----------------------------------


def test_nothing_is_stored_in_the_browser(
    page: Page, context: BrowserContext, webchat_server: WebChatServer
) -> None:
    open_chat(page, webchat_server)
    disclose(page)
    stored = page.evaluate("""async () => ({
            local: localStorage.length,
            session: sessionStorage.length,
            cookie: document.cookie,
            indexedDB: (await indexedDB.databases()).length,
            caches: (await caches.keys()).length,
        })""")
    assert stored == {
        "local": 0,
        "session": 0,
        "cookie": "",
        "indexedDB": 0,
        "caches": 0,
    }
    assert context.cookies() == []
    assert context.storage_state(indexed_db=True) == {"cookies": [], "origins": []}


def test_delete_erases_the_conversation_on_the_server_and_on_the_page(
    page: Page, webchat_server: WebChatServer
) -> None:
    known = webchat_server.stored_events()
    open_chat(page, webchat_server)
    disclose(page)
    conversation = wait_until_stored(webchat_server, known)
    assert webchat_server.stored_events()[conversation] > 0

    page.click("#delete")
    page.click("#delete-yes")

    deleted = load_dataset().webchat["deleted"]["cs"]  # the counts stay: it says so
    assert deleted.startswith("Konverzace je smazaná.") and "anonymní" in deleted
    expect(page.locator("#status")).to_have_text(deleted)
    expect(page.locator("#log > *")).to_have_count(0)
    assert conversation not in webchat_server.stored_events()


# -- phone, keyboard, screen reader, languages -------------------------------------


def test_a_360_px_phone_needs_no_horizontal_scrolling(
    page: Page, webchat_server: WebChatServer
) -> None:
    open_chat(page, webchat_server)
    disclose(page)
    replies = bot_messages(page)
    say(page, "x" * 300 + " https://example.org/" + "a" * 200)
    wait_for_more_replies(page, replies)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    expect(page.locator("#quick-exit")).to_be_in_viewport()
    expect(page.locator("#message")).to_be_in_viewport()
    screenshot(page, "360px-long-message")


def language_button(page: Page, lang: str) -> Locator:
    return page.locator(f'#languages button[lang="{lang}"]')


def test_the_interface_follows_the_browser_language_and_switches(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    context = new_context(browser, locale="en-GB")
    page = context.new_page()
    try:
        open_chat(page, webchat_server)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("#quick-exit")).to_contain_text("Quick exit")
        expect(language_button(page, "en")).to_have_attribute("aria-pressed", "true")
        language_button(page, "cs").click()
        expect(page.locator("html")).to_have_attribute("lang", "cs")
        expect(page.locator("#quick-exit")).to_contain_text("Rychle pryč")
        expect(page.locator("#send")).to_have_text("Odeslat")
        expect(language_button(page, "cs")).to_have_attribute("aria-pressed", "true")
        expect(language_button(page, "en")).to_have_attribute("aria-pressed", "false")
    finally:
        context.close()


@pytest.mark.parametrize(
    "locale,lang", [("uk-UA", "uk"), ("ru-RU", "uk"), ("sk-SK", "cs"), ("de-DE", "cs")]
)
def test_the_page_language_is_the_nearest_the_chat_has(
    browser: Browser, webchat_server: WebChatServer, locale: str, lang: str
) -> None:
    context = new_context(browser, locale=locale)
    page = context.new_page()
    try:
        open_chat(page, webchat_server)
        expect(page.locator("html")).to_have_attribute("lang", lang)
    finally:
        context.close()


def test_a_ukrainian_browser_gets_the_chat_in_ukrainian(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    words = {key: text["uk"] for key, text in load_dataset().webchat.items()}
    names = [load_dataset().webchat["language_name"][lang] for lang in LANGUAGES]
    context = new_context(browser, locale="uk-UA")
    page = context.new_page()
    try:
        open_chat(page, webchat_server)
        expect(page.locator("html")).to_have_attribute("lang", "uk")
        expect(page.locator("#send")).to_have_text(words["send"])
        switch = page.get_by_role("group", name=words["language_switch_label"])
        expect(switch.get_by_role("button")).to_have_text(names)
        expect(language_button(page, "uk")).to_have_attribute("aria-pressed", "true")

        replies = bot_messages(page)
        say(page, UKRAINIAN_DISCLOSURE)
        wait_for_reply_containing(page, HELPLINE)
        first = page.locator("#log .message.bot").nth(replies).inner_text()
        opener = load_dataset().situations["sextortion"].text["uk"]
        assert opener in first, first
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        screenshot(page, SCREENSHOT_UK_NAME)

        # The switch by keyboard alone: Tab to the Czech button, Enter.
        page.locator("#quick-exit").focus()
        for _ in range(5):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.lang") == "cs":
                break
        page.keyboard.press("Enter")
        expect(page.locator("html")).to_have_attribute("lang", "cs")
        expect(language_button(page, "cs")).to_be_focused()
    finally:
        context.close()


# -- the widget on another site ----------------------------------------------------


def open_chat_label(lang: str) -> str:
    return load_dataset().webchat["open_chat"][lang]


def test_the_widget_chats_from_another_site_and_quick_exit_leaves_that_site(
    page: Page, webchat_server: WebChatServer, embedding_site: EmbeddingSite
) -> None:
    # The site is in English, the browser in Czech: the child's language wins.
    page.goto(f"{embedding_site.url}/help.html")
    page.get_by_role("button", name=open_chat_label("cs")).click()
    chat = page.frame_locator("iframe")
    chat.locator("#message").fill(DISCLOSURE)
    chat.locator("#message").press("Enter")
    chat.locator("#log .message.bot").filter(has_text=HELPLINE).first.wait_for(
        timeout=REPLY_SECONDS
    )
    chat.locator("#quick-exit").click()
    page.wait_for_url(f"{NEUTRAL_SITE}**")


def test_escape_twice_on_the_embedding_site_leaves_it(
    page: Page, webchat_server: WebChatServer, embedding_site: EmbeddingSite
) -> None:
    page.goto(f"{embedding_site.url}/help.html")
    page.get_by_role("button", name=open_chat_label("cs")).wait_for()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(f"{NEUTRAL_SITE}**")


@pytest.mark.parametrize("locale,lang", [("uk-UA", "uk"), ("de-DE", "en")])
def test_the_widget_follows_the_browser_then_the_embedding_site(
    browser: Browser,
    webchat_server: WebChatServer,
    embedding_site: EmbeddingSite,
    locale: str,
    lang: str,
) -> None:
    context = new_context(browser, locale=locale)
    page = context.new_page()
    try:
        page.goto(f"{embedding_site.url}/help.html")
        page.get_by_role("button", name=open_chat_label(lang)).click()
        frame = page.frame_locator("iframe")
        expect(frame.locator("html")).to_have_attribute("lang", lang)
    finally:
        context.close()


def test_the_widget_is_refused_on_a_site_that_is_not_configured(
    page: Page, webchat_server: WebChatServer, foreign_site: EmbeddingSite
) -> None:
    console: List[str] = []
    page.on("console", lambda message: console.append(message.text))

    page.goto(f"{foreign_site.url}/help.html")
    page.wait_for_load_state("load")

    # The widget adds nothing there, and says why in the console...
    expect(page.locator("button")).to_have_count(0)
    expect(page.locator("iframe")).to_have_count(0)
    assert any("not an allowed origin" in line for line in console), console
    # ...and the server refuses that site anyway: the socket's Origin check...
    handshake = page.request.get(
        f"{webchat_server.url}/socket.io/?EIO=4&transport=polling",
        headers={"Origin": foreign_site.url},
    )
    assert handshake.status == 400
    allowed = page.request.get(
        f"{webchat_server.url}/socket.io/?EIO=4&transport=polling",
        headers={"Origin": webchat_server.url},
    )
    assert allowed.status == 200


def test_the_chat_page_cannot_be_framed_by_a_site_that_is_not_configured(
    page: Page,
    webchat_server: WebChatServer,
    foreign_site: EmbeddingSite,
    embedding_site: EmbeddingSite,
) -> None:
    # The page's frame-ancestors lets only the configured sites frame it.
    page.goto(f"{embedding_site.url}/frame.html")
    expect(page.frame_locator("iframe").locator("#message")).to_be_visible()

    page.goto(f"{foreign_site.url}/frame.html")
    page.wait_for_load_state("load")
    page.wait_for_timeout(1_000)  # time enough for the chat page to have loaded
    (frame,) = [f for f in page.frames if f != page.main_frame]
    assert frame.locator("#message").count() == 0  # Chromium's error page instead
