"""Explain a response: real captures explained, the page, the terminal, the API, hostile input.

Every capture in tests/data/explain/ is real: Debian's curl (``-i``, ``-I``, ``-iL``,
``-v``) against small servers that send each situation byte for byte, and
Chromium's HAR file and raw headers, recorded through Playwright
(scripts/explain_captures.py makes them all again).
"""

import json
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reference import capture, explain

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parent / "data" / "explain"
CURL = shutil.which("curl") or "/usr/bin/curl"
# Secrets in the captures: none may ever be shown back.
SECRETS = [
    "7f3a9c2e1b8d4f60a5e3",  # Set-Cookie session (200-private-cookies)
    "sk_live_51HcRzQ2eZvKYlo2C",  # Authorization: Bearer (its request)
    "s3cr3t-sid-value",  # Cookie (its request)
    "Zm9vYmFyYmF6cXV4cXV1eA",  # Set-Cookie csrftoken (200-no-store)
    "c2VjcmV0LXNlc3Npb24tdmFsdWU",  # Set-Cookie api_session (Chromium)
]
PAYLOAD = "<script>alert(1)</script>"


def read(name):
    return (DATA / name).read_bytes()


def api(client, data, entry=None):
    """POST ``data`` as curl pipes it to /api/explain/; the JSON, asserting a 200."""
    path = "/api/explain/" + (f"?entry={entry}" if entry else "")
    response = client.post(path, data, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200, response.content[:2000]
    return response.json()


def explained(client, name, entry=None):
    return api(client, read(name), entry)


def problems(result, level=None):
    return [p["text"] for p in result["problems"] if level in (None, p["level"])]


def has(texts, *fragments):
    return any(all(fragment in text for fragment in fragments) for text in texts)


# -- Situations: each status class, framing, caching, CORS --------------------------------

SITUATIONS = [
    # (capture, status explained, a fragment of each expected problem, who may cache it)
    ("103-early-hints.curl-i.txt", 200, [], "all"),
    ("200-cached.curl-i.txt", 200, [], "all"),
    ("200-cached.curl-I.txt", 200, [], "all"),
    ("200-heuristic.curl-i.txt", 200, [], "all"),
    ("200-private-cookies.curl-v.txt", 200, [], "private"),
    ("200-shared.curl-i.txt", 200, ["public is probably not necessary"], "all"),
    ("200-no-store.curl-i.txt", 200, [], "none"),
    ("200-chunked.curl-i.txt", 200, [], "all"),
    ("200-gzip-compressed.curl-i.txt", 200, [], "all"),
    ("201-after-100-continue.curl-i.txt", 201, [], "none"),
    ("204.curl-i.txt", 204, [], "all"),
    ("204-with-body.curl-i.txt", 204, ["must not carry Content-Length"], "all"),
    ("204-with-body.curl-v.txt", 204, ["5 bytes of content after a 204"], "all"),
    ("206-without-content-range.curl-i.txt", 206, ["doesn't have a Content-Range"], "all"),
    ("301.curl-i.txt", 301, [], "all"),
    ("302-without-location.curl-i.txt", 302, ["need to have a Location"], "none"),
    ("307-then-200.curl-iL.txt", 200, [], "all"),
    ("304.curl-v.txt", 304, [], "all"),
    ("304-with-body.curl-v.txt", 304, ["5 bytes of content after a 304"], "all"),
    ("401-without-www-authenticate.curl-i.txt", 401, ["must carry WWW-Authenticate"], "none"),
    ("401-basic.curl-v.txt", 401, [], "none"),
    ("404.curl-i.txt", 404, [], "all"),
    ("405-without-allow.curl-i.txt", 405, ["must carry Allow"], "all"),
    ("405-with-allow.curl-v.txt", 405, [], "none"),
    ("429-bad-retry-after.curl-i.txt", 429, ["Retry-After field value"], "none"),
    ("500.curl-i.txt", 500, [], "none"),
    ("503-retry-after.curl-i.txt", 503, [], "none"),
    ("520-cloudflare.curl-i.txt", 520, ["not a standard HTTP status code"], "none"),
    ("content-length-too-large.curl-i.txt", 200, ["Content-Length header is incorrect"], "all"),
    ("content-length-too-small.curl-v.txt", 200, ["17 bytes more than its Content-Length"], "all"),
    ("cors-credentials-star.curl-v.txt", 200, ["with Access-Control-Allow-Credentials"], "all"),
    ("cors-preflight.curl-v.txt", 204, [], "none"),
    ("chromium-page.har", 200, [], "all"),
    ("chromium-cors-entry.har.json", 200, [], "private"),
    ("chromium-raw-headers-page.txt", 200, [], "all"),
    ("chromium-raw-headers-404.txt", 404, [], "all"),
    ("chromium-raw-headers-cors-cookie.txt", 200, ["doesn't have a validator"], "private"),
]


@pytest.mark.parametrize(("name", "status", "expected", "stored_by"), SITUATIONS)
def test_each_real_capture_is_explained(client, codes, name, status, expected, stored_by):
    result = explained(client, name)
    assert result["status"]["code"] == status
    assert result["status"]["known"] and result["status"]["url"].endswith(f"/{status}/")
    found = problems(result)
    for fragment in expected:
        assert has(found, fragment), found
    if not expected:
        assert problems(result, "bad") == []
    assert result["caching"]["stored_by"] == stored_by
    assert result["headers"] and all(h["about"] for h in result["headers"])


def test_every_capture_in_the_data_folder_is_in_the_table():
    assert {name for name, *_ in SITUATIONS} == {path.name for path in DATA.iterdir()}


def test_a_missing_header_a_code_needs_names_its_rfc_section(client, codes):
    result = explained(client, "401-without-www-authenticate.curl-i.txt")
    (problem,) = [p for p in result["problems"] if p["field"] == "www-authenticate"]
    assert problem["level"] == "bad"
    assert problem["source"] == "RFC 9110 §15.5.2"
    assert problem["url"] == "https://www.rfc-editor.org/rfc/rfc9110#section-15.5.2"


def test_a_problem_httplint_finds_is_not_repeated_by_our_own_check(client, codes):
    result = explained(client, "302-without-location.curl-i.txt")
    assert [p["field"] for p in result["problems"]].count("location") == 1


def test_405_with_allow_and_401_with_a_challenge_have_no_missing_header(client, codes):
    for name in ("405-with-allow.curl-v.txt", "401-basic.curl-v.txt"):
        assert not has(problems(explained(client, name)), "must carry"), name


def test_content_length_too_large_is_counted_from_the_bytes_curl_printed(client, codes):
    result = explained(client, "content-length-too-large.curl-i.txt")
    assert result["content"] == {"checked": True, "length": 40, "note": ""}
    assert "CL_INCORRECT" in {p["id"] for p in result["problems"]}


def test_decoded_content_is_not_compared_with_content_length(client, codes):
    result = explained(client, "200-gzip-compressed.curl-i.txt")  # curl --compressed
    assert not result["content"]["checked"]
    assert "already decoded" in result["content"]["note"]
    assert "CL_INCORRECT" not in {p["id"] for p in result["problems"]}


def test_curl_head_output_has_no_content_to_check(client, codes):
    result = explained(client, "200-cached.curl-I.txt")
    assert not result["content"]["checked"]
    assert "CL_INCORRECT" not in {p["id"] for p in result["problems"]}


def test_a_304_is_explained_as_refreshing_the_stored_copy(client, codes):
    lines = explained(client, "304.curl-v.txt")["caching"]["lines"]
    assert has(lines, "A 304 is not stored itself", "RFC 9111 §4.3.4")
    assert has(lines, "fresh for 60 minutes (3,600 s)")


def test_caching_by_whom_and_for_how_long(client, codes):
    cached = explained(client, "200-cached.curl-i.txt")["caching"]
    assert cached["fresh_for"] == {"private": 3600, "shared": 3600}
    assert has(cached["lines"], "If-None-Match (from ETag)")
    shared = explained(client, "200-shared.curl-i.txt")["caching"]
    assert shared["fresh_for"] == {"private": 0, "shared": 500}  # s-maxage=600, Age: 100
    assert has(shared["lines"], "already stale in a browser", "fresh for 8 minutes (500 s)")
    assert has(shared["lines"], "(stale-while-revalidate)")
    private = explained(client, "200-private-cookies.curl-v.txt")["caching"]
    assert private["fresh_for"] == {"private": 600, "shared": None}
    assert has(private["lines"], "Only the browser's own (private) cache")


def test_heuristic_freshness_is_a_tenth_of_the_time_since_last_modified(client, codes):
    caching = explained(client, "200-heuristic.curl-i.txt")["caching"]
    assert caching["heuristic"]
    # Last-Modified ten days before Date: one day.
    assert has(caching["lines"], "RFC 9111 §4.2.2", "10 %", "(86,400 s)")


def test_a_404_without_freshness_is_heuristically_cacheable_per_rfc_9110(client, codes):
    # httplint's list predates RFC 9110 §15.1; the reference's data has 404 in it.
    result = explained(client, "404.curl-i.txt")
    assert result["caching"]["stored_by"] == "all" and result["caching"]["heuristic"]
    everything = json.dumps(result)
    assert "This response cannot be stored by caches" not in everything


def test_why_no_cache_may_store_it_is_said(client, codes):
    lines = explained(client, "401-without-www-authenticate.curl-i.txt")["caching"]["lines"]
    assert has(lines, "no explicit lifetime", "401 is not heuristically cacheable")
    lines = explained(client, "200-no-store.curl-i.txt")["caching"]["lines"]
    assert lines == ["No cache may store it (Cache-Control: no-store)."]


def response(*fields, body=""):
    """A 200 as a reader pastes it: CRLF line ends, the fields given."""
    head = "\r\n".join(["HTTP/1.1 200 OK", *fields, f"Content-Length: {len(body)}"])
    return f"{head}\r\n\r\n{body}"


def test_what_each_caching_directive_means_is_said(client, codes):
    date = "Date: Sat, 05 Dec 2026 10:00:00 GMT"
    lines = api(
        client, response(date, "Cache-Control: max-age=60, must-revalidate, stale-if-error=300")
    )["caching"]["lines"]
    assert (
        "It is fresh for 60 s, from when it was sent: reused without asking the server until then."
        in lines
    )
    assert (
        "If the server fails, it may be served stale for 5 minutes (300 s) (stale-if-error)."
        in lines
    )
    assert "Once stale, it must never be served without checking (must-revalidate)." in lines
    lines = api(client, response(date, "Cache-Control: max-age=60", "Vary: *"))["caching"]["lines"]
    assert lines == [
        "No cache may store it.",
        "Vary: * means no stored copy can ever match a request.",
    ]
    expires = api(client, response("Expires: Sat, 05 Dec 2026 10:00:00 GMT"))
    assert (
        "Expires without a Date: its lifetime cannot be worked out." in expires["caching"]["lines"]
    )


def test_who_may_read_it_across_origins_is_said(client, codes):
    null = api(client, response("Access-Control-Allow-Origin: null"))
    assert null["cors"]["lines"] == [
        "Only documents with an opaque origin (sandboxed, file:) may read it."
    ]
    one = api(client, response("Access-Control-Allow-Origin: https://app.example"))
    assert one["cors"]["lines"] == ["Only scripts on https://app.example may read this response."]
    assert has(problems(one, "warning"), "Vary does not list Origin")
    varied = api(
        client, response("Access-Control-Allow-Origin: https://app.example", "Vary: Origin")
    )
    assert not has(problems(varied), "Vary does not list Origin")


def test_encoded_content_is_taken_as_already_decoded(client, codes):
    for coding in ("zstd", "gzip", "br"):
        content = api(client, response(f"Content-Encoding: {coding}", body="plain"))["content"]
        assert content["checked"] is False
        assert f"already decoded (Content-Encoding: {coding};" in content["note"]


def test_a_post_answer_is_not_cached(client, codes):
    caching = explained(client, "405-with-allow.curl-v.txt")["caching"]
    assert has(caching["lines"], "this one answered a POST")


def test_cors_is_explained_when_its_headers_are_present(client, codes):
    star = explained(client, "cors-credentials-star.curl-v.txt")["cors"]
    assert has(star["lines"], "Any site's scripts may read")
    assert has(star["lines"], "X-Request-Id")
    preflight = explained(client, "cors-preflight.curl-v.txt")
    assert has(preflight["cors"]["lines"], "methods GET, PUT", "request headers Content-Type")
    assert has(preflight["cors"]["lines"], "10 minutes (600 s)")
    assert "CORS_PREFLIGHT_ONLY" not in json.dumps(preflight)  # the request was a preflight
    entry = explained(client, "chromium-cors-entry.har.json")
    assert has(entry["cors"]["lines"], "Only scripts on http://127.0.0.1:")
    assert has(entry["cors"]["lines"], "Access-Control-Allow-Credentials: true")
    assert not has(problems(entry), "Vary does not list Origin")  # it does
    assert explained(client, "404.curl-i.txt")["cors"] is None


def test_several_responses_are_listed_and_the_last_or_the_page_is_explained(client, codes):
    chain = explained(client, "307-then-200.curl-iL.txt")
    assert [e["status"] for e in chain["entries"]] == [307, 200] and chain["entry"] == 2
    assert explained(client, "307-then-200.curl-iL.txt", entry=1)["status"]["code"] == 307
    hints = explained(client, "103-early-hints.curl-i.txt", entry=1)
    assert hints["status"]["code"] == 103 and hints["caching"]["stored_by"] == "none"
    har = explained(client, "chromium-page.har")
    assert len(har["entries"]) == 6 and har["entry"] == 1  # the document
    assert har["entries"][2]["label"].startswith("GET http://127.0.0.1:")
    assert explained(client, "chromium-page.har", entry=3)["status"]["code"] == 404


def test_the_request_is_shown_from_curl_v_and_har(client, codes):
    result = explained(client, "405-with-allow.curl-v.txt")
    assert result["request"]["method"] == "POST"
    assert result["request"]["url"].endswith("/read-only-allow")
    assert explained(client, "chromium-page.har", entry=6)["request"]["method"] == "PUT"


def test_a_vendor_code_links_to_its_page_and_says_who_sends_it(client, codes):
    status = explained(client, "520-cloudflare.curl-i.txt")["status"]
    assert status["url"].endswith("/520/") and not status["official"]
    assert "Cloudflare" in status["origin"]


# The network panel out of its raw view: its "General" lines, then the headers, each on
# one line or name and value on two, as copying a selection gives them.
PANEL_ONE_LINE = (
    "General\nRequest URL: https://example.com/a?token=abc\nRequest Method: GET\n"
    "Status Code: 304 Not Modified\nRemote Address: 93.184.215.14:443\n"
    'Response Headers\ncache-control: max-age=60\netag: "x"\n'
    "Request Headers\ncookie: session=hidden-value\n"
)
PANEL_TWO_LINES = (
    "Request URL\nhttps://example.com/a?token=abc\nRequest Method\nGET\nStatus Code\n"
    '304 Not Modified\ncache-control\nmax-age=60\netag:\n"x"\nlocation:\nhttps://example.com/b\n'
)


@pytest.mark.parametrize("text", [PANEL_ONE_LINE, PANEL_TWO_LINES])
def test_headers_copied_from_the_panel_are_read_in_either_layout(client, codes, text):
    result = api(client, text.encode())
    assert result["status"]["code"] == 304
    assert result["request"] == {"method": "GET", "url": "https://example.com/a?token=…"}
    names = [h["name"] for h in result["headers"]]
    assert names[:2] == ["cache-control", "etag"] and "cookie" not in names
    assert result["unread_lines"] == []


def test_headers_without_a_status_line_are_explained_with_a_warning(client, codes):
    result = api(client, b"content-type: text/html\nx-frame-options: DENY\n")
    assert result["status"]["code"] is None
    assert has(problems(result, "warning"), "No status line")
    assert [h["name"] for h in result["headers"]] == ["content-type", "x-frame-options"]


def test_an_unknown_code_points_to_the_x00_of_its_class(client, codes):
    result = api(client, b"HTTP/1.1 299 Odd\r\nContent-Length: 0\r\n\r\n")
    assert not result["status"]["known"]
    assert result["status"]["fallback"]["code"] == 200


# -- Masking: cookies and credentials never come back ----------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "200-private-cookies.curl-v.txt",
        "200-no-store.curl-i.txt",
        "chromium-raw-headers-cors-cookie.txt",
        "chromium-page.har",
        "chromium-cors-entry.har.json",
    ],
)
def test_cookie_and_credential_values_are_masked_everywhere(client, codes, name):
    data = read(name)
    for entry in range(1, 7):
        answers = [
            client.post(f"/api/explain/?entry={entry}", data, content_type="text/plain").content,
            client.post(f"/explain/?entry={entry}", data, content_type="text/plain").content,
            client.post(
                f"/explain/?entry={entry}",
                data,
                content_type="text/plain",
                headers={"Accept": "text/html"},
            ).content,
        ]
        for answer in answers:
            for secret in SECRETS:
                assert secret.encode() not in answer, (name, entry, secret)
    result = explained(client, name)
    cookies = [h for h in result["headers"] if h["name"].lower() == "set-cookie"]
    assert all(h["masked"] and "=•••" in h["value"] for h in cookies)


