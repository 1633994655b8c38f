"""Hostile input at every public endpoint: never a server error, never reflected script.

Hypothesis generates the query parameters, the code in the path, the request
headers the views look at, odd methods and raw bytes that are not UTF-8. The
answer may be 200, 301, 304, 400, 404, 405 or 412, but never a 5xx, and a
script payload is always escaped.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from gunicorn.http.wsgi import STATUS_RE
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from reference.models import StatusCode

pytestmark = pytest.mark.django_db

PAYLOAD = "<script>alert(1)</script>"
HOSTILE = [
    PAYLOAD,
    "' OR 1=1 --",
    '" OR ""="',
    "1; DROP TABLE reference_statuscode; --",
    "%' AND 1=0 UNION SELECT NULL --",
    "{{ settings.SECRET_KEY }}",
    "{{",
    "}}",
    "{% debug %}",
    "{% csrf_token %}",
    "{#",
    "${7*7}",
    "%s%s%s%n",
    "\x00",
    "%00",
    "\\",
    "../../etc/passwd",
    "\u202e",
    "\ufeff",
    "\U0001f600",
    "*",
    "4xx",
    "404",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
]
# Lone surrogates cannot be encoded, so no client can send them.
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)
HOSTILE_TEXT = st.one_of(
    ANY_TEXT,
    st.sampled_from(HOSTILE),
    st.lists(st.one_of(st.sampled_from(HOSTILE), ANY_TEXT), max_size=6).map("".join),
)
# What a WSGI server hands over: the header's bytes (here UTF-8) as latin-1 text, with
# no CR, LF or NUL (servers reject requests whose header values contain them).
HEADER_VALUE = HOSTILE_TEXT.map(
    lambda text: text.encode().decode("latin-1").translate({0: None, 10: None, 13: None})
)
# Characters str.split() keeps, so the text stays as long after normalising.
WORD_CHARACTERS = st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"))

PUBLIC_PAGES = ["/", "/404/", "/299/"]  # the reference, a code, an unknown code
SAFE_ENDPOINTS = [*PUBLIC_PAGES, "/healthz"]
UNSAFE_METHODS = ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND"]
HEADERS = [
    "HX-Request",
    "HX-History-Restore-Request",
    "HX-Current-URL",
    "If-None-Match",
    "If-Modified-Since",
    "If-Match",
    "If-Unmodified-Since",
    "Accept-Encoding",
    "Cookie",
    "Range",
]

fuzz = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def assert_no_server_error(response):
    assert response.status_code < 500, response.content[:2000]


def assert_script_escaped(response):
    assert PAYLOAD.encode() not in response.content
    assert b"<script>alert(" not in response.content


@fuzz
@given(q=HOSTILE_TEXT, path=st.sampled_from(["/", "/404/"]), htmx=st.booleans())
@example(q="x" * 10_000, path="/", htmx=False)
@example(q=f"a {PAYLOAD} b", path="/", htmx=True)
@example(q="\x00" * 500, path="/", htmx=False)
def test_any_query_text_never_causes_a_server_error(client, codes, q, path, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get(path, {"q": q}, headers=headers)
    assert_no_server_error(response)
    assert response.status_code in (200, 400)
    if path != "/":  # on a code page the query only shapes the way back
        assert response.status_code == 200
    assert_script_escaped(response)


@fuzz
@given(
    prefix=ANY_TEXT,
    suffix=ANY_TEXT,
    name=st.sampled_from(["q", "class"]),
    path=st.sampled_from(["/", "/404/"]),
)
def test_a_script_payload_is_always_escaped(client, codes, prefix, suffix, name, path):
    response = client.get(path, {name: f"{prefix[:40]}{PAYLOAD}{suffix[:40]}"})
    assert_no_server_error(response)
    assert_script_escaped(response)


@fuzz
@given(
    q=st.text(WORD_CHARACTERS, min_size=201, max_size=3000),
    htmx=st.booleans(),
    cls=st.sampled_from(["", "4xx", "9xx"]),
)
@example(q="x" * 201, htmx=False, cls="")
def test_a_query_over_200_characters_is_a_clear_400(client, codes, q, htmx, cls):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client.get("/", {"q": q, "class": cls}, headers=headers)
    assert response.status_code == 400
    html = response.content.decode()
    assert "characters long; the limit is 200" in html
    assert 'role="alert"' in html


def test_a_query_of_exactly_200_characters_is_accepted(client, codes):
    assert client.get("/", {"q": "x" * 200}).status_code == 200


def test_a_too_long_query_is_400_even_when_revalidating(client, codes):
    etag = client.get("/")["ETag"]
    for validator in ({"If-None-Match": etag}, {"If-None-Match": "*"}):
        response = client.get("/", {"q": "x" * 300}, headers=validator)
        assert response.status_code == 400, validator


@fuzz
@given(cls=HOSTILE_TEXT, q=st.sampled_from(["", "timeout", "404"]))
@example(cls=" 4XX ", q="")
@example(cls=PAYLOAD, q="")
def test_any_class_value_never_causes_a_server_error(client, codes, cls, q):
    response = client.get("/", {"q": q, "class": cls})
    assert response.status_code == 200
    assert_script_escaped(response)


@fuzz
@given(code=st.one_of(HOSTILE_TEXT, st.from_regex(r"\A[0-9]{1,40}\Z"), st.integers()))
@example(code="9" * 5000)  # beyond Python's int-from-string digit limit
@example(code="0404")
@example(code="..")
@example(code="404/extra")
@example(code="")
def test_any_code_in_the_path_never_causes_a_server_error(client, codes, code):
    response = client.get("/" + quote(str(code), safe="") + "/")
    assert_no_server_error(response)
    assert response.status_code in (200, 301, 404)
    assert_script_escaped(response)


@fuzz
@given(
    path=st.sampled_from(["/", "/404/", "/0404/", "/299/", "/abc/"]),
    headers=st.dictionaries(st.sampled_from(HEADERS), HEADER_VALUE, max_size=len(HEADERS)),
)
@example(path="/", headers={"If-None-Match": "*", "HX-Request": "true"})
@example(path="/", headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"})
@example(path="/", headers={"If-Modified-Since": "Fri, 31 Dec 9999 23:59:59 GMT"})
@example(path="/", headers={"If-Modified-Since": "9" * 400})
@example(path="/404/", headers={"Cookie": "sessionid=' OR 1=1 --"})
@example(path="/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
def test_any_header_values_never_cause_a_server_error(client, codes, path, headers):
    response = client.get(path, headers=headers)
    assert_no_server_error(response)
    assert_script_escaped(response)


@fuzz
@given(
    path=st.sampled_from(SAFE_ENDPOINTS),
    method=st.sampled_from(UNSAFE_METHODS),
    body=st.one_of(st.binary(max_size=200), ANY_TEXT.map(str.encode)),
)
def test_unsafe_methods_on_public_pages_are_405_with_allow(client, codes, path, method, body):
    response = client.generic(method, path, body, content_type="application/octet-stream")
    assert response.status_code == 405
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert {"GET", "HEAD"} <= allowed
    assert not allowed & {"POST", "PUT", "DELETE", "PATCH"}


def test_unsafe_methods_are_405_for_a_real_client_without_a_csrf_token(codes):
    # The test client skips CSRF checks; a browser or curl gets no such favour.
    client = Client(enforce_csrf_checks=True)
    answers = {
        (method, path): client.generic(method, path, "q=1").status_code
        for method in UNSAFE_METHODS
        for path in PUBLIC_PAGES
    }
    assert {key: status for key, status in answers.items() if status != 405} == {}


@fuzz
@given(
    path=st.sampled_from(["/", "/404/", "/0404/", "/299/", "/abc/", "/404"]),
    q=st.one_of(st.just(""), HOSTILE_TEXT, st.just("x" * 300)),
    cls=st.sampled_from(["", "5xx", "9xx"]),
    htmx=st.sampled_from([{}, {"HX-Request": "true"}, {"HX-History-Restore-Request": "true"}]),
)
def test_head_gives_the_same_status_and_headers_as_get_without_a_body(
    client, codes, path, q, cls, htmx
):
    params = {key: value for key, value in {"q": q, "class": cls}.items() if value}
    get = client.get(path, params, headers=htmx)
    head = client.head(path, params, headers=htmx)
    assert head.status_code == get.status_code
    assert dict(head.headers) == dict(get.headers)
    assert head.content == b""


@fuzz
@given(raw=st.binary(max_size=200), path=st.sampled_from(["/", "/404/"]))
@example(raw=b"q=%FF%FE", path="/")
@example(raw=b"q=\xff\xfe", path="/")
@example(raw=b"class=%C0%AF&q=%ED%A0%80", path="/")
@example(raw=b"q=%", path="/")
@example(raw=b"q=%00%00&q=1&&&=&class", path="/404/")
def test_raw_bytes_in_the_query_string_never_cause_a_server_error(client, codes, raw, path):
    # A WSGI server passes the raw request bytes as latin-1 text.
    response = client.get(path, QUERY_STRING=raw.decode("latin-1"))
    assert_no_server_error(response)
    assert response.status_code in (200, 400)


@pytest.mark.parametrize(
    "raw_path", [b"/\xff\xfe/", b"/%FF%FE/", b"/4\xc0\xaf04/", b"/%ED%A0%80/", b"/\x00/"]
)
def test_invalid_utf8_in_the_path_is_a_404_not_a_server_error(client, codes, raw_path):
    response = client.get("/", PATH_INFO=raw_path.decode("latin-1"))
    assert response.status_code == 404


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(username=HOSTILE_TEXT, password=HOSTILE_TEXT, next_url=HOSTILE_TEXT)
@example(username=PAYLOAD, password="x", next_url=PAYLOAD)
@example(username="' OR 1=1 --", password="' OR 1=1 --", next_url="//evil.example/")
def test_hostile_admin_login_input_never_causes_a_server_error(
    client, codes, username, password, next_url
):
    login = reverse("admin:login")
    page = client.get(login, {"next": next_url})
    assert page.status_code == 200
    assert_script_escaped(page)
    response = client.post(
        f"{login}?next={quote(next_url, safe='')}",
        {"username": username, "password": password, "next": next_url},
    )
    assert response.status_code in (200, 403, 429)
    assert_script_escaped(response)


@fuzz
@given(
    q=HOSTILE_TEXT,
    cls=HOSTILE_TEXT,
    segment=HOSTILE_TEXT,
    method=st.sampled_from(["GET", "HEAD", *UNSAFE_METHODS]),
)
@example(q="x" * 5000, cls="9xx", segment="404", method="GET")
@example(q="", cls="", segment="٤٠٤", method="POST")  # non-ASCII digits
def test_api_and_try_it_never_fail_whatever_they_are_sent(client, codes, q, cls, segment, method):
    listing = client.get("/api/codes/", {"q": q, "class": cls})
    assert_no_server_error(listing)
    assert listing.status_code in (200, 400)
    assert listing["Content-Type"] == "application/json"
    quoted = quote(segment, safe="")
    api = client.generic(method, f"/api/codes/{quoted}/")
    assert_no_server_error(api)
    assert_script_escaped(api)
    tried = client.generic(method, f"/try/{quoted}/")
    # /try/503/ answers 503 on purpose; anything else must not be a server error.
    if tried.status_code >= 500:
        assert segment == str(tried.status_code)
    assert_script_escaped(tried)


@fuzz
@given(phrase=HOSTILE_TEXT, code=st.sampled_from([418, 204, 405, 301, 101]))
@example(phrase="I'm\r\na teapot", code=418)
@example(phrase="\r\nSet-Cookie: pwned=1", code=204)
def test_any_editor_phrase_keeps_try_it_and_the_code_page_working(client, codes, phrase, code):
    # Without NUL, which Django's forms refuse and PostgreSQL cannot store.
    name = phrase.replace("\x00", "")[:100]
    StatusCode.objects.filter(code=code).update(
        common_name=name, not_sent_reason="", updated=timezone.now()
    )
    tried = client.get(f"/try/{code}/")
    assert tried.status_code == (200 if code < 200 else code)
    # Gunicorn refuses a status line with a line break (the 500 this used to be).
    assert STATUS_RE.fullmatch(f"{tried.status_code} {tried.reason_phrase}")
    assert "Set-Cookie" not in tried
    page = client.get(f"/{code}/")
    assert page.status_code == 200
    assert_script_escaped(page)


# -- Search over all of Unicode ---------------------------------------------------------
# Characters that case folding or compatibility decomposition lengthens ("ß" is "ss",
# "ﬃ" is "ffi"), combining marks, right-to-left text, emoji and digits of other scripts.
LENGTHENING = "ßẞﬀﬁﬂﬃﬄﬅﬆİŉǰΐΰﬓﬔﬕﬖﬗ"
SCRIPTS = "\u0301\u0308\u20dd\u05d0\u05e9\u0627\u0644\u200f\u200e\u202b"
SCRIPTS += "\U0001f600\U0001f469\u200d\U0001f4bb٤٠٤"
# The tests only read: the data the fixture loaded serves every example.
READS_ONLY = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
UNICODE_QUERY = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), max_size=250),
    st.text(st.sampled_from(LENGTHENING + SCRIPTS + "ab 4x"), max_size=250),
    st.builds(lambda c, n: c * n, st.sampled_from(LENGTHENING), st.integers(1, 220)),
)


@settings(max_examples=300, deadline=None, suppress_health_check=READS_ONLY)
@given(q=UNICODE_QUERY, cls=st.sampled_from(["", "4xx", "5xx"]))
@example(q="ß" * 151, cls="")
@example(q="ﬃ" * 101, cls="")
@example(q="İ" * 200, cls="4xx")
def test_the_parser_and_ranking_take_any_unicode(codes, q, cls):
    from reference import catalogue, search

    try:
        query = search.parse({"q": q, "class": cls})
    except search.QueryTooLong:
        assert len(" ".join(q.split())) > search.MAX_QUERY_LENGTH
        return
    found = catalogue.current().index.search(query)
    assert all(isinstance(entry, StatusCode) for entry in found)


@settings(max_examples=60, deadline=None, suppress_health_check=READS_ONLY)
@given(q=UNICODE_QUERY, path=st.sampled_from(["/", "/api/codes/"]))
@example(q="ß" * 151, path="/api/codes/")
@example(q="ﬃ" * 101, path="/")
def test_any_unicode_query_is_answered_and_the_api_always_in_json(codes, q, path):
    client = Client(raise_request_exception=False)
    response = client.get(path, {"q": q})
    assert response.status_code in (200, 400)
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/json"


# Percent-encoded bytes that are not UTF-8: lone surrogates (%ED%A0%80), overlong forms, halves.
@settings(max_examples=60, deadline=None, suppress_health_check=READS_ONLY)
@given(raw=st.binary(max_size=40), path=st.sampled_from(["/", "/api/codes/"]))
@example(raw="\ud800".encode("utf-8", "surrogatepass"), path="/api/codes/")
@example(raw=b"\xc0\xaf\xed\xbf\xbf", path="/")
def test_percent_encoded_bytes_of_any_kind_in_a_search(codes, raw, path):
    client = Client(raise_request_exception=False)
    response = client.get(f"{path}?q={quote(raw, safe='')}")
    assert response.status_code in (200, 400)
    if path.startswith("/api/"):
        assert response["Content-Type"] == "application/json"


def test_a_server_error_in_the_api_is_json(client, codes, monkeypatch):
    from reference import catalogue

    def broken(request):
        raise RuntimeError("a bug")

    monkeypatch.setattr(catalogue, "for_request", broken)
    client.raise_request_exception = False
    response = client.get("/api/codes/", {"q": "timeout"})
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == 500 and "a bug" not in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    page = client.get("/", {"q": "timeout"})
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
