"""Plain text for the terminal: ``curl host/404/``, ``curl 'host/?q=timeout'``, ``curl host/``.

Requests carry the Accept headers real clients send: curl's ``*/*``, Chromium's and
Firefox's navigations, ``text/plain``, a JSON client's; and Debian's curl itself
against a live server.
"""

import dataclasses
import re
import shutil
import subprocess

import pytest
from django.core.cache import cache
from harness import CHROMIUM_ACCEPT  # scripts/, on pytest's path (pyproject.toml)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reference import catalogue
from reference.models import StatusCode

pytestmark = pytest.mark.django_db

CURL = shutil.which("curl") or "/usr/bin/curl"
CURL_ACCEPT = "*/*"
FIREFOX = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
TEXT = "text/plain; charset=utf-8"
PAGE_VARY = {"Accept-Encoding", "HX-Request", "HX-History-Restore-Request"}


def get(client, path, accept=None, **headers):
    if accept is not None:
        headers["Accept"] = accept
    return client.get(path, headers=headers)


def vary(response):
    return {value.strip() for value in response["Vary"].split(",")}


def flat(text):
    """Text with its wrapping undone, to find a sentence whatever the line breaks."""
    return " ".join(text.split())


def assert_fits_a_terminal(text):
    long = [line for line in text.splitlines() if len(line) > 80]
    assert long == []


# -- Which representation: Accept only ------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (CURL_ACCEPT, "text"),  # curl, wget, Python's requests
        (CHROMIUM_ACCEPT, "html"),
        (FIREFOX, "html"),
        ("text/plain", "text"),
        ("text/*", "text"),  # text of any kind: nothing names HTML
        ("application/json, text/plain, */*", "text"),  # axios
        ("application/json, */*;q=0.5", "text"),  # HTTPie
        ("text/plain, text/html", "html"),  # equal, and HTML is named
        ("text/html;q=0.5, text/plain", "text"),
        ("text/plain;q=0.9, text/html;q=0.8", "text"),
        ("text/html;q=0.8, text/plain;q=0.8", "html"),
        ("application/xhtml+xml", "html"),
        ("text/plain;q=0, */*", "html"),  # q=0: "not acceptable" (RFC 9110 §12.5.1)
        ("text/html;q=0, */*", "text"),
        (None, "html"),  # no preference stated: the page, as before
        ("application/json", 406),
        ("image/png, application/xml", 406),
        ("*/*;q=0", 406),
    ],
)
def test_accept_alone_chooses_the_representation(client, codes, accept, expected):
    response = get(client, "/404/", accept)
    if expected == 406:
        assert response.status_code == 406
        assert response["Content-Type"] == TEXT
    elif expected == "text":
        assert response.status_code == 200 and response["Content-Type"] == TEXT
        assert response.content.decode().startswith("404 Not Found\n")
    else:
        assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
        assert b"<!doctype html>" in response.content
    assert "Accept" in vary(response)


def test_a_browser_gets_the_page_exactly_as_without_accept(client, codes):
    before = get(client, "/404/").content  # what every client got before: no Accept sent
    for accept in (CHROMIUM_ACCEPT, FIREFOX, "text/html"):
        assert get(client, "/404/", accept).content == before
    assert get(client, "/?q=timeout", CHROMIUM_ACCEPT).content == get(client, "/?q=timeout").content


def test_user_agent_plays_no_part(client, codes):
    as_curl = get(client, "/404/", CHROMIUM_ACCEPT, user_agent="curl/8.5.0")
    as_browser = get(client, "/404/", CURL_ACCEPT, user_agent="Mozilla/5.0 Chrome/131")
    assert as_curl["Content-Type"].startswith("text/html")
    assert as_browser["Content-Type"] == TEXT
    assert "User-Agent" not in as_curl["Vary"]


def test_htmx_gets_html_whatever_it_accepts(client, codes):
    partial = get(client, "/?q=gateway", CURL_ACCEPT, HX_Request="true")
    assert (
        partial["Content-Type"].startswith("text/html")
        and b"<!doctype" not in partial.content.lower()
    )
    restore = get(
        client, "/?q=gateway", CURL_ACCEPT, HX_Request="true", HX_History_Restore_Request="true"
    )
    assert b"<!doctype html>" in restore.content