def test_mask_keeps_names_schemes_and_cookie_attributes():
    assert explain.mask("Set-Cookie", "sid=abc; Path=/; HttpOnly") == (
        "sid=•••; Path=/; HttpOnly",
        True,
    )
    assert explain.mask("Cookie", "a=1; b=2") == ("a=•••; b=•••", True)
    assert explain.mask("Authorization", "Bearer abc.def") == ("Bearer •••", True)
    assert explain.mask("Proxy-Authorization", "Basic dXNlcjpwYXNz") == ("Basic •••", True)
    assert explain.mask("Content-Type", "text/html") == ("text/html", False)
    # A cookie without a name is all value; an emptied cookie has nothing to hide.
    assert explain.mask("Set-Cookie", "abc123secret; Secure") == ("•••; Secure", True)
    assert explain.mask("Cookie", "a=1; lonelyvalue") == ("a=•••; •••", True)
    assert explain.mask("Set-Cookie", "sid=; Max-Age=0") == ("sid=; Max-Age=0", False)


def test_nothing_pasted_is_logged(client, codes, caplog):
    caplog.set_level(logging.DEBUG)
    client.post("/explain/", read("200-private-cookies.curl-v.txt"), content_type="text/plain")
    client.post("/explain/", b"garbage " + SECRETS[0].encode(), content_type="text/plain")
    client.post("/api/explain/", b"{" + SECRETS[1].encode(), content_type="application/json")
    for secret in SECRETS:
        assert secret not in caplog.text


