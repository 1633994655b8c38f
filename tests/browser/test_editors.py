"""The admin as editors use it: Chromium's own form posts, two editors saving at once."""

import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from reference.models import StatusCode

pytestmark = [pytest.mark.browser, pytest.mark.editors]


@pytest.fixture
def site(writable_site):
    """Editors save, at the same moment too: real transactions, emptied after each test."""
    return writable_site


PASSWORD = "a-long-editor-password"
STALE = "Someone saved this entry"
# Rounds go on until this many had both saves in flight at once (the live server is
# threaded), up to MAX_ROUNDS for a loaded machine that runs one save before the other.
OVERLAPPING = 3
MAX_ROUNDS = 10


@pytest.fixture
def editors(site, browser):
    """Two editors, each signed in through the login page in a browser context of their own."""
    pages = []
    for name in ("edna", "ezra"):
        call_command("create_editor", name, "--password", PASSWORD, verbosity=0)
        context = browser.new_context()
        page = context.new_page()
        page.goto(site + reverse("admin:login"))
        page.get_by_label("Username").fill(name)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(re.compile(re.escape(reverse("admin:index")) + "$"))
        statuses = []
        page.on("response", lambda response, statuses=statuses: statuses.append(response.status))
        page.statuses = statuses
        pages.append(page)
    yield pages
    for page in pages:
        page.context.close()


def change_url(site, code):
    return site + reverse("admin:reference_statuscode_change", args=[code])


def export(path):
    call_command("export_codes", str(path), verbosity=0)
    return {entry["pk"]: entry["fields"] for entry in json.loads(path.read_text())}


def submit_together(pages):
    """Release both pages' Save at the same instant (one clock: one Chromium), wait for both;
    whether both were in flight at once."""
    first, second = pages
    at = first.evaluate("() => Date.now() + 400")

    def is_post(request):
        return request.method == "POST"

    with (
        first.expect_navigation(),
        second.expect_navigation(),
        first.expect_request_finished(is_post) as one,
        second.expect_request_finished(is_post) as other,
    ):
        for page in pages:
            page.evaluate(
                """at => setTimeout(() => {
                    const form = document.querySelector('#statuscode_form');
                    form.requestSubmit(form.querySelector('[name=_save]'));
                }, at - Date.now())""",
                at,
            )
    # A round in which one ran before the other still checks that a stale save is refused.
    spans = [
        (t["startTime"], t["startTime"] + t["responseEnd"])
        for t in (one.value.timing, other.value.timing)
    ]
    return spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1]


def outcome(page):
    """ "saved" (back on the list) or "refused" (still on the form, with the message)."""
    expect(page.locator("#content")).to_be_visible()
    if page.locator(".conflict, .errornote, .errorlist").count():
        return "refused"
    expect(page.locator(".messagelist .success")).to_be_visible()
    return "saved"


def test_editing_one_textarea_changes_only_that_field_in_the_export(editors, site, tmp_path):
    page = editors[0]
    before = export(tmp_path / "before.json")

    page.goto(change_url(site, 404))
    page.locator("#id_description").fill("First paragraph.\n\nSecond paragraph,\nin two lines.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    after = export(tmp_path / "after.json")
    assert after[404]["description"] == "First paragraph.\n\nSecond paragraph,\nin two lines."
    changed = {name for name in before[404] if before[404][name] != after[404][name]}
    assert changed == {"description", "updated", "version"}
    assert {code: fields for code, fields in before.items() if code != 404} == {
        code: fields for code, fields in after.items() if code != 404
    }
    assert not [status for status in page.statuses if status >= 500]


def test_two_editors_saving_the_same_entry_at_once_exactly_one_lands(editors, site):
    overlapped = 0
    for round_ in range(MAX_ROUNDS):
        version = StatusCode.objects.get(code=404).version
        texts = {}
        for n, page in enumerate(editors):
            page.goto(change_url(site, 404))
            texts[page] = f"Round {round_}, editor {n}:\nwords that must not be lost."
            page.locator("#id_description").fill(texts[page])

        overlapped += submit_together(editors)

        outcomes = {page: outcome(page) for page in editors}
        assert sorted(outcomes.values()) == ["refused", "saved"], f"round {round_}"
        (winner,) = [page for page in editors if outcomes[page] == "saved"]
        (loser,) = [page for page in editors if outcomes[page] == "refused"]
        expect(loser.locator(".conflict h2")).to_contain_text(STALE)
        expect(loser.locator(".errornote")).to_have_count(0)
        expect(loser.locator("#id_description")).to_have_value(texts[loser])
        entry = StatusCode.objects.get(code=404)
        assert entry.description == texts[winner].replace("\r\n", "\n")
        assert entry.version == version + 1
        if overlapped == OVERLAPPING:
            break
    assert overlapped == OVERLAPPING, f"{overlapped} of {MAX_ROUNDS} rounds had both in flight"
    for page in editors:
        assert not [status for status in page.statuses if status >= 500]


def test_two_editors_saving_different_entries_at_once_both_land(editors, site):
    codes = (404, 429)
    overlapped = 0
    for round_ in range(MAX_ROUNDS):
        versions = {code: StatusCode.objects.get(code=code).version for code in codes}
        for page, code in zip(editors, codes, strict=True):
            page.goto(change_url(site, code))
            page.locator("#id_description").fill(f"Round {round_} for {code}.")

        overlapped += submit_together(editors)

        assert [outcome(page) for page in editors] == ["saved", "saved"], f"round {round_}"
        for code in codes:
            entry = StatusCode.objects.get(code=code)
            assert entry.description == f"Round {round_} for {code}."
            assert entry.version == versions[code] + 1
        if overlapped == OVERLAPPING:
            break
    assert overlapped == OVERLAPPING, f"{overlapped} of {MAX_ROUNDS} rounds had both in flight"
    for page in editors:
        assert not [status for status in page.statuses if status >= 500]


def test_an_editor_compares_a_version_with_the_current_text_and_restores_it(
    editors, site, screenshot
):
    page = editors[0]
    original = StatusCode.objects.get(code=404).summary
    page.goto(change_url(site, 404))
    page.locator("#id_summary").fill("A summary nobody wanted.")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    page.goto(change_url(site, 404))
    page.get_by_role("link", name="History").click()
    page.get_by_role("link", name="404 Not Found").last.click()  # the oldest version
    diff = page.locator(".version-diff")
    expect(diff.locator("del", has_text=original)).to_be_visible()
    expect(diff.locator("ins", has_text="A summary nobody wanted.")).to_be_visible()
    expect(diff.locator("h3")).to_have_text(["Summary"])  # nothing else differs
    for form_factor, width, height in [("desktop", 1280, 800), ("phone", 390, 844)]:
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(
            path=str(screenshot.folder / f"admin-version-diff-{form_factor}.png"), full_page=True
        )

    page.get_by_role("button", name="Revert").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert StatusCode.objects.get(code=404).summary == original
