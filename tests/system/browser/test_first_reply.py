"""Help in one tap: the first reply to a disclosure on a 360 px phone.

The reply's first bubble (the opener and every helpline, each with a call link)
is what the child sees when it arrives; one tap on "Volat 116 111" dials it. The
legal facts come when the child asks for them. A tap on a tel: link is recorded
instead of opening a dialler (`RECORD_DIALLING`).
"""

from __future__ import annotations

import re
from typing import List

import pytest
from playwright.sync_api import Page, WebSocketRoute, expect

from referrals import load_dataset
from tests.system.browser.harness import (
    ASSISTANT,
    DISCLOSURE,
    RECORD_DIALLING,
    REPLY_SECONDS,
    WebChatServer,
    dialled,
    open_chat,
    say,
    screenshot,
    wait_for_reply_containing,
)

pytestmark = [pytest.mark.browser, pytest.mark.servers]

DATASET = load_dataset()
SAFETY_QUESTION = DATASET.template("safety_question", "cs")
LAW_BUTTON = DATASET.buttons("ask_law", "cs")[0]
FACTS_HEADING = DATASET.template("facts_heading", "cs")
OPENER = DATASET.situations["sextortion"].text["cs"]


def call_label(helpline_id: str) -> str:
    number = DATASET.helpline(helpline_id).number
    return DATASET.template("call_button", "cs").format(number=number)


def reply_bubbles(page: Page) -> List[str]:
    """The bot bubbles' texts, speaker label first, each line break a space."""
    texts = page.locator("#log .message.bot").all_inner_texts()
    return [" ".join(text.split()) for text in texts]


def bubble_is_at_the_top(page: Page, index: int = 0) -> None:
    """The bot bubble `index` starts at the top of the conversation's view (or of
    the page, in a short view); smooth scrolling may still be moving: wait."""
    page.wait_for_function(
        """index => {
            const chat = document.querySelector('.chat');
            const scrolls = getComputedStyle(chat).overflowY !== 'visible';
            const top = scrolls ? chat.getBoundingClientRect().top
                : document.querySelector('.bar').getBoundingClientRect().bottom;
            const bubble = document.querySelectorAll('#log .message.bot')[index];
            if (!bubble) return false;
            const offset = bubble.getBoundingClientRect().top - top;
            return offset >= 0 && offset <= 24;
        }""",
        arg=index,
        timeout=5_000,
    )


def test_two_taps_after_the_first_message_dial_116_111(
    page: Page, webchat_server: WebChatServer
) -> None:
    page.add_init_script(RECORD_DIALLING)
    open_chat(page, webchat_server)
    page.fill("#message", DISCLOSURE)  # typed, then...

    page.click("#send")  # ...tap 1
    wait_for_reply_containing(page, SAFETY_QUESTION)  # the whole reply is there

    bubble_is_at_the_top(page, 0)
    first = page.locator("#log .message.bot").first
    expect(first).to_contain_text(OPENER)
    expect(first).to_be_in_viewport()
    calls = page.locator("#log .calls").first.locator("a.call")
    expect(calls).to_have_text(
        [call_label(h) for h in ("linka_bezpeci", "police", "bily_kruh")]
    )
    hrefs = calls.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert hrefs == ["tel:116111", "tel:158", "tel:116006"]  # the dataset's `dial`
    call = calls.first
    expect(call).to_be_in_viewport()
    screenshot(page, "360px-first-reply")

    call.click()  # tap 2

    assert dialled(page) == ["tel:116111"]


def test_the_first_reply_leaves_the_law_for_when_it_is_asked_for(
    page: Page, webchat_server: WebChatServer
) -> None:
    open_chat(page, webchat_server)
    say(page, DISCLOSURE)
    wait_for_reply_containing(page, SAFETY_QUESTION)
    first_reply = reply_bubbles(page)
    assert len(first_reply) == 3  # opener and helplines, what to do now, are you safe
    assert not any(FACTS_HEADING in bubble for bubble in first_reply)

    page.locator("#log button.choice", has_text=LAW_BUTTON).click()

    wait_for_reply_containing(page, FACTS_HEADING)
    page.locator("#log .message.bot").nth(len(first_reply) + 1).wait_for(
        timeout=REPLY_SECONDS
    )
    law, again = reply_bubbles(page)[len(first_reply) :]
    bubble_is_at_the_top(page, len(first_reply))  # this reply's first bubble
    assert law.startswith(f"{ASSISTANT} {FACTS_HEADING}"), law
    assert again == f"{ASSISTANT} {SAFETY_QUESTION}"  # still asked, still answerable
    screenshot(page, "360px-the-law")


def test_typing_is_shown_and_announced_once_while_the_reply_is_on_its_way(
    page: Page, webchat_server: WebChatServer
) -> None:
    """The server's replies are held back until the test lets them through."""
    held: List[str] = []
    holding = [True]
    sockets: List[WebSocketRoute] = []

    def through(ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_server(frame: object) -> None:
            text = str(frame)
            if holding[0] and text.startswith('42["bot_uttered"'):
                held.append(text)
            else:
                ws.send(text)

        server.on_message(from_server)
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/socket\.io/"), through)
    open_chat(page, webchat_server)
    typing_text = DATASET.webchat["typing"]["cs"]

    say(page, DISCLOSURE)

    expect(page.locator("#typing")).to_be_visible()
    expect(page.locator("#typing")).to_have_text(typing_text)
    for _ in range(300):
        if len(held) >= 3:
            break
        page.wait_for_timeout(100)
    assert len(held) >= 3, held
    expect(page.locator("#typing")).to_be_visible()  # still on its way
    holding[0] = False
    for frame in held:
        sockets[0].send(frame)

    wait_for_reply_containing(page, SAFETY_QUESTION)
    expect(page.locator("#typing")).to_be_hidden()
    announced = page.locator("#announcer > p").all_inner_texts()
    assert announced.count(typing_text) == 1
    assert announced[0] == typing_text
    assert [" ".join(a.split()) for a in announced[1:]] == reply_bubbles(page)