# -- The page, with and without htmx ------------------------------------------------------


def test_the_page_is_a_form_that_is_linked_from_every_page(client, codes):
    response = client.get("/explain/", headers={"Accept": "text/html"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<form id="explain-form"' in html and 'method="post"' in html
    assert '<textarea id="message" name="message"' in html
    assert 'href="/explain/"' in client.get("/").content.decode()  # the site's nav
    assert "Accept" in response["Vary"]
    assert "max-age" in response["Cache-Control"]  # no token, no cookie: shareable
    assert "Set-Cookie" not in response


def test_a_browser_form_post_answers_the_page_with_the_explanation(client, codes):
    text = read("401-without-www-authenticate.curl-i.txt").decode()
    response = client.post(
        "/explain/", {"message": text}, headers={"Accept": "text/html,*/*;q=0.8"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith("<!doctype html>")
    assert "must carry WWW-Authenticate" in html
    assert 'href="/401/"' in html
    assert response["Cache-Control"] == "no-store"
    assert "Accept" in response["Vary"]


def test_an_htmx_post_answers_the_partial_with_the_status_out_of_band(client, codes):
    text = read("404.curl-i.txt").decode()
    response = client.post("/explain/", {"message": text}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<!doctype" not in html.lower() and "<form" not in html
    assert 'data-hx-swap-oob="innerHTML:#explain-status"' in html
    assert "404" in html and response["Cache-Control"] == "no-store"


def test_a_pasted_capture_with_browser_line_endings_keeps_its_content_length(client, codes):
    # A text box sends every line break as CRLF: the LF body grows by one byte a line.
    text = read("200-cached.curl-i.txt").decode().replace("\r\n", "\n").replace("\n", "\r\n")
    response = client.post("/explain/", {"message": text}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "Content-Length header is correct" in html
    assert "incorrect" not in html


def test_a_pasted_capture_with_a_wrong_length_says_pasting_may_be_why(client, codes):
    text = read("content-length-too-large.curl-i.txt").decode().replace("\r\n", "\n")
    html = client.post("/explain/", {"message": text}, headers={"HX-Request": "true"}).content
    assert b"Content-Length header is incorrect" in html
    assert b"This was pasted" in html


def test_the_entry_picked_applies_only_to_the_text_it_was_picked_from(client, codes):
    har = read("chromium-page.har").decode()
    page = client.post("/explain/", {"message": har}, headers={"HX-Request": "true"})
    token = re.search(r'name="for" value="([0-9a-f]+)"', page.content.decode())[1]
    picked = client.post(
        "/explain/", {"message": har, "entry": "3", "for": token}, headers={"HX-Request": "true"}
    )
    assert "404" in re.search(r'class="num">(\d+)', picked.content.decode())[1]
    stale = client.post(
        "/explain/", {"message": har, "entry": "3", "for": "0" * 16}, headers={"HX-Request": "true"}
    )
    assert re.search(r'class="num">(\d+)', stale.content.decode())[1] == "200"


def test_unreadable_input_is_a_422_saying_what_was_expected(client, codes):
    for headers in ({"Accept": "text/html"}, {"HX-Request": "true"}, {}):
        response = client.post("/explain/", {"message": "hello there"}, headers=headers)
        assert response.status_code == 422
        body = response.content.decode()
        assert "curl -i" in body and "HAR" in body and "Could not explain this" in body
        assert response["Cache-Control"] == "no-store"


def test_an_empty_paste_asks_for_one(client, codes):
    response = client.post("/explain/", {"message": "  \r\n"}, headers={"Accept": "text/html"})
    assert response.status_code == 422
    assert "nothing to explain" in response.content.decode()


# -- The terminal ----------------------------------------------------------------------


def test_curl_piping_its_output_gets_plain_text(client, codes):
    # What `curl --data-binary @-` sends: a form content type, Accept */*, no token.
    curl = Client(enforce_csrf_checks=True)
    response = curl.post(
        "/explain/",
        read("405-without-allow.curl-i.txt"),
        content_type="application/x-www-form-urlencoded",
        headers={"Accept": "*/*", "User-Agent": "curl/7.88.1"},
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("405 Method Not Allowed\n")
    assert "[bad] A 405 response must carry Allow" in text
    assert "More: http://testserver/405/" in text
    assert "<" not in text.replace("<script", "")  # no markup
    assert response["Cache-Control"] == "no-store" and "Accept" in response["Vary"]


def test_the_answer_follows_accept_not_the_user_agent(client, codes):
    data = read("404.curl-i.txt")
    as_browser = client.post(
        "/explain/",
        data,
        content_type="text/plain",
        headers={"Accept": "text/html", "User-Agent": "curl/7.88.1"},
    )
    assert as_browser["Content-Type"].startswith("text/html")
    as_curl = client.post(
        "/explain/",
        data,
        content_type="text/plain",
        headers={"Accept": "*/*", "User-Agent": "Mozilla/5.0 Chrome/156"},
    )
    assert as_curl["Content-Type"].startswith("text/plain")
    usage = client.get("/explain/", headers={"Accept": "*/*"})
    assert usage["Content-Type"].startswith("text/plain")
    assert "curl --data-binary @- http://testserver/explain/" in usage.content.decode()


def test_a_cross_site_browser_post_is_refused(client, codes):
    response = client.post(
        "/explain/",
        {"message": "HTTP/1.1 200 OK\r\n\r\n"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 403
    same = client.post(
        "/explain/",
        {"message": "HTTP/1.1 200 OK\r\n\r\n"},
        headers={"Sec-Fetch-Site": "same-origin"},
    )
    assert same.status_code == 200


def test_the_readme_one_liner_with_real_curl(site):
    # curl -si <a page of ours> | curl --data-binary @- <host>/explain/
    page = subprocess.run(
        [CURL, "-si", f"{site}/404/"], capture_output=True, check=True, timeout=30
    ).stdout
    text = subprocess.run(
        [CURL, "-s", "--data-binary", "@-", f"{site}/explain/"],
        input=page,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    assert text.startswith("200 OK\n")
    assert "[ok] The Content-Length header is correct." in text  # piped: the exact bytes
    assert "Vary: Accept-Encoding" in text
    assert "fresh for 5 minutes (300 s) in shared caches" in " ".join(text.split())


def test_real_curl_verbose_output_and_a_har_entry_pick(site):
    verbose = subprocess.run(
        [CURL, "-sv", f"{site}/try/401/"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=True,
        timeout=30,
    ).stdout
    text = subprocess.run(
        [CURL, "-s", "--data-binary", "@-", f"{site}/explain/"],
        input=verbose,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    assert text.startswith("401 Unauthorized\n")
    assert f"Request: GET {site}/try/401/" in text
    assert "must carry WWW-Authenticate" not in text  # try-it sends it
    picked = subprocess.run(
        [
            CURL,
            "-s",
            "--data-binary",
            f"@{DATA / 'chromium-page.har'}",
            f"{site}/explain/?entry=3",
        ],
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    assert picked.startswith("404 Not Found\n")
    assert "* 3. GET http://127.0.0.1:" in picked


# -- The API ------------------------------------------------------------------------------


def test_the_api_takes_json_or_the_text_itself(client, codes):
    text = read("401-without-www-authenticate.curl-i.txt")
    as_json = client.post(
        "/api/explain/", {"message": text.decode()}, content_type="application/json"
    )
    as_text = client.post("/api/explain/", text, content_type="text/plain")
    for response in (as_json, as_text):
        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response["Cache-Control"] == "no-store"
        assert response.json()["status"]["code"] == 401
    picked = client.post(
        "/api/explain/",
        {"message": read("chromium-page.har").decode(), "entry": 3},
        content_type="application/json",
    )
    assert picked.json()["status"]["code"] == 404


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"message": 42}', "application/json", 400),
        (b'["HTTP/1.1 200 OK"]', "application/json", 400),
        (b'{"message": "HTTP/1.1 200 OK\\r\\n\\r\\n", "entry": 0}', "application/json", 400),
        (b'{"message": "HTTP/1.1 200 OK\\r\\n\\r\\n", "entry": true}', "application/json", 400),
        (b'{"message": "HTTP/1.1 200 OK\\r\\n\\r\\n", "entry": 2}', "application/json", 422),
        (b"hello", "text/plain", 422),
        (b"", "text/plain", 422),
        (b"<xml/>", "application/xml", 415),
        (b"[" * 100_000, "application/json", 400),
    ],
)
def test_api_errors_are_json_with_the_status_that_fits(client, codes, body, content_type, status):
    response = client.post("/api/explain/", body, content_type=content_type)
    assert response.status_code == status
    data = response.json()
    assert data["status"] == status and data["message"]
    if status == 422 and b"entry" not in body:
        assert data["expected"] == capture.EXPECTED


def test_api_answers_other_methods_405_and_preflights(client, codes):
    response = client.get("/api/explain/")
    assert response.status_code == 405 and response["Allow"] == "POST, OPTIONS"
    assert response.json()["status"] == 405
    preflight = client.options(
        "/api/explain/",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Methods"] == "POST"
    assert preflight["Access-Control-Allow-Headers"] == "Content-Type"
    assert preflight["Access-Control-Allow-Origin"] == "*"


def test_the_api_is_in_the_openapi_document(client, codes):
    document = client.get("/api/openapi.json").json()
    operation = document["paths"]["/api/explain/"]["post"]
    assert set(operation["requestBody"]["content"]) == {"application/json", "text/plain"}
    assert {"200", "400", "405", "413", "415", "422"} <= set(operation["responses"])
    schema = document["components"]["schemas"]["Explanation"]
    result = explained(client, "200-cached.curl-i.txt")
    assert set(schema["required"]) <= set(result)
    assert set(document["components"]["schemas"]["Note"]["required"]) <= set(
        result["problems"][0] if result["problems"] else result["headers"][-1]["notes"][0]
    )


# -- Hostile input: never a 5xx, never reflected markup ------------------------------------


@pytest.mark.parametrize("accept", ["text/html", "*/*"])
def test_over_1_mb_is_a_413_that_says_so(client, codes, accept):
    big = b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * capture.MAX_BYTES + b"\r\n\r\n"
    response = client.post("/explain/", big, content_type="text/plain", headers={"Accept": accept})
    assert response.status_code == 413
    assert b"1 MB" in response.content
    pasted = client.post("/explain/", {"message": big.decode()}, headers={"Accept": accept})
    assert pasted.status_code == 413
    assert client.post("/api/explain/", big, content_type="text/plain").status_code == 413


def test_over_the_request_limit_is_still_a_413_not_a_bare_400(client, codes, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 2**20
    huge = b"x" * (3 * 2**20)
    page = client.post(
        "/explain/", huge, content_type="text/plain", headers={"Accept": "text/html"}
    )
    assert page.status_code == 413 and b"Could not explain this" in page.content
    api_answer = client.post("/api/explain/", huge, content_type="text/plain")
    assert api_answer.status_code == 413 and api_answer.json()["status"] == 413


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        b"HTTP/1.1 200 OK\r\nX: \xff\xfe\xc0\xaf\r\nSet-Cookie: a=\xed\xa0\x80\r\n\r\n\xff",
        b"HTTP/1.1 999999999999999999999 OK\r\n\r\n",
        b"HTTP/1.1 -1 Minus\r\nContent-Length: -5\r\n\r\n",
        b"HTTP/9 200\r\nContent-Length: 99999999999999999999999999\r\n\r\n",
        b"HTTP/ \r\n",
        b"< HTTP/1.1 200 OK\r\n< \r\n"
        b"* Excess found: excess = 99999999999999999999 (zero-length body)\r\n",
        b'{"log": {"entries": [{"response": {"status": 1e400, "headers": []}}]}}',
        b'{"log": {"entries": [{"response": {"status": 200, "headers": [{"name": 1}]}}]}}',
        b'{"request": {}, "response": {"status": 200, "headers": [], "content": '
        b'{"text": "%%%", "encoding": "base64"}}}',
        b'{"response": {"status": 200, "headers": [{"name": "Content-Type", "value": '
        b'"text/plain; charset=nonsense"}], "content": {"text": "x"}}}',
        b"Status Code: 200 OK\r\nRequest URL: http://[::1/\r\n:status: 999\r\n",
        b"\xef\xbb\xbfHTTP/1.1 200 OK\r\n\tfolded: first\r\nA: b\r\n continued\r\n\r\n",
        b"content-type:\ntext/html\nlocation:\nhttps://example.com/\nx-bare\nvalue",
        b"HTTP/1.1 200 OK\r\nCache-Control: max-age=99999999999999999999999\r\n"
        b"Expires: Thu, 01 Jan 1970 00:00:00 GMT\r\nAge: 99999999999999999999\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nAccess-Control-Max-Age: 99999999999999999999999999\r\n\r\n",
    ],
)
def test_odd_and_broken_input_is_never_a_server_error(client, codes, data):
    for accept in ("text/html", "*/*"):
        response = client.post(
            "/explain/", data, content_type="text/plain", headers={"Accept": accept}
        )
        assert response.status_code in (200, 422), response.content[:500]
    assert client.post("/api/explain/", data, content_type="text/plain").status_code in (200, 422)


def test_markup_and_control_characters_are_never_reflected(client, codes):
    data = (
        f"HTTP/1.1 200 {PAYLOAD}\r\n"
        f"X-Evil: {PAYLOAD}\r\n"
        f'Location: javascript:alert(1)"><img src=x onerror=alert(1)>\r\n'
        f"Set-Cookie: {PAYLOAD}=x\r\n"
        f"{PAYLOAD}: value\r\n"
        "X-Escape: \x1b[2J\x1b]0;owned\x07\r\n"
        "X-Injected: a\rSet-Cookie: injected=1\r\n\r\n"
    ).encode()
    page = client.post(
        "/explain/", data, content_type="text/plain", headers={"Accept": "text/html"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert PAYLOAD not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript:' not in html
    text = client.post("/explain/", data, content_type="text/plain").content.decode()
    assert "\x1b" not in text and "\x07" not in text and "\\x1b" in text
    assert "\r" not in text
    for response in (page, client.post("/api/explain/", data, content_type="text/plain")):
        assert "injected" not in str(response.headers).lower()
        assert not any(PAYLOAD in value for value in response.headers.values())


def test_a_har_entry_with_markup_in_its_url_is_escaped(client, codes):
    entry = {
        "request": {
            "method": "GET",
            "url": f"https://x.example/{PAYLOAD}?token=secret123456",
            "headers": [],
        },
        "response": {"status": 200, "headers": [{"name": "Content-Length", "value": "0"}]},
    }
    har = json.dumps({"log": {"entries": [entry, entry]}}).encode()
    html = client.post("/explain/", har, content_type="text/plain", headers={"Accept": "text/html"})
    assert PAYLOAD not in html.content.decode()
    assert b"secret123456" not in html.content  # query values are hidden
    assert b"token=\xe2\x80\xa6" in html.content


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=2000))
@example(data=b"HTTP/1.1 200 OK\n\n")
@example(data=b"{}")
@example(data=b"[]")
@example(data=b"< HTTP/2 200\n< a: b\n<\n")
def test_any_bytes_are_read_or_refused_never_a_crash(data):
    try:
        captured = capture.read(data, pasted=False)
    except capture.Unreadable:
        return
    for number in range(1, len(captured.responses) + 1):
        result = explain.explain(captured, number, {})
        explain.as_text(result, "http://host")
        json.dumps(result)


FIELD = st.tuples(
    st.text(st.characters(codec="latin-1", exclude_characters="\r\n:"), min_size=1, max_size=20),
    st.text(st.characters(codec="latin-1", exclude_characters="\r\n"), max_size=60),
)


@settings(max_examples=150, deadline=None)
@given(
    status=st.one_of(st.integers(0, 999).map(str), st.text(max_size=5)),
    fields=st.lists(FIELD, max_size=12),
    body=st.binary(max_size=200),
)
def test_any_status_and_fields_are_explained_never_a_crash(status, fields, body):
    head = f"HTTP/1.1 {status} Reason\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields)
    data = head.encode("utf-8", "replace") + b"\r\n" + body
    try:
        captured = capture.read(data, pasted=True)
    except capture.Unreadable:
        return
    result = explain.explain(captured, None, {})
    assert all("\x1b" not in line for line in explain.as_text(result, "http://h").splitlines())


def test_the_explanation_stands_when_the_database_does_not_answer(
    client, codes, outage, fresh_worker
):
    outage.start()
    response = client.post("/explain/", read("404.curl-i.txt"), content_type="text/plain")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.startswith("404 Not Found\n") and "More:" not in text
    api_answer = client.post("/api/explain/", read("404.curl-i.txt"), content_type="text/plain")
    assert api_answer.status_code == 200 and not api_answer.json()["status"]["known"]