@pytest.mark.parametrize("path", ["/", "/?q=timeout", "/404/", "/299/", "/abc/"])
@pytest.mark.parametrize("accept", [CURL_ACCEPT, CHROMIUM_ACCEPT])
def test_both_representations_vary_on_accept_and_keep_the_other_vary_values(
    client, codes, path, accept
):
    assert PAGE_VARY | {"Accept"} <= vary(get(client, path, accept))


def test_a_client_accepting_neither_is_told_what_there_is(client, codes):
    response = get(client, "/404/", "application/json")
    body = flat(response.content.decode())
    assert response.status_code == 406
    assert "text/html" in body and "text/plain" in body
    assert "http://testserver/api/codes/404/" in body
    search = get(client, "/?q=gone&class=4xx", "application/json").content.decode()
    assert "http://testserver/api/codes/?q=gone&class=4xx" in search


def test_methods_are_checked_before_accept(client, codes):
    response = client.post("/404/", headers={"Accept": "application/json"})
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD"


# -- A code's summary -------------------------------------------------------------------


def test_a_codes_summary_has_what_a_terminal_reader_needs(client, codes):
    response = get(client, "/429/", CURL_ACCEPT)
    text = response.content.decode()
    entry = StatusCode.objects.get(code=429)
    assert response.status_code == 200 and response["Content-Type"] == TEXT
    assert text.startswith(f"429 {entry.display_name}\n")
    assert entry.summary in flat(text)
    assert "\nWhen to use it\n" in text
    for use in entry.use_case_list:
        assert flat(use) in flat(text)
    assert "\nHeaders that matter\n" in text
    for name, why in entry.header_list:
        assert flat(f"- {name}: {why}") in flat(text)
    assert "\nPage: http://testserver/429/\n" in text
    assert "<" not in text.replace("<=", "")  # no markup
    assert_fits_a_terminal(text)


def test_vendor_meanings_are_in_the_summary(client, codes):
    entry = StatusCode.objects.filter(meanings__isnull=False).distinct().first()
    text = flat(get(client, entry.get_absolute_url(), CURL_ACCEPT).content.decode())
    assert "Also used as" in text
    for meaning in entry.meanings.all():
        assert flat(f"“{meaning.phrase}” ({meaning.used_by}): {meaning.description}") in text


def test_an_unofficial_code_names_who_sends_it(client, codes):
    entry = StatusCode.objects.filter(vendor__isnull=False).first()
    text = flat(get(client, entry.get_absolute_url(), CURL_ACCEPT).content.decode())
    assert f"unofficial: {entry.origin}" in text
    assert f"http://testserver/vendors/{entry.vendor.slug}/" in text


def test_every_codes_summary_fits_an_80_column_terminal(client, codes):
    for entry in StatusCode.objects.all():
        response = get(client, entry.get_absolute_url(), CURL_ACCEPT)
        assert response.status_code == 200, entry.code
        assert_fits_a_terminal(response.content.decode())


def test_curated_text_cannot_send_escape_sequences_to_the_terminal(client, codes):
    StatusCode.objects.filter(code=404).update(summary="Gone \x1b]0;pwned\x07 \u202eevil")
    text = get(client, "/404/", CURL_ACCEPT).content.decode()
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b" in text


def test_without_the_slash_curl_gets_the_text_and_a_browser_the_redirect(client, codes):
    text = get(client, "/404", CURL_ACCEPT)
    assert text.status_code == 200 and text.content.decode().startswith("404 Not Found\n")
    assert "Page: http://testserver/404/" in text.content.decode()
    page = get(client, "/404?x=1", CHROMIUM_ACCEPT)
    assert page.status_code == 301 and page["Location"] == "/404/?x=1"
    assert "Accept" in vary(page)


def test_a_non_canonical_spelling_redirects_and_says_where(client, codes):
    response = get(client, "/0404/", CURL_ACCEPT)
    assert response.status_code == 301 and response["Location"] == "/404/"
    assert "http://testserver/404/" in response.content.decode()


