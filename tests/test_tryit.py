"""/try/<code>/: the real status, its required headers, for any method."""

import json
import re

import pytest
from django.test import Client
from gunicorn.http.wsgi import STATUS_RE

from reference.models import StatusCode

pytestmark = pytest.mark.django_db
NO_BODY = {204, 205, 304}
# RFC 9112 §4, without the obsolete obs-text: what our status lines may hold.
REASON_PHRASE = re.compile(r"[\t \x21-\x7e]*")


def sendable_codes():
    return StatusCode.objects.filter(code__range=(200, 599)).values_list("code", flat=True)


def status_line(response):
    return f"{response.status_code} {response.reason_phrase}"


def test_every_known_code_from_200_up_answers_with_that_status(client, codes):
    for code in sendable_codes():
        response = client.get(f"/try/{code}/")
        assert response.status_code == code
        assert response["Cache-Control"] == "no-store"


def test_json_body_names_the_code_and_links_its_page(client, codes):
    response = client.get("/try/404/")
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {
        "code": 404,
        "phrase": "Not Found",
        "url": "http://testserver/404/",
    }


def test_reason_phrase_is_the_entry_phrase(client, codes):
    assert client.get("/try/499/").reason_phrase == "Client Closed Request"


@pytest.mark.parametrize("code", sorted(NO_BODY))
def test_no_content_codes_have_no_body(client, codes, code):
    response = client.get(f"/try/{code}/")
    assert response.status_code == code
    assert response.content == b""
    assert "Content-Type" not in response


@pytest.mark.parametrize(
    "method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND"]
)
def test_any_method_gets_the_status_without_a_csrf_token(codes, method):
    client = Client(enforce_csrf_checks=True)
    response = client.generic(method, "/try/418/", "x=1")
    assert response.status_code == 418


def test_head_gets_the_status_and_headers(client, codes):
    response = client.head("/try/429/")
    assert response.status_code == 429
    assert response["Retry-After"] == "60"


LOCATION_CODES = [201, 300, 301, 302, 303, 307, 308]


@pytest.mark.parametrize("code", LOCATION_CODES)
def test_location_points_at_the_codes_own_page_on_this_site(client, codes, code):
    response = client.get(f"/try/{code}/")
    assert response.status_code == code
    assert response["Location"] == f"/{code}/"


def test_no_location_where_http_defines_none(client, codes):
    for code in sendable_codes():
        if code not in LOCATION_CODES:
            assert "Location" not in client.get(f"/try/{code}/"), code


def test_following_a_redirect_lands_on_the_reference_page(client, codes):
    location = client.get("/try/308/")["Location"]
    page = client.get(location)
    assert page.status_code == 200
    assert "308 Permanent Redirect" in page.content.decode()


@pytest.mark.parametrize(
    ("code", "header", "value"),
    [
        (304, "ETag", '"v1"'),
        (401, "WWW-Authenticate", 'Basic realm="example"'),
        (405, "Allow", "POST"),
        (416, "Content-Range", "bytes */1000"),
        (429, "Retry-After", "60"),
        (503, "Retry-After", "60"),
    ],
)
def test_required_headers_are_sent(client, codes, code, header, value):
    response = client.get(f"/try/{code}/")
    assert response.status_code == code
    assert response[header] == value


@pytest.mark.parametrize(
    ("method", "allow"),
    [
        ("GET", "POST"),
        ("HEAD", "POST"),
        ("POST", "GET, HEAD"),
        ("PUT", "GET, HEAD, POST"),
        ("DELETE", "GET, HEAD, POST"),
        ("PROPFIND", "GET, HEAD, POST"),
    ],
)
def test_405_never_allows_the_method_it_refused(client, codes, method, allow):
    response = client.generic(method, "/try/405/")
    assert response.status_code == 405
    assert response["Allow"] == allow
    assert method not in response["Allow"].split(", ")


def test_206_content_range_describes_the_content_sent(client, codes):
    response = client.get("/try/206/")
    assert response.status_code == 206
    size = len(response.content)
    assert response["Content-Range"] == f"bytes 0-{size - 1}/{size}"
    assert json.loads(response.content)["code"] == 206


@pytest.mark.parametrize(
    ("code", "fields"),
    [
        (407, ["Proxy-Authenticate"]),
        (408, ["Connection"]),
        (426, ["Upgrade", "Connection"]),
    ],
)
def test_hop_by_hop_fields_wsgi_cannot_send_are_explained(client, codes, code, fields):
    response = client.get(f"/try/{code}/")
    assert response.status_code == code
    note = json.loads(response.content)["note"]
    assert "hop-by-hop" in note
    for field in fields:
        assert field not in response  # wsgiref refuses them, Gunicorn drops them
        assert f"“{field}: " in note


