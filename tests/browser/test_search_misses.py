"""What readers could not find, end to end: a reader's live search in Chromium finds
nothing and settles, an editor sees it in the admin, adds it as a keyword in one step,
and the next reader's search finds the code."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from reference.models import SearchMiss

pytestmark = pytest.mark.browser


@pytest.fixture
def site(writable_site):
    """Readers' searches are logged and an editor saves a keyword: a database of its own."""
    return writable_site


PASSWORD = "a-long-editor-password"


def test_a_search_readers_could_not_finish_becomes_a_keyword(site, browser):
    reader = browser.new_context().new_page()
    reader.goto(site + "/")
    box = reader.locator("#q")

    def report_of(query):
        def reported(response):
            request = response.request
            return request.url.endswith("/searches/settled") and query in (request.post_data or "")

        return reported

    # Each search settles by Enter, or by a pause if the machine is slow: reported once.
    with reader.expect_response(report_of("timeout")):
        box.press_sequentially("timeout", delay=40)  # found: not a miss...
        expect(reader).to_have_url(re.compile(r"/\?q=timeout$"))
        box.press("Enter")
    with reader.expect_response(report_of("flibbertigibbet")):
        box.fill("")
        box.press_sequentially("flibbertigibbet", delay=40)  # ...rephrased: finds nothing
        expect(reader.locator("#results")).to_contain_text("No status code matches")
        box.press("Enter")
    counts = {m.query: (m.no_results, m.refined) for m in SearchMiss.objects.all()}
    assert counts == {"flibbertigibbet": (1, 0), "timeout": (0, 1)}

    call_command("create_editor", "edna", "--password", PASSWORD, verbosity=0)
    editor = browser.new_context().new_page()
    editor.goto(site + reverse("admin:reference_searchmiss_changelist"))
    editor.get_by_label("Username").fill("edna")
    editor.get_by_label("Password").fill(PASSWORD)
    editor.get_by_role("button", name="Log in").click()
    row = editor.locator("#result_list tr", has_text="flibbertigibbet")
    row.get_by_role("link", name="Add as a keyword…").click()
    editor.get_by_label("Add it to the keywords of").select_option("404")
    editor.get_by_role("button", name="Add as a keyword").click()
    expect(editor.locator(".messagelist .success")).to_contain_text("is now a keyword of")
    expect(editor.locator("#result_list")).not_to_contain_text("flibbertigibbet")

    # The next reader (the first one's browser may reuse its answer for a minute: max-age=60).
    nextreader = browser.new_context().new_page()
    nextreader.goto(site + "/")
    nextreader.locator("#q").press_sequentially("flibbertigibbet", delay=20)
    # The URL follows the results' swap: these are the whole word's results (a prefix,
    # "flibbertigib", already finds 404 while the reader is still typing).
    expect(nextreader).to_have_url(re.compile(r"/\?q=flibbertigibbet$"))
    expect(nextreader.locator("#results .code-item .num").first).to_have_text("404")
