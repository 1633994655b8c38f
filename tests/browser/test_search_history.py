"""Live search and the browser's history: one entry per search, Back and Forward
show the search the URL names (box, class, view, results, title), and a code page
leads back only to the search it was reached from."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FIRST_RESULT = "#results .code-item .num >> nth=0"
SITE_NAME = "HTTP Status Code Reference"
SETTLE_MS = 2000  # a pause longer than site.js's SETTLE_AFTER (1.5 s): the reader reads


def entries(page):
    return page.evaluate("() => history.length")


def shows(page, url_end, text, first, title):
    """The URL, the box, the first result and the title all name the same search."""
    expect(page).to_have_url(re.compile(re.escape(url_end) + "$"))
    expect(page.locator("#q")).to_have_value(text)
    expect(page.locator(FIRST_RESULT)).to_have_text(first)
    expect(page).to_have_title(title)


def test_back_and_forward_restore_the_box_the_results_and_the_title(site, page):
    page.goto(site + "/")
    box = page.locator("#q")
    box.press_sequentially("timeout", delay=40)
    expect(page.locator(FIRST_RESULT)).to_have_text("408")
    page.wait_for_timeout(SETTLE_MS)
    box.fill("")
    expect(page).to_have_url(site + "/")
    box.press_sequentially("gateway", delay=40)
    shows(page, "/?q=gateway", "gateway", "502", f"gateway — search — {SITE_NAME}")

    page.go_back()
    shows(page, "/?q=timeout", "timeout", "408", f"timeout — search — {SITE_NAME}")
    page.go_back()
    shows(page, "/", "", "100", SITE_NAME)
    page.go_forward()
    shows(page, "/?q=timeout", "timeout", "408", f"timeout — search — {SITE_NAME}")
    page.go_forward()
    shows(page, "/?q=gateway", "gateway", "502", f"gateway — search — {SITE_NAME}")


def test_typing_slowly_adds_one_history_entry_per_search(site, page):
    page.goto(site + "/")
    before = entries(page)
    box = page.locator("#q")
    box.press_sequentially("cors", delay=400)  # each letter answered before the next
    expect(page).to_have_url(re.compile(r"/\?q=cors$"))
    assert entries(page) == before + 1  # not four: ?q=c, co, cor, cors

    box.press("Enter")  # settles it; Enter again adds nothing
    box.press("Enter")
    page.wait_for_timeout(300)
    assert entries(page) == before + 1
    box.fill("teapot")
    expect(page.locator(FIRST_RESULT)).to_have_text("418")
    assert entries(page) == before + 2

    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?q=cors$"))
    expect(box).to_have_value("cors")
    expect(page).to_have_title(f"cors — search — {SITE_NAME}")
    page.go_back()
    shows(page, "/", "", "100", SITE_NAME)


def test_leaving_the_box_or_pausing_settles_a_search(site, page):
    page.goto(site + "/")
    before = entries(page)
    box = page.locator("#q")
    box.fill("redirect")
    expect(page).to_have_url(re.compile(r"q=redirect$"))
    page.locator("h1").click()  # the box loses focus
    box.fill("teapot")
    expect(page).to_have_url(re.compile(r"q=teapot$"))
    page.wait_for_timeout(SETTLE_MS)  # a pause
    box.fill("gone")
    expect(page).to_have_url(re.compile(r"q=gone$"))
    assert entries(page) == before + 3
    page.go_back()
    expect(page).to_have_url(re.compile(r"q=teapot$"))
    expect(box).to_have_value("teapot")


def test_back_restores_the_class_filter_and_the_view_for_the_next_search(site, page):
    page.goto(site + "/?q=timeout")
    page.get_by_role("link", name="5xx Server Error").click()
    expect(page).to_have_url(re.compile(r"\?q=timeout&class=5xx$"))
    page.get_by_role("link", name="Detailed list").click()
    expect(page).to_have_url(re.compile(r"\?q=timeout&class=5xx&view=detailed$"))

    page.go_back()
    expect(page).to_have_url(re.compile(r"\?q=timeout&class=5xx$"))
    page.go_back()
    shows(page, "/?q=timeout", "timeout", "408", f"timeout — search — {SITE_NAME}")
    expect(page.locator(".chip-all")).to_have_attribute("aria-current", "true")
    # The next search is made with what the page shows: no class, the compact list.
    page.locator("#q").fill("gateway")
    expect(page).to_have_url(re.compile(r"/\?q=gateway$"))
    expect(page.locator("#results .use")).to_have_count(0)


def test_a_history_entry_not_in_htmx_cache_is_restored_from_the_server(site, page):
    page.goto(site + "/")
    box = page.locator("#q")
    box.fill("timeout")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"q=timeout$"))
    box.fill("gateway")
    expect(page).to_have_url(re.compile(r"q=gateway$"))
    page.evaluate("() => sessionStorage.removeItem('htmx-history-cache')")

    with page.expect_request(lambda r: r.headers.get("hx-history-restore-request") == "true"):
        page.go_back()
    shows(page, "/?q=timeout", "timeout", "408", f"timeout — search — {SITE_NAME}")


def test_the_title_names_the_search_on_a_full_load_and_after_a_swap(site, page):
    page.goto(site + "/?q=timeout")
    expect(page).to_have_title(f"timeout — search — {SITE_NAME}")
    page.goto(site + "/?q=timeout&class=5xx")
    expect(page).to_have_title(f"timeout in 5xx — search — {SITE_NAME}")
    page.goto(site + "/?class=4xx")
    expect(page).to_have_title(f"4xx Client Error — {SITE_NAME}")
    page.goto(site + "/")
    expect(page).to_have_title(SITE_NAME)

    marker = page.evaluate("() => (window.__marker = 1)")
    page.locator("#q").fill("gateway")
    expect(page).to_have_title(f"gateway — search — {SITE_NAME}")
    page.get_by_role("link", name="5xx Server Error").click()
    expect(page).to_have_title(f"gateway in 5xx — search — {SITE_NAME}")
    page.locator("#q").fill("")
    expect(page).to_have_title(f"5xx Server Error — {SITE_NAME}")
    assert page.evaluate("() => window.__marker") == marker  # swaps, not page loads


def test_back_to_your_search_appears_only_after_a_search(site, page):
    page.goto(site + "/")
    page.locator("#results .code-link", has_text="Not Found").first.click()
    expect(page).to_have_url(site + "/404/")
    expect(page.get_by_role("link", name="← All status codes")).to_have_attribute("href", "/")

    page.goto(site + "/?q=teapot")
    page.locator("#results .code-link").first.click()
    expect(page).to_have_url(site + "/418/")
    back = page.get_by_role("link", name="← Back to your search")
    expect(back).to_have_attribute("href", "/?q=teapot")

    page.get_by_role("link", name=re.compile(r"^419 ")).click()  # on to the next code
    expect(page).to_have_url(site + "/419/")
    expect(page.get_by_role("link", name="← All status codes")).to_be_visible()
    page.goto(site + "/500/")  # typed in the address bar, a search earlier in the tab
    expect(page.get_by_role("link", name="← All status codes")).to_be_visible()

    page.goto(site + "/418/")
    expect(page.locator("text=Back to your search")).to_have_count(0)
