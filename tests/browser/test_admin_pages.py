"""Every admin page an editor or a superuser can reach answers, none with a 5xx.

A crawl from the admin's index that follows every link inside /admin/, visiting one
page of each kind (a changelist, its sorting and filters, an add form, a change form,
a history list, a past version, a delete confirmation, a user's password form...),
with real objects, each with a history to open. (Meanings are edited inline, on
their code's page.) Chromium crawls on SQLite; on PostgreSQL, where what could differ
is the database's answer to each page's queries, Django's test client crawls the same
links (in both passes).
"""

import re
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import expect

from reference.models import Meaning, StatusCode, Vendor


@pytest.fixture
def site(writable_site):
    """Editors and versions are saved: a database of this test's own, emptied after it."""
    return writable_site


PASSWORD = "a-long-editor-password"
MAX_PAGES = 400  # a crawl that stops by itself, whatever the admin links to
NOT_FOLLOWED = ("/admin/logout/",)  # a POST form, and the end of the crawl


def kinds(url):
    """What kinds of page ``url`` is: its path with object and version ids as "*", alone
    and with each query parameter (``?o=1``, ``?o=2&class=1`` add nothing after ``?o=-1``
    and ``?class=2``)."""
    parts = urlsplit(url)
    segments = parts.path.strip("/").split("/")
    if len(segments) >= 4 and segments[3] != "add":
        segments[3] = "*"
    if len(segments) >= 6 and segments[4] == "history":
        segments[5] = "*"
    path = "/".join(segments)
    return {path} | {(path, name) for name, _ in parse_qsl(parts.query)}


def crawl(open_page, site):
    """{url: status} of the pages reachable from the admin's index, one of each kind;
    ``open_page(url)`` answers the status and the hrefs of the page's links."""
    seen, statuses = set(), {}
    queue = [site + reverse("admin:index")]
    while queue and len(statuses) < MAX_PAGES:
        url = queue.pop(0)
        if kinds(url) <= seen:
            continue
        seen |= kinds(url)
        statuses[url], hrefs = open_page(url)
        for href in hrefs:
            target = urljoin(url, href).split("#")[0]
            path = urlsplit(target).path
            if (
                target.startswith(site)
                and path.startswith("/admin/")
                and not path.startswith(NOT_FOLLOWED)
                and not kinds(target) <= seen
            ):
                queue.append(target)
    return statuses


@pytest.fixture
def history():
    """A saved change to every entry, so each history page has a version to open."""
    for model in (StatusCode, Vendor, Meaning):  # a meaning's shows on its code's
        for entry in model.objects.all():
            entry.save()


def in_chromium(page):
    def open_page(url):
        response = page.goto(url)
        expect(page.locator("body")).to_be_visible()
        return response.status, page.locator("a[href]").evaluate_all(
            "links => links.map(a => a.href)"
        )

    return open_page


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)


def with_test_client(client):
    def open_page(url):
        response = client.get(url)
        links = _Links()
        links.feed(response.content.decode())
        return response.status_code, links.hrefs

    return open_page


def sign_in(browser, site, username):
    context = browser.new_context()
    page = context.new_page()
    page.goto(site + reverse("admin:login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("admin:index")) + "$"))
    return page


def pages_of_kind(statuses, pattern):
    return [url for url in statuses if re.search(pattern, urlsplit(url).path)]


def all_answered(statuses):
    failed = {url: status for url, status in statuses.items() if status >= 400}
    assert not failed, failed
    print(f"{len(statuses)} pages:", *sorted(statuses), sep="\n  ")


def superuser_pages_answer(statuses):
    all_answered(statuses)
    for model in ("reference/statuscode", "reference/vendor", "auth/user"):
        for action in ("", "add/", r"[^/]+/change/", r"[^/]+/history/", r"[^/]+/delete/"):
            assert pages_of_kind(statuses, f"^/admin/{model}/{action}$"), (model, action)
    assert pages_of_kind(statuses, "^/admin/auth/group/[^/]+/change/$")
    assert pages_of_kind(statuses, "^/admin/auth/user/[^/]+/password/$")
    for model in ("statuscode", "vendor"):  # the past versions editors revert to
        assert pages_of_kind(statuses, f"^/admin/reference/{model}/[^/]+/history/[0-9]+/$")


def editor_pages_answer(statuses):
    all_answered(statuses)
    for model in ("statuscode", "vendor"):
        for action in ("", r"[^/]+/change/", r"[^/]+/history/", r"[^/]+/history/[0-9]+/"):
            assert pages_of_kind(statuses, f"^/admin/reference/{model}/{action}$"), (model, action)
    assert not pages_of_kind(statuses, "^/admin/auth/")  # editors do not manage accounts


@pytest.mark.browser
def test_every_admin_page_a_superuser_reaches_answers_in_chromium(site, browser, history):
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    call_command("create_editor", "edna", "--password", PASSWORD, verbosity=0)
    page = sign_in(browser, site, "root")
    statuses = crawl(in_chromium(page), site)
    page.context.close()
    superuser_pages_answer(statuses)


@pytest.mark.browser
def test_every_admin_page_an_editor_reaches_answers_in_chromium(site, browser, history):
    call_command("create_editor", "edna", "--password", PASSWORD, verbosity=0)
    page = sign_in(browser, site, "edna")
    statuses = crawl(in_chromium(page), site)
    page.context.close()
    editor_pages_answer(statuses)


@pytest.mark.parametrize("username", ["root", "edna"])
def test_every_admin_page_answers_on_this_database(codes, client, history, username):
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    call_command("create_editor", "edna", "--password", PASSWORD, verbosity=0)
    client.force_login(get_user_model().objects.get(username=username))
    statuses = crawl(with_test_client(client), "http://testserver")
    {"root": superuser_pages_answer, "edna": editor_pages_answer}[username](statuses)


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_the_change_form_fits_its_width(site, browser, screenshot, width):
    call_command("create_editor", "edna", "--password", PASSWORD, verbosity=0)
    page = sign_in(browser, site, "edna")
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(site + reverse("admin:reference_statuscode_change", args=[404]))
    screenshot.folder.mkdir(exist_ok=True)
    page.screenshot(path=screenshot.folder / f"admin-change-form-{width}.png", full_page=True)
    # Every text input and textarea ends inside its row and inside the window.
    overflowing = page.evaluate(
        """() => [...document.querySelectorAll(
                '#content :is(input[type=text], input[type=url], textarea)')]
            .filter(field => field.offsetParent)  // shown
            .filter(field => {
                const right = field.getBoundingClientRect().right;
                const row = field.closest('.form-row, td').getBoundingClientRect();
                return right > row.right + 1 || right > document.documentElement.clientWidth;
            })
            .map(field => field.name)"""
    )
    page.context.close()
    assert not overflowing
