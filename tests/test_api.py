"""The JSON API: shapes, search, conditional GETs, CORS, JSON errors."""

import json
import re

import pytest
from django.test import Client

from reference.decorators import cache_control_public
from reference.models import StatusCode

pytestmark = pytest.mark.django_db
FIELDS = {
    "code",
    "phrase",
    "class",
    "class_name",
    "former_names",
    "summary",
    "description",
    "use_cases",
    "example",
    "headers",
    "related",
    "cacheable",
    "spec",
    "official",
    "origin",
    "keywords",
    "url",
    "updated",
    # who sends it, its other meanings and its sources (tests/test_vendors.py)
    "common_name",
    "vendor",
    "meanings",
    "behaviours",  # what clients and frameworks do with it
    "sources",
    "reviewed",
}


def body(response):
    assert response["Content-Type"] == "application/json"
    return json.loads(response.content)


def test_list_returns_every_code_in_code_order(client, codes):
    data = body(client.get("/api/codes/"))
    assert data["count"] == StatusCode.objects.count()
    assert [item["code"] for item in data["results"]] == sorted(
        StatusCode.objects.values_list("code", flat=True)
    )
    assert all(set(item) == FIELDS for item in data["results"])


def test_list_search_ranks_like_the_page(client, codes):
    data = body(client.get("/api/codes/", {"q": "timeout", "class": "5xx"}))
    found = [item["code"] for item in data["results"]]
    assert found[0] == 504
    assert all(500 <= code < 600 for code in found)
    assert data["query"] == {"q": "timeout", "class": "5xx"}
    assert data["count"] == len(found)


def test_list_search_tolerates_typos(client, codes):
    data = body(client.get("/api/codes/", {"q": "gatway"}))
    assert 502 in [item["code"] for item in data["results"]]


def test_detail_has_every_public_field(client, codes):
    response = client.get("/api/codes/301/")
    data = body(response)
    entry = StatusCode.objects.get(code=301)
    assert response.status_code == 200
    assert set(data) == FIELDS
    assert data["code"] == 301
    assert data["phrase"] == "Moved Permanently"
    assert data["class"] == "3xx" and data["class_name"] == "Redirection"
    assert data["summary"] == entry.summary
    assert data["use_cases"] == entry.use_case_list
    assert data["example"] == {
        "request": entry.example_request,
        "response": entry.example_response,
    }
    assert {"name": "Location", "why": dict(entry.header_list)["Location"]} in data["headers"]
    assert {"code": 308, "url": "http://testserver/308/"} in data["related"]
    assert data["spec"]["url"].endswith("rfc9110#section-15.4.2")
    assert data["official"] is True and data["origin"] == ""
    assert isinstance(data["former_names"], list) and isinstance(data["keywords"], list)
    assert data["url"] == "http://testserver/301/"
    assert data["updated"] == entry.updated.isoformat()


def test_unofficial_code_names_its_origin(client, codes):
    data = body(client.get("/api/codes/499/"))
    assert data["official"] is False
    assert data["origin"] == "nginx"


def test_responses_are_public_for_a_minute_and_open_to_any_origin(client, codes):
    for path in ("/api/codes/", "/api/codes/404/", "/api/openapi.json"):
        response = client.get(path, headers={"Origin": "https://elsewhere.example"})
        assert response["Cache-Control"] == cache_control_public(), path
        assert response["Access-Control-Allow-Origin"] == "*", path
        assert response["Cross-Origin-Resource-Policy"] == "cross-origin", path


