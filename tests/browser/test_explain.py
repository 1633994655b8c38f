"""Explain a response in a real browser: pasting with htmx, the form without JavaScript,
picking a HAR entry, errors, masking, accessibility and layout at a desktop's and a phone's size."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_layout import OVERFLOWING, PHONE

pytestmark = pytest.mark.browser

DATA = Path(__file__).resolve().parents[1] / "data" / "explain"
HEADING = "#explanation h2"


def capture(name):
    return (DATA / name).read_text()


def test_the_site_header_leads_to_the_page(site, page):
    page.goto(site + "/")
    page.get_by_role("navigation", name="Site").get_by_role(
        "link", name="Explain a response"
    ).click()
    expect(page).to_have_url(site + "/explain/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Explain a response")


def test_pasting_explains_without_a_reload(site, page):
    page.goto(site + "/explain/")
    marker = page.evaluate("() => (window.__marker = Math.random())")

    page.get_by_label("The response").fill(capture("401-without-www-authenticate.curl-i.txt"))

    expect(page.locator(HEADING)).to_contain_text("401")
    expect(page.locator("#explain-status")).to_contain_text("401 Unauthorized: 1 problem")
    expect(page.locator("#explanation")).to_contain_text(
        "A 401 response must carry WWW-Authenticate"
    )
    expect(page.get_by_role("link", name="All about 401 Unauthorized")).to_have_attribute(
        "href", "/401/"
    )
    assert page.evaluate("() => window.__marker") == marker  # same document
    expect(page).to_have_url(site + "/explain/")


def test_picking_a_har_entry_explains_that_one(site, page):
    page.goto(site + "/explain/")
    page.get_by_label("The response").fill(capture("chromium-page.har"))
    expect(page.locator(HEADING)).to_contain_text("200")
    picker = page.get_by_label("Response to explain")
    expect(picker.locator("option")).to_have_count(6)

    picker.select_option(index=2)  # the missing logo

    expect(page.locator(HEADING)).to_contain_text("404")
    expect(page.get_by_label("Response to explain")).to_have_value("3")
    # A new paste starts again from its own first entry.
    page.get_by_label("The response").fill(capture("chromium-page.har") + "\n")
    expect(page.locator(HEADING)).to_contain_text("200")


def test_an_unreadable_paste_says_what_was_expected(site, page):
    page.goto(site + "/explain/")
    page.get_by_label("The response").fill("this is not a response")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Could not explain this")
    expect(alert).to_contain_text("a HAR file")
    expect(page.locator("#explain-status")).to_have_text("")  # the alert says it once


def test_cookie_values_are_masked_on_the_page(site, page):
    page.goto(site + "/explain/")
    page.get_by_label("The response").fill(capture("200-private-cookies.curl-v.txt"))
    expect(page.locator("#explanation")).to_contain_text("session=•••; Path=/; HttpOnly")
    expect(page.locator("#explanation")).not_to_contain_text("7f3a9c2e1b8d4f60a5e3")


def test_markup_in_a_paste_is_shown_as_text_and_never_runs(site, page):
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto(site + "/explain/")
    page.get_by_label("The response").fill(
        'HTTP/1.1 200 OK\r\nX-Evil: <img src=x onerror="window.__pwned = 1">\r\n\r\n'
    )
    expect(page.locator("#explanation")).to_contain_text('<img src=x onerror="window.__pwned = 1">')
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_without_javascript_the_form_posts_and_the_picker_works(site, no_js_page):
    page = no_js_page
    page.goto(site + "/explain/")
    har = capture("chromium-page.har")
    page.get_by_label("The response").fill(har)
    page.get_by_role("button", name="Explain", exact=True).click()

    expect(page.locator(HEADING)).to_contain_text("200")
    expect(page.locator("#explain-status")).to_contain_text("200 OK")
    expect(page.get_by_label("The response")).to_have_value(har.replace("\r\n", "\n"))

    page.get_by_label("Response to explain").select_option(index=4)
    page.get_by_role("button", name="Explain this one").click()

    expect(page.locator(HEADING)).to_contain_text("200")
    expect(page.locator("#explanation")).to_contain_text("Only scripts on http://127.0.0.1:")
    expect(page.get_by_label("Response to explain")).to_have_value("5")


def test_without_javascript_an_unreadable_paste_says_why(site, no_js_page):
    page = no_js_page
    page.goto(site + "/explain/")
    page.get_by_label("The response").fill("hello")
    page.get_by_role("button", name="Explain", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Could not explain this")


def test_no_serious_accessibility_violations_with_a_result(site, page, serious_violations):
    page.goto(site + "/explain/")
    page.get_by_label("The response").fill(capture("chromium-page.har"))
    expect(page.locator(HEADING)).to_contain_text("200")
    assert serious_violations(page) == []


@pytest.mark.parametrize(
    ("size", "options"),
    [("desktop", {"viewport": {"width": 1280, "height": 800}}), ("phone", PHONE)],
)
def test_an_explanation_fits_the_screen(site, browser, screenshot, size, options):
    context = browser.new_context(**options)
    page = context.new_page()
    try:
        page.goto(site + "/explain/")
        page.get_by_label("The response").fill(capture("chromium-raw-headers-cors-cookie.txt"))
        expect(page.locator(HEADING)).to_contain_text("200")
        page.get_by_label("The response").fill(capture("chromium-page.har"))
        expect(page.get_by_label("Response to explain")).to_be_visible()
        assert page.evaluate(OVERFLOWING) == []
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= options["viewport"]["width"]
        page.screenshot(path=str(screenshot.folder / f"explain-{size}.png"), full_page=True)
    finally:
        context.close()
