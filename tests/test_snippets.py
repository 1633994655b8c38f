"""Snippets for sending each code: constants are real, never invented."""

from http import HTTPStatus

import pytest

from reference import snippets
from reference.models import StatusCode

pytestmark = pytest.mark.django_db
PYTHON_VALUES = {status.value for status in HTTPStatus}

# A table from Go's src/net/http/status.go, independent of the module's own dict.
KNOWN_GO_CONSTANTS = {
    100: "StatusContinue",
    101: "StatusSwitchingProtocols",
    103: "StatusEarlyHints",
    200: "StatusOK",
    203: "StatusNonAuthoritativeInfo",
    204: "StatusNoContent",
    226: "StatusIMUsed",
    301: "StatusMovedPermanently",
    302: "StatusFound",
    308: "StatusPermanentRedirect",
    404: "StatusNotFound",
    407: "StatusProxyAuthRequired",
    413: "StatusRequestEntityTooLarge",
    414: "StatusRequestURITooLong",
    416: "StatusRequestedRangeNotSatisfiable",
    418: "StatusTeapot",
    421: "StatusMisdirectedRequest",
    422: "StatusUnprocessableEntity",
    425: "StatusTooEarly",
    429: "StatusTooManyRequests",
    451: "StatusUnavailableForLegalReasons",
    500: "StatusInternalServerError",
    505: "StatusHTTPVersionNotSupported",
    511: "StatusNetworkAuthenticationRequired",
}
GO_HAS_NO_CONSTANT = [104, 306, 419, 420, 440, 444, 449, 494, 499, 509, 520, 530]


def by_slug(entry):
    return {snippet.slug: snippet for snippet in snippets.snippets_for(entry)}


def test_python_constant_matches_httpstatus_for_every_code(codes):
    for entry in codes:
        constant = snippets.python_constant(entry.code)
        if entry.code in PYTHON_VALUES:
            assert constant == f"HTTPStatus.{HTTPStatus(entry.code).name}", entry.code
        else:
            assert constant is None, entry.code


def test_python_snippets_use_the_constant_or_the_integer_for_every_code(codes):
    for entry in codes.filter(code__gte=200):
        for slug in ("django", "flask", "fastapi"):
            snippet = by_slug(entry)[slug]
            if entry.code in PYTHON_VALUES:
                assert snippet.constant == f"HTTPStatus.{HTTPStatus(entry.code).name}"
                if entry.code not in (301, 302, 304, 307, 308) or slug != "django":
                    assert snippet.constant in snippet.code, (entry.code, slug)
                    assert "from http import HTTPStatus" in snippet.code
            else:
                assert snippet.constant is None
                assert "HTTPStatus" not in snippet.code, (entry.code, slug)
                if slug != "django" or not 300 <= entry.code < 400:
                    assert str(entry.code) in snippet.code, (entry.code, slug)


@pytest.mark.parametrize(("code", "name"), sorted(KNOWN_GO_CONSTANTS.items()))
def test_go_constant_matches_net_http(code, name):
    assert snippets.go_constant(code) == f"http.{name}"


@pytest.mark.parametrize("code", GO_HAS_NO_CONSTANT)
def test_go_uses_the_integer_when_net_http_has_no_constant(code):
    assert snippets.go_constant(code) is None


def test_go_table_names_are_all_status_constants():
    assert all(name.startswith("Status") for name in snippets.GO_CONSTANTS.values())
    assert len(set(snippets.GO_CONSTANTS.values())) == len(snippets.GO_CONSTANTS)


def test_go_snippet_writes_the_constant_or_the_integer(codes):
    for entry in codes.filter(code__gte=200):
        snippet = by_slug(entry)["go"]
        expected = snippets.go_constant(entry.code) or str(entry.code)
        assert expected in snippet.code, entry.code


def test_express_uses_status_send_and_send_status(codes):
    assert "res.status(404).send(" in by_slug(codes.get(code=404))["express"].code
    assert "res.sendStatus(204);" in by_slug(codes.get(code=204))["express"].code
    assert "res.redirect(301, " in by_slug(codes.get(code=301))["express"].code


def test_redirects_set_a_location_in_every_framework(codes):
    for entry in codes.filter(code__gte=300, code__lt=400).exclude(code=304):
        for snippet in snippets.snippets_for(entry):
            assert snippets.EXAMPLE_LOCATION in snippet.code, (entry.code, snippet.slug)


@pytest.mark.parametrize(
    ("code", "header"),
    [(401, "WWW-Authenticate"), (405, "Allow"), (429, "Retry-After"), (503, "Retry-After")],
)
def test_required_headers_appear_in_every_framework(codes, code, header):
    for snippet in snippets.snippets_for(codes.get(code=code)):
        assert header in snippet.code, snippet.slug


@pytest.mark.parametrize("code", [204, 205, 304])
def test_no_content_codes_send_no_body(codes, code):
    for snippet in snippets.snippets_for(codes.get(code=code)):
        assert "detail" not in snippet.code, snippet.slug


def test_1xx_codes_get_an_explanation_instead_of_a_snippet(codes):
    for entry in codes.filter(code__lt=200):
        for snippet in snippets.snippets_for(entry):
            assert snippet.code == "" and snippet.note, (entry.code, snippet.slug)


def test_code_page_shows_copyable_snippets_with_constants(client, codes):
    html = client.get("/404/").content.decode()
    assert 'id="snippets"><a href="#snippets">' in html
    for slug in ("django", "flask", "fastapi", "express", "go"):
        assert f'<pre id="snippet-{slug}"' in html
        assert f'data-copy="snippet-{slug}"' in html
    assert "http.HTTPStatus.NOT_FOUND" in html
    assert "http.StatusNotFound" in html


def test_code_page_for_an_unofficial_code_shows_the_integer(client, codes):
    html = client.get("/499/").content.decode()
    assert "HTTPStatus" not in html.split('id="snippets"')[1].split('id="facts"')[0]
    assert "w.WriteHeader(499)" in html


def test_code_page_for_1xx_explains_instead_of_a_snippet(client, codes):
    html = client.get("/101/").content.decode()
    assert "interim response" in html
    assert '<pre id="snippet-' not in html


def test_every_code_page_renders_its_snippets(client, codes):
    for code in StatusCode.objects.values_list("code", flat=True):
        response = client.get(f"/{code}/")
        assert response.status_code == 200, code
        assert 'id="snippet-go"' in response.content.decode(), code