# -- Not found ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/299/", "there is no status code 299"),
        ("/1000/", "there is no status code 1000"),
        ("/abc/", "there is nothing at /abc/"),
        ("/404/extra/", "there is nothing at /404/extra/"),
    ],
)
def test_an_unknown_code_is_a_plain_text_404_that_says_how_to_search(client, codes, path, said):
    response = get(client, path, CURL_ACCEPT)
    text = response.content.decode()
    assert response.status_code == 404 and response["Content-Type"] == TEXT
    assert text.startswith("404 Not Found: ") and said in text
    assert "curl 'http://testserver/?q=timeout'" in text
    assert "ETag" not in response
    assert_fits_a_terminal(text)
    if path in ("/299/", "/abc/"):
        assert f"curl 'http://testserver/?q={path.strip('/')}'" in text
    html = get(client, path, CHROMIUM_ACCEPT)
    assert html.status_code == 404 and "fittingly, a 404" in html.content.decode()


# -- Search and the list -----------------------------------------------------------------


def test_a_search_lists_each_match_with_its_summary_and_url(client, codes):
    response = get(client, "/?q=timeout", CURL_ACCEPT)
    text = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"] == TEXT
    assert re.match(r"\d+ codes match “timeout”:\n", text)
    for code in (408, 504):
        entry = StatusCode.objects.get(code=code)
        assert f"\n{code} {entry.display_name}\n" in text
        assert flat(entry.summary) in flat(text)
        assert f"    http://testserver/{code}/\n" in text
    assert_fits_a_terminal(text)


def test_the_class_filter_works_as_on_the_page(client, codes):
    text = get(client, "/?q=timeout&class=5xx", CURL_ACCEPT).content.decode()
    assert "“timeout” in 5xx" in text and "\n504 " in text and "\n408 " not in text
    listed = get(client, "/?class=2xx", CURL_ACCEPT).content.decode()
    assert "\n2xx Success\n" in listed and "\n4xx" not in listed
    noted = get(client, "/?class=9xx", CURL_ACCEPT).content.decode()
    assert flat(noted).startswith("Note: “9xx” is not a class of status codes")


def test_the_whole_list_is_by_class_one_code_a_line(client, codes):
    text = get(client, "/", CURL_ACCEPT).content.decode()
    headings = re.findall(r"^([1-5]xx [A-Za-z ]+|No status)$", text, re.M)
    assert headings[:5] == [
        "1xx Informational",
        "2xx Success",
        "3xx Redirection",
        "4xx Client Error",
        "5xx Server Error",
    ]
    for entry in StatusCode.objects.all():
        assert re.search(rf"^{entry.code:>3}  ", text, re.M), entry.code
    assert_fits_a_terminal(text)


def test_no_match_says_so_and_how_to_search(client, codes):
    text = get(client, "/?q=zzzzqqq", CURL_ACCEPT).content.decode()
    assert text.startswith("No code matches “zzzzqqq”.")
    assert "curl 'http://testserver/?q=timeout'" in text


def test_a_too_long_query_is_a_plain_text_400(client, codes):
    response = get(client, "/?q=" + "x" * 300, CURL_ACCEPT)
    assert response.status_code == 400 and response["Content-Type"] == TEXT
    assert "the limit is 200" in flat(response.content.decode())


def test_the_query_is_echoed_without_escape_sequences(client, codes):
    text = client.get("/", {"q": "\x1b[2J\x1b]8;;evil\x07"}, headers={"Accept": "*/*"})
    assert b"\x1b" not in text.content and b"\x07" not in text.content


# -- Caches keep the representations apart -------------------------------------------


def page_keys():
    return [key for key in cache._cache if "page:" in key]


@pytest.mark.parametrize("path", ["/404/", "/", "/?q=timeout"])
def test_curl_then_a_browser_then_curl_each_get_their_own_from_the_page_cache(
    client, codes, path, django_assert_max_num_queries
):
    first = get(client, path, CURL_ACCEPT)
    page = get(client, path, CHROMIUM_ACCEPT)
    assert first["Content-Type"] == TEXT and page["Content-Type"].startswith("text/html")
    assert len(page_keys()) == 2  # one rendering each
    with django_assert_max_num_queries(1):  # the data version: the text comes from the cache
        again = get(client, path, CURL_ACCEPT)
    assert again["Content-Type"] == TEXT and again.content == first.content
    assert get(client, path, FIREFOX).content == page.content
    assert len(page_keys()) == 2


def test_the_text_and_the_page_have_their_own_etags(client, codes):
    text = get(client, "/404/", CURL_ACCEPT)
    page = get(client, "/404/", CHROMIUM_ACCEPT)
    assert text["ETag"] != page["ETag"] and "-text-" in text["ETag"]
    assert text["Last-Modified"] == page["Last-Modified"]


