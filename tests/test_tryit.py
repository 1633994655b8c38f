"""/try/<code>/: the real status, its required headers, for any method."""

import json

import pytest
from django.test import Client

from reference.models import StatusCode

pytestmark = pytest.mark.django_db
NO_BODY = {204, 205, 304}


def sendable_codes():
    return StatusCode.objects.filter(code__gte=200).values_list("code", flat=True)


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


def test_redirects_point_at_the_codes_own_page_on_this_site(client, codes):
    for code in StatusCode.objects.filter(code__gte=300, code__lt=400).values_list(
        "code", flat=True
    ):
        response = client.get(f"/try/{code}/")
        assert response.status_code == code
        if code == 304:  # not a redirect: a 304 has no Location
            assert not response.has_header("Location")
        else:
            assert response["Location"] == f"/{code}/"


def test_following_a_redirect_lands_on_the_reference_page(client, codes):
    location = client.get("/try/308/")["Location"]
    page = client.get(location)
    assert page.status_code == 200
    assert "308 Permanent Redirect" in page.content.decode()


@pytest.mark.parametrize(
    ("code", "header", "value"),
    [
        (401, "WWW-Authenticate", 'Basic realm="try-it"'),
        (405, "Allow", ""),  # every method gets the 405: none is allowed
        (416, "Content-Range", "bytes */0"),
        (429, "Retry-After", "60"),
        (503, "Retry-After", "60"),
    ],
)
def test_required_headers_are_sent(client, codes, code, header, value):
    response = client.get(f"/try/{code}/")
    assert response.status_code == code
    assert response[header] == value


def test_407_explains_the_proxy_authenticate_header_wsgi_cannot_send(client, codes):
    response = client.get("/try/407/")
    assert response.status_code == 407
    assert "Proxy-Authenticate" not in response  # hop-by-hop: a WSGI server would fail on it
    assert "hop-by-hop" in json.loads(response.content)["note"]


@pytest.mark.parametrize("code", [100, 101, 102, 103, 104])
def test_1xx_answers_200_explaining_why_it_cannot_be_sent(client, codes, code):
    response = client.get(f"/try/{code}/")
    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["code"] == code and body["sent"] == 200
    assert "cannot" in body["explanation"]
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    "path", ["/try/299/", "/try/999/", "/try/abc/", "/try/0404/", "/try/²/", f"/try/{'9' * 5000}/"]
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
