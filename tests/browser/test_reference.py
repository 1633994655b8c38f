"""The reference in a real browser: live search, history, chips, keys, no-JS, a11y."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FIRST_RESULT = "#results .code-item .num >> nth=0"


def test_typing_filters_without_a_reload_and_updates_the_url(site, page):
    page.goto(site + "/")
    marker = page.evaluate("() => (window.__marker = Math.random())")

    page.locator("#q").press_sequentially("gatway", delay=30)  # a typo, on purpose

    expect(page.locator(FIRST_RESULT)).to_have_text("502")
    expect(page).to_have_url(re.compile(r"\?q=gatway$"))
    assert page.evaluate("() => window.__marker") == marker  # same document: no reload
    expect(page.locator("#result-count")).to_contain_text("for “gatway”")


def test_exact_code_comes_first(site, page):
    page.goto(site + "/")
    page.locator("#q").fill("404")
    expect(page.locator(FIRST_RESULT)).to_have_text("404")


def test_back_restores_the_previous_results(site, page):
    page.goto(site + "/")
    page.locator("#q").fill("redirect")
    expect(page).to_have_url(re.compile(r"q=redirect"))
    page.locator("#q").press("Enter")  # a settled search: the next one gets its own entry
    page.locator("#q").fill("teapot")
    expect(page.locator(FIRST_RESULT)).to_have_text("418")

    page.go_back()

    expect(page).to_have_url(re.compile(r"q=redirect"))
    expect(page.locator(FIRST_RESULT)).to_have_text("307")
    expect(page.locator("#q")).to_have_value("redirect")


def test_class_chips_combine_with_search(site, page):
    page.goto(site + "/?q=timeout")
    page.get_by_role("link", name="5xx Server Error").click()

    expect(page).to_have_url(re.compile(r"q=timeout&class=5xx"))
    expect(page.get_by_role("link", name="5xx Server Error")).to_have_attribute(
        "aria-current", "true"
    )
    numbers = page.locator("#results .code-item .num").all_inner_texts()
    assert numbers and all(n.startswith("5") for n in numbers)
    assert "504" in numbers and "408" not in numbers

    page.locator("#q").fill("gateway")  # typing keeps the chosen class
    expect(page).to_have_url(re.compile(r"q=gateway&class=5xx"))


def test_slash_focuses_search_and_escape_clears_it(site, page):
    page.goto(site + "/?q=teapot")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#q")).to_have_value("")
    expect(page.locator(FIRST_RESULT)).to_have_text("100")
    expect(page).to_have_url(site + "/")  # not "/?q="


def test_result_links_have_no_query_and_the_code_page_leads_back_to_the_search(site, page):
    page.goto(site + "/")
    page.locator("#q").fill("teapot")
    expect(page).to_have_url(re.compile(r"\?q=teapot$"))
    link = page.locator("#results .code-link").first
    expect(link).to_have_attribute("href", "/418/")
    link.click()
    expect(page).to_have_url(site + "/418/")
    back = page.get_by_role("link", name="← Back to your search")
    expect(back).to_have_attribute("href", "/?q=teapot")
    back.click()
    expect(page).to_have_url(re.compile(r"/\?q=teapot$"))
    expect(page.locator("#q")).to_have_value("teapot")


def test_code_page_without_a_search_leads_to_all_codes(site, page):
    page.goto(site + "/")
    page.goto(site + "/404/")
    expect(page.get_by_role("link", name="← All status codes")).to_have_attribute("href", "/")


def test_copy_button_copies_the_example(site, page, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(site + "/404/")
    page.get_by_role("button", name="Copy").first.click()
    expect(page.get_by_role("button", name="Copied").first).to_be_visible()


@pytest.fixture
def no_js_page(browser):
    context = browser.new_context(java_script_enabled=False)
    yield context.new_page()
    context.close()


def test_without_javascript_the_form_and_chips_still_work(site, no_js_page):
    page = no_js_page
    page.goto(site + "/")
    page.locator("#q").fill("timeout")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"\?q=timeout"))
    page.get_by_role("link", name="5xx Server Error").click()
    expect(page).to_have_url(re.compile(r"q=timeout&class=5xx"))
    expect(page.locator(FIRST_RESULT)).to_have_text("504")


def test_giscus_container_has_the_right_attributes(site, page, giscus_configured):
    page.goto(site + "/404/")
    giscus = page.locator(".giscus")
    expect(giscus).to_have_attribute("data-repo", "example/statuscodes")
    expect(giscus).to_have_attribute("data-mapping", "specific")
    expect(giscus).to_have_attribute("data-term", "404 Not Found")
    expect(giscus).to_have_attribute("data-loading", "lazy")
    expect(giscus).to_have_attribute("data-theme", "preferred_color_scheme")


def test_no_third_party_request_before_comments_are_scrolled_into_view(
    site, page, giscus_configured
):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    page.route("https://giscus.app/**", lambda route: route.abort())
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(site + "/")
    page.wait_for_load_state("networkidle")
    assert not [url for url in requests if not url.startswith(site)]

    from reference.models import StatusCode

    page.locator(".giscus").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.giscus script') !== null")
    # Unreachable comments leave the page complete: every code is still listed.
    expect(page.locator("#results .code-item")).to_have_count(StatusCode.objects.count())
    expect(page.locator("h1")).to_have_text("Look up a status code")


def test_script_saved_by_an_editor_never_runs(writable_site, page):
    from reference.models import StatusCode

    entry = StatusCode.objects.get(code=418)
    entry.summary = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    entry.save()
    dialogs = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto(writable_site + "/418/")
    page.goto(writable_site + "/?q=teapot")
    expect(page.locator(".code-item .summary").first).to_contain_text("<script>")
    assert page.evaluate("() => window.__pwned") is None
    assert dialogs == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/?view=detailed",
        "/404/",
        "/?q=timeout",
        "/999/",
        "/299/",
        "/compare/",
        "/compare/redirects/",
        "/vendors/",
        "/vendors/cloudflare/",
        "/499/",
        "/0/",
    ],
)
def test_no_serious_accessibility_violations(site, page, serious_violations, path):
    page.goto(site + path)
    assert serious_violations(page) == []