@pytest.mark.parametrize("gzip", [True, False])
def test_a_text_etag_never_validates_the_page_nor_the_page_etag_the_text(client, codes, gzip):
    encoding = {"Accept-Encoding": "gzip"} if gzip else {}
    text_tag = get(client, "/404/", CURL_ACCEPT, **encoding)["ETag"]
    page_tag = get(client, "/404/", CHROMIUM_ACCEPT, **encoding)["ETag"]
    for cleared in (False, True):  # through the page cache, and answered before the view
        if cleared:
            cache.clear()
        page = get(client, "/404/", CHROMIUM_ACCEPT, If_None_Match=text_tag, **encoding)
        assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
        text = get(client, "/404/", CURL_ACCEPT, If_None_Match=page_tag, **encoding)
        assert text.status_code == 200 and text["Content-Type"] == TEXT


def test_the_text_revalidates_with_its_own_etag(client, codes):
    first = get(client, "/?q=timeout", CURL_ACCEPT)
    again = get(client, "/?q=timeout", CURL_ACCEPT, If_None_Match=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    for header in ("ETag", "Vary", "Cache-Control", "Last-Modified"):
        assert again[header] == first[header], header


def test_head_answers_the_text_headers_without_a_body(client, codes):
    for path in ("/404/", "/?q=timeout", "/299/"):
        got = get(client, path, CURL_ACCEPT)
        head = client.head(path, headers={"Accept": CURL_ACCEPT})
        assert head.status_code == got.status_code and head.content == b""
        assert dict(head.headers) == dict(got.headers)


def test_an_editor_gets_a_private_text_never_stored(client, editor_client, codes):
    response = get(editor_client, "/404/", CURL_ACCEPT)
    assert response["Content-Type"] == TEXT and "no-store" in response["Cache-Control"]
    assert page_keys() == []


def test_during_an_outage_the_text_says_so_and_nothing_is_kept(client, codes, monkeypatch):
    real = catalogue.current
    monkeypatch.setattr(catalogue, "current", lambda: dataclasses.replace(real(), outage=True))
    for path in ("/404/", "/?q=timeout"):
        response = get(client, path, CURL_ACCEPT)
        assert response.status_code == 200 and response["Content-Type"] == TEXT
        assert "the last data loaded" in response.content.decode()
        assert response["Cache-Control"] == "no-store" and "ETag" not in response
    assert page_keys() == []


def test_line_breaks_in_curated_text_are_wrapped_not_escaped(client, codes):
    StatusCode.objects.filter(code=418).update(not_sent_reason="First line.\nSecond line.")
    text = get(client, "/418/", CURL_ACCEPT).content.decode()
    assert "First line. Second line." in text and "\\x0a" not in text


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    accept=st.text(
        st.sampled_from("text/html plain*;q=0.5,1 application/json+xml \t\"'=-_"), max_size=60
    )
)
def test_any_accept_header_gets_a_page_a_text_or_a_406(client, codes, accept):
    response = client.get("/404/", headers={"Accept": accept})
    assert response.status_code in (200, 406)
    assert "Accept" in vary(response)


# -- Real curl ---------------------------------------------------------------------------


def curl(*args):
    done = subprocess.run([CURL, "-sS", *args], capture_output=True, check=True, timeout=30)
    return done.stdout.decode()


def test_real_curl_gets_the_text(site):
    text = curl(f"{site}/404/")
    assert text.startswith("404 Not Found\n")
    assert f"\nPage: {site}/404/\n" in text
    assert_fits_a_terminal(text)
    head = curl("-o", "/dev/null", "-w", "%{http_code} %{content_type}", f"{site}/404/")
    assert head == f"200 {TEXT}"
    found = curl(f"{site}/?q=timeout")
    assert "\n504 Gateway Timeout\n" in found and f"    {site}/504/\n" in found
    assert "\n5xx Server Error\n" in curl(f"{site}/")
    missing = curl("-w", "%{http_code}", f"{site}/299/")
    assert "there is no status code 299" in missing and missing.endswith("404")
    assert curl(f"{site}/404").startswith("404 Not Found\n")  # without the slash
    page = curl("-H", f"Accept: {CHROMIUM_ACCEPT}", f"{site}/404/")
    assert page.lower().startswith("<!doctype html>")