@pytest.mark.parametrize("path", ["/api/codes/", "/api/codes/404/", "/api/codes/?q=gone"])
def test_etag_gives_304_with_if_none_match(client, codes, path):
    first = client.get(path)
    assert first.status_code == 200
    again = client.get(path, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again["Cache-Control"] == cache_control_public()
    assert again["Access-Control-Allow-Origin"] == "*"


def test_last_modified_gives_304_with_if_modified_since(client, codes):
    first = client.get("/api/codes/404/")
    again = client.get("/api/codes/404/", headers={"If-Modified-Since": first["Last-Modified"]})
    assert again.status_code == 304


def test_etag_changes_when_the_data_changes(client, codes):
    before = client.get("/api/codes/410/")
    entry = StatusCode.objects.get(code=410)
    entry.summary = "Gone for good."
    entry.save()
    after = client.get("/api/codes/410/", headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert body(after)["summary"] == "Gone for good."


def test_head_is_allowed(client, codes):
    response = client.head("/api/codes/404/")
    assert response.status_code == 200
    assert "ETag" in response


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "trace"])
@pytest.mark.parametrize("path", ["/api/codes/", "/api/codes/404/", "/api/openapi.json"])
def test_other_methods_are_405_json_with_allow(client, codes, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert body(response)["status"] == 405


@pytest.mark.parametrize("code", ["299", "1000", "abc", "1", "²", "٤٠٤", "9" * 5000, "%00"])
def test_unknown_code_is_a_helpful_404_json(client, codes, code):
    response = client.get(f"/api/codes/{code}/")
    data = body(response)
    assert response.status_code == 404
    assert data["status"] == 404 and data["error"] == "Not Found"
    assert "status code" in data["message"]
    assert "ETag" not in response
    assert response["Access-Control-Allow-Origin"] == "*"


def test_unknown_code_404_points_at_the_list(client, codes):
    data = body(client.get("/api/codes/299/"))
    assert "no status code 299" in data["message"]
    assert data["list_url"] == "http://testserver/api/codes/"


def test_leading_zero_redirects_to_the_canonical_url(client, codes):
    response = client.get("/api/codes/0404/")
    assert response.status_code == 301
    assert response["Location"] == "/api/codes/404/"


def test_too_long_query_is_a_400_json(client, codes):
    response = client.get("/api/codes/", {"q": "x" * 201})
    data = body(response)
    assert response.status_code == 400
    assert data["parameter"] == "q"
    assert "the limit is 200" in data["message"]
    assert "ETag" not in response


def test_query_of_exactly_the_limit_is_accepted(client, codes):
    assert client.get("/api/codes/", {"q": "x" * 200}).status_code == 200


def test_unknown_class_is_a_400_listing_the_valid_classes(client, codes):
    response = client.get("/api/codes/", {"class": "9xx"})
    data = body(response)
    assert response.status_code == 400
    assert data["parameter"] == "class"
    assert data["valid_classes"] == ["1xx", "2xx", "3xx", "4xx", "5xx"]
    assert "1xx, 2xx, 3xx, 4xx, 5xx" in data["message"]


def test_bad_request_is_never_a_304(client, codes):
    etag = client.get("/api/codes/")["ETag"]
    for validator in (etag, "*"):
        for params in ({"class": "9xx"}, {"q": "x" * 300}):
            response = client.get("/api/codes/", params, headers={"If-None-Match": validator})
            assert response.status_code == 400, (validator, params)


def test_class_must_be_spelled_as_documented(client, codes):
    """The OpenAPI enum is the contract: "4XX" is refused, an empty class means all."""
    assert client.get("/api/codes/", {"class": "4XX"}).status_code == 400
    assert body(client.get("/api/codes/", {"class": ""}))["count"] == StatusCode.objects.count()
    data = body(client.get("/api/codes/", {"class": "4xx"}))
    assert data["count"] == StatusCode.objects.in_class(4).count()


def test_api_needs_no_csrf_token_to_get_its_405(codes):
    client = Client(enforce_csrf_checks=True)
    for method in ("POST", "PUT", "PATCH", "DELETE", "TRACE", "PROPFIND"):
        assert client.generic(method, "/api/codes/404/", "q=1").status_code == 405, method


def test_openapi_description_is_3_1_and_documents_both_endpoints(client, codes):
    data = body(client.get("/api/openapi.json"))
    assert data["openapi"].startswith("3.1")
    assert {"/api/codes/", "/api/codes/{code}/"} <= set(data["paths"])
    schema = data["components"]["schemas"]["StatusCode"]
    assert set(schema["properties"]) == FIELDS
    listing = data["paths"]["/api/codes/"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {"q", "class"}
    assert "400" in listing["responses"]


def test_docs_page_shows_live_examples_without_inline_script_or_style(client, codes):
    response = client.get("/api/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>JSON API — HTTP Status Code Reference</title>" in html
    assert "curl -i http://testserver/api/codes/404/" in html
    assert "&quot;phrase&quot;: &quot;Not Found&quot;" in html
    assert "/api/openapi.json" in html
    assert "valid_classes" in html
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline script"


def test_docs_page_is_conditional_like_the_pages(client, codes):
    first = client.get("/api/")
    assert client.get("/api/", headers={"If-None-Match": first["ETag"]}).status_code == 304
