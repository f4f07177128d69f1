"""A web chat that works for everyone: axe-core on every screen a child can reach,
the keyboard alone, a screen reader's live region, 200 % zoom, reduced motion.

Screens: the start, a conversation (a disclosure and its reply with call links),
the compensation check, and after delete; each at 360 px and at 1280 px.
"""

from __future__ import annotations

from typing import Any, Dict, Iterator, List

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from referrals import load_dataset
from tests.system.browser.harness import (
    DESKTOP,
    DISCLOSURE,
    NEUTRAL_SITE,
    PHONE,
    RECORD_DIALLING,
    REPLY_SECONDS,
    WebChatServer,
    axe_violations,
    bot_messages,
    dialled,
    new_context,
    open_chat,
    say,
    screenshot,
    wait_for_more_replies,
    wait_for_reply_containing,
)

pytestmark = [pytest.mark.browser, pytest.mark.servers]

DATASET = load_dataset()
SAFETY_QUESTION = DATASET.template("safety_question", "cs")
CHECK_COMPENSATION = DATASET.buttons("more_topics", "cs")[-1]  # its button title
FIRST_COMPENSATION_QUESTION = DATASET.template("compensation_ask_crime_kind", "cs")


@pytest.fixture(params=[PHONE, DESKTOP], ids=["360px", "1280px"])
def axe_page(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    # bypass_csp: the page's policy would refuse the injected axe script.
    context = new_context(
        browser, locale="cs-CZ", bypass_csp=True, viewport=request.param
    )
    yield context.new_page()
    context.close()


def screen(page: Page, name: str) -> List[Dict[str, Any]]:
    """axe's serious and critical violations of this screen; a 360 px screenshot.

    Measured once the bubbles have faded in: half-way, their text is paler."""
    page.wait_for_function("""() => document.getAnimations().every(
        a => a.playState !== 'running' || a.effect.getTiming().iterations === Infinity
    )""")
    if page.viewport_size == PHONE:
        screenshot(page, f"360px-{name}")
    return axe_violations(page)


def test_axe_finds_nothing_serious_on_any_screen(
    axe_page: Page, webchat_server: WebChatServer
) -> None:
    page = axe_page
    found: Dict[str, List[Dict[str, Any]]] = {}
    open_chat(page, webchat_server)
    found["start"] = screen(page, "start")

    say(page, DISCLOSURE)
    wait_for_reply_containing(page, SAFETY_QUESTION)
    expect(page.locator("#log a.call").first).to_be_visible()
    found["conversation"] = screen(page, "conversation")

    replies = bot_messages(page)
    say(page, CHECK_COMPENSATION)
    wait_for_reply_containing(page, FIRST_COMPENSATION_QUESTION)
    wait_for_more_replies(page, replies)
    expect(page.locator("#log .choices").last.locator("button")).not_to_have_count(0)
    found["compensation check"] = screen(page, "compensation-check")

    page.click("#delete")
    found["delete, asked to confirm"] = screen(page, "delete-confirm")
    page.click("#delete-yes")
    expect(page.locator("#status")).to_have_text("Konverzace je smazaná.")
    found["after delete"] = screen(page, "after-delete")

    assert found == {screen_name: [] for screen_name in found}


# -- the keyboard alone ------------------------------------------------------------


def focus_ring(page: Page) -> Dict[str, Any]:
    """The focused element and whether its focus can be seen (an outline)."""
    return dict(page.evaluate("""() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            return {
                id: el.id, tag: el.tagName, text: el.textContent.trim(),
                href: el.getAttribute('href'),
                visible: style.outlineStyle !== 'none'
                    && parseFloat(style.outlineWidth) >= 2,
            };
        }"""))


def tab_to(page: Page, key: str, wanted: Dict[str, str], limit: int = 30) -> None:
    """Press `key` (Tab or Shift+Tab) until the focused element matches `wanted`;
    every element passed on the way shows its focus."""
    for _ in range(limit):
        page.keyboard.press(key)
        ring = focus_ring(page)
        if ring["tag"] != "BODY":
            assert ring["visible"], ring
        if all(ring.get(name) == value for name, value in wanted.items()):
            return
    raise AssertionError(f"never reached {wanted} with {key}")


def test_the_whole_path_works_by_keyboard_with_visible_focus(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    context = new_context(browser, locale="cs-CZ")
    page = context.new_page()
    page.add_init_script(RECORD_DIALLING)
    try:
        open_chat(page, webchat_server)
        page.keyboard.press("Tab")
        assert focus_ring(page)["id"] == "quick-exit"
        assert focus_ring(page)["visible"]

        # Send.
        tab_to(page, "Tab", {"id": "message"})
        page.keyboard.type(DISCLOSURE)
        page.keyboard.press("Enter")
        wait_for_reply_containing(page, SAFETY_QUESTION)
        assert focus_ring(page)["id"] == "message"  # the reply took no focus

        # Call links: back from the message box, past the answers.
        tab_to(page, "Shift+Tab", {"href": "tel:116111"})
        page.keyboard.press("Enter")
        assert dialled(page) == ["tel:116111"]

        # Buttons.
        replies = bot_messages(page)
        tab_to(page, "Tab", {"text": DATASET.buttons("yes_no", "cs")[0]})
        page.keyboard.press("Enter")
        wait_for_more_replies(page, replies)
        assert focus_ring(page)["id"] == "message"  # back where one types

        # Delete.
        tab_to(page, "Shift+Tab", {"id": "delete"})
        page.keyboard.press("Enter")
        assert focus_ring(page)["id"] == "delete-yes" and focus_ring(page)["visible"]
        page.keyboard.press("Enter")
        expect(page.locator("#status")).to_have_text("Konverzace je smazaná.")
        expect(page.locator("#log > *")).to_have_count(0)

        # Quick exit.
        tab_to(page, "Shift+Tab", {"id": "quick-exit"})
        page.keyboard.press("Enter")
        page.wait_for_url(f"{NEUTRAL_SITE}**")
    finally:
        context.close()


# -- screen readers ----------------------------------------------------------------


def test_new_messages_are_announced_once_without_the_whole_log(
    page: Page, webchat_server: WebChatServer
) -> None:
    open_chat(page, webchat_server)
    log, announcer = page.locator("#log"), page.locator("#announcer")
    expect(log).to_have_attribute("role", "log")
    expect(log).to_have_attribute("aria-live", "off")
    expect(announcer).to_have_attribute("aria-live", "polite")
    expect(announcer).to_have_attribute("aria-relevant", "additions")

    say(page, DISCLOSURE)
    wait_for_reply_containing(page, SAFETY_QUESTION)
    first = page.locator("#announcer > p").all_inner_texts()
    replies = bot_messages(page)
    say(page, "ano")
    wait_for_more_replies(page, replies)
    page.wait_for_function(
        "n => document.querySelectorAll('#announcer > p').length > n", arg=len(first)
    )

    announced = page.locator("#announcer > p").all_inner_texts()
    new = announced[len(first) :] if len(announced) > len(first) else announced
    typing = DATASET.webchat["typing"]["cs"]
    assert new[0] == typing
    assert (
        new[1]
        == "Poradce: "
        + page.locator("#log .message.bot").last.locator("span").last.inner_text()
    )
    assert all(DISCLOSURE not in line and "Ty:" not in line for line in announced)
    # The log's labels change language; nothing is announced again.
    page.locator('#languages button[lang="en"]').click()
    assert page.locator("#announcer > p").all_inner_texts() == announced


# -- zoom and text size ------------------------------------------------------------


def nothing_sticks_out(page: Page) -> None:
    width = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    wider = page.evaluate("""() => [...document.querySelectorAll(
            'button, a, textarea, .message, h1')]
        .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5)
        .map(el => el.id || el.className || el.tagName)""")
    assert wider == []


@pytest.mark.parametrize(
    "options, text_size",
    [
        ({"viewport": {"width": 640, "height": 370}, "device_scale_factor": 2}, None),
        ({"viewport": PHONE}, "200%"),
    ],
    ids=["1280px-at-200%-zoom", "360px-with-200%-text"],
)
def test_200_percent_zoom_needs_no_sideways_scrolling(
    browser: Browser,
    webchat_server: WebChatServer,
    options: Dict[str, Any],
    text_size: str,
) -> None:
    context = new_context(browser, locale="cs-CZ", **options)
    page = context.new_page()
    if text_size:
        # As a reader's text size: set before the page's script runs.
        page.add_init_script(
            "document.addEventListener('readystatechange', () => {"
            f" document.documentElement.style.fontSize = '{text_size}';"
            " }, {once: true});"
        )
    try:
        open_chat(page, webchat_server)
        nothing_sticks_out(page)
        say(page, DISCLOSURE)
        wait_for_reply_containing(page, SAFETY_QUESTION)
        nothing_sticks_out(page)
        call = page.locator("#log a.call").first
        call.scroll_into_view_if_needed()
        expect(call).to_be_in_viewport()
        for control in ("#quick-exit", "#message", "#send", "#delete"):
            page.locator(control).scroll_into_view_if_needed()
            expect(page.locator(control)).to_be_in_viewport()
        name = "200-text" if text_size else "1280px-at-200-zoom"
        screenshot(page, f"360px-{name}" if text_size else name)
    finally:
        context.close()


# -- motion ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "preference, bubble_animation", [("reduce", "none"), ("no-preference", "bubble-in")]
)
def test_reduced_motion_is_respected(
    browser: Browser,
    webchat_server: WebChatServer,
    preference: str,
    bubble_animation: str,
) -> None:
    context: BrowserContext = new_context(
        browser, locale="cs-CZ", reduced_motion=preference
    )
    page = context.new_page()
    try:
        open_chat(page, webchat_server)
        say(page, DISCLOSURE)
        page.locator("#log .message.bot").first.wait_for(timeout=REPLY_SECONDS)
        animations = page.evaluate("""() => ({
            bubble: getComputedStyle(document.querySelector('#log .message'))
                .animationName,
            typing: getComputedStyle(document.querySelector('#typing'), '::after')
                .animationName,
            smooth: matchMedia('(prefers-reduced-motion: reduce)').matches,
        })""")
        assert animations["bubble"] == bubble_animation
        assert animations["typing"] == (
            "none" if preference == "reduce" else "typing-pulse"
        )
        assert animations["smooth"] == (preference == "reduce")
    finally:
        context.close()