@pytest.mark.parametrize("code", [100, 101, 102, 103, 104])
def test_1xx_answers_200_explaining_why_it_cannot_be_sent(client, codes, code):
    response = client.get(f"/try/{code}/")
    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["code"] == code and body["sent"] == 200
    assert "cannot" in body["explanation"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/try/299/", "/try/1000/", "/try/abc/", "/try/0404/", "/try/²/", f"/try/{'9' * 5000}/"]
)
def test_unknown_code_is_a_404_json(client, codes, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "nothing to try" in json.loads(response.content)["message"]


def test_code_page_shows_a_copyable_curl_line(client, codes):
    html = client.get("/404/", HTTP_HOST="localhost").content.decode()
    assert 'id="try-it"><a href="#try-it">Try it</a>' in html
    assert '<pre id="try-curl" tabindex="0"><code>curl -i http://localhost/try/404/</code>' in html
    assert 'data-copy="try-curl"' in html


def test_curl_line_uses_the_request_scheme(client, codes):
    html = client.get("/404/", secure=True).content.decode()
    assert "curl -i https://testserver/try/404/" in html


def test_a_code_not_to_send_is_served_but_says_so(client, codes):
    reason = "Reserved by RFC 9110 §15.5.19; 418 I'm a teapot was a joke."
    StatusCode.objects.filter(code=418).update(
        phrase="(Unused)", common_name="I'm a teapot", not_sent_reason=reason
    )
    response = client.get("/try/418/")
    assert response.status_code == 418
    assert response.reason_phrase == "I'm a teapot"  # the name developers know
    assert json.loads(response.content)["not_sent_reason"] == reason
    page = client.get("/418/").content.decode()
    section = page.split('id="try-it"')[1].split("</section>")[0]
    assert "Servers should not send 418" in section


def test_no_status_0_answers_200_explaining_why(client, codes):
    response = client.get("/try/0/")
    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["code"] == 0 and body["sent"] == 200
    assert "not a status code a server can send" in body["explanation"]
    assert body["not_sent_reason"] == StatusCode.objects.get(code=0).not_sent_reason


def try_it_section(page):
    """The try-it section, its whitespace collapsed (the template wraps its sentences)."""
    return " ".join(page.split('id="try-it"')[1].split("</section>")[0].split())


def test_code_page_tells_how_the_405_allow_header_works(client, codes):
    section = try_it_section(client.get("/405/").content.decode())
    assert "<code>Allow: POST</code>" in section
    assert "a POST gets <code>Allow: GET, HEAD</code>" in section


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (
            304,
            "with no body and status <code>304 Not Modified</code> for any method, with "
            "<code>ETag: &quot;v1&quot;</code>.",
        ),
        (301, "<code>Location</code> pointing back at this page"),
        (206, "<code>Content-Range</code> covering the JSON it sends"),
        (407, "A real server also sends <code>Proxy-Authenticate</code>"),
    ],
)
def test_code_page_describes_what_try_it_sends(client, codes, code, says):
    assert says in try_it_section(client.get(f"/{code}/").content.decode())


HOSTILE_PHRASES = [
    "I'm\r\na teapot",
    "line\nbreak",
    "\r\nSet-Cookie: pwned=1",
    "tab\there",
    "Café ☕ 😀",
    "\x07\x1b\x7f\x85\u2028",  # not NUL: forms refuse it, PostgreSQL cannot store it
    "\ufeff",
    "   ",
    "",
    '"quoted" \\ `tick` ${x} </script>',
]


@pytest.mark.parametrize("phrase", HOSTILE_PHRASES)
@pytest.mark.parametrize("code", [418, 204, 405, 301])
def test_any_phrase_gives_a_status_line_a_server_will_send(client, codes, phrase, code):
    StatusCode.objects.filter(code=code).update(common_name=phrase, not_sent_reason="")
    response = client.get(f"/try/{code}/")
    assert response.status_code == code
    assert REASON_PHRASE.fullmatch(response.reason_phrase), response.reason_phrase
    assert STATUS_RE.fullmatch(status_line(response))  # Gunicorn's own check
    assert "Set-Cookie" not in response
    page = client.get(f"/{code}/")
    assert page.status_code == 200


def test_a_code_outside_rfc_9110s_range_is_explained_not_sent(client, codes):
    response = client.get("/try/999/")
    assert response.status_code == 200
    assert response.json()["sent"] == 200 and "100–599" in response.json()["explanation"]
