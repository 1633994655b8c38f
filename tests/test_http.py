"""Practising what we document: validators, 304s, caching, methods, compression."""

import dataclasses
import gzip

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import include, path

from reference import catalogue
from reference.decorators import cache_control_public
from reference.models import StatusCode

pytestmark = pytest.mark.django_db

PUBLIC = ["/", "/?q=not", "/?q=timeout&class=5xx", "/404/", "/418/"]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_carry_validators_and_short_public_caching(client, codes, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["ETag"]
    assert response["Last-Modified"]
    assert response["Cache-Control"] == cache_control_public()


def test_public_responses_carry_the_cdn_directives_from_settings(client, codes, settings):
    settings.PAGE_MAX_AGE, settings.CDN_S_MAXAGE = 30, 600
    settings.CDN_STALE_WHILE_REVALIDATE, settings.CDN_STALE_IF_ERROR = 45, 3600
    expected = "max-age=30, s-maxage=600, stale-while-revalidate=45, stale-if-error=3600"
    for url in ("/", "/404/", "/api/codes/", "/sitemap.xml", "/robots.txt", "/api/"):
        assert client.get(url)["Cache-Control"] == expected, url


@pytest.mark.parametrize("path", PUBLIC)
def test_conditional_get_is_answered_304_without_a_body(client, codes, path):
    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    since = client.get(path, headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize("path", ["/404/", "/?q=timeout", "/vendors/nginx/"])
def test_a_revalidation_is_answered_before_the_page_is_rendered(client, codes, path):
    first = client.get(path, headers={"Accept-Encoding": "gzip"})
    cache.clear()  # the page cache: a render would fill it again
    again = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert not [key for key in cache._cache if "page:" in key]
    for header in ("ETag", "Last-Modified", "Cache-Control", "Vary"):
        assert again[header] == first[header], header


def test_an_editors_save_changes_the_validators_at_once(client, codes):
    first = client.get("/404/")
    entry = StatusCode.objects.get(code=404)
    entry.summary = "Changed by an editor."
    entry.save()
    again = client.get("/404/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "Changed by an editor." in again.content.decode()


@pytest.mark.parametrize("path", PUBLIC + ["/299/"])
def test_head_answers_like_get_without_a_body(client, codes, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


def test_other_methods_get_405_with_allow_even_without_a_csrf_token(codes):
    # One check, two branches (GET and HEAD, or not): one test over every pair, not 42.
    client = Client(enforce_csrf_checks=True)
    for url in ["/", "/404/", "/299/", "/api/", "/sitemap.xml", "/robots.txt", "/healthz"]:
        for method in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]:
            response = client.generic(method, url, "a=1")
            assert (response.status_code, response["Allow"]) == (405, "GET, HEAD"), (method, url)
            assert not response.content.startswith(b"<?xml")  # OPTIONS /sitemap.xml: not the map


# -- RFC 9110 §15.4.5: a 304 is the 200 without its body -------------------

CONDITIONAL = [
    ("/", {}),
    ("/?q=gateway", {"HX-Request": "true"}),
    ("/?q=gateway", {"HX-Request": "true", "HX-History-Restore-Request": "true"}),
    ("/404/", {}),
    ("/api/", {}),
    ("/api/codes/", {}),
    ("/api/codes/404/", {}),
    ("/api/openapi.json", {}),
    ("/sitemap.xml", {}),
    ("/robots.txt", {}),
]


@pytest.mark.parametrize("encoding", ["gzip, br", "identity", "gzip;q=0"])
@pytest.mark.parametrize(("path", "headers"), CONDITIONAL)
def test_a_304_repeats_the_200s_validators_caching_and_vary(client, codes, path, headers, encoding):
    headers = {**headers, "Accept-Encoding": encoding}
    first = client.get(path, headers=headers)
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"'), "weak: both encodings share it"
    again = client.get(path, headers={**headers, "If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    for header in ("ETag", "Cache-Control", "Vary", "Last-Modified"):
        assert again.get(header) == first.get(header), header
    assert not again.has_header("Content-Length"), "RFC 9110 §8.6"
    assert not again.has_header("Content-Type")


def test_the_api_304_keeps_cors_so_a_script_can_read_it(client, codes):
    first = client.get("/api/codes/", headers={"Accept-Encoding": "gzip"})
    again = client.get("/api/codes/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"
    assert again["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_sitemap_answers_if_modified_since(client, codes):
    first = client.get("/sitemap.xml")
    assert first["Last-Modified"]
    since = client.get("/sitemap.xml", headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304


@pytest.mark.parametrize(
    "encoding", ["gzip;q=0", "gzip; q=0.0, identity", "*;q=0, identity", "br", "", "x;q=1"]
)
@pytest.mark.parametrize("path", ["/", "/api/codes/", "/api/"])
def test_refused_gzip_is_not_sent(client, codes, path, encoding):
    response = client.get(path, headers={"Accept-Encoding": encoding})
    assert not response.has_header("Content-Encoding")
    assert "Accept-Encoding" in response["Vary"]


@pytest.mark.parametrize("encoding", ["gzip", "GZIP;q=0.5", "deflate, gzip;q=1.0", "*"])
def test_accepted_gzip_is_sent(client, codes, encoding):
    response = client.get("/", headers={"Accept-Encoding": encoding})
    assert response["Content-Encoding"] == "gzip"


def test_history_restore_gets_the_full_page_under_its_own_vary_key(client, codes):
    partial = client.get("/?q=gone", headers={"HX-Request": "true"})
    restore = client.get(
        "/?q=gone", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    full = client.get("/?q=gone")
    assert "<html" not in partial.content.decode()
    assert restore.content == full.content
    assert restore["ETag"] == full["ETag"] != partial["ETag"]
    vary = {v.strip() for v in restore["Vary"].split(",")}
    assert {"HX-Request", "HX-History-Restore-Request", "Accept-Encoding"} <= vary


def test_api_answers_a_cors_preflight_for_revalidation(client, codes):
    response = client.options(
        "/api/codes/404/",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    allowed = {h.strip().lower() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"if-none-match", "if-modified-since"} <= allowed
    assert int(response["Access-Control-Max-Age"]) > 0
    assert response["Allow"] == "GET, HEAD, OPTIONS"


def test_healthz_is_exempt_from_the_https_redirect(client, codes, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/").status_code == 301
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health["Cache-Control"] == "no-store"


# -- The page cache ---------------------------------------------------------


def test_page_cache_keeps_the_query_exactly_as_typed(client, codes):
    assert 'value="GaTeWaY"' in client.get("/?q=GaTeWaY").content.decode()
    assert 'value="gateway"' in client.get("/?q=gateway").content.decode()


def test_page_cache_keys_do_not_collide_on_separators(client, codes):
    one = client.get("/", {"q": "a|5xx", "class": ""}).content
    two = client.get("/", {"q": "a", "class": "5xx|"}).content
    assert one != two


def test_a_cached_page_is_never_shown_after_an_edit(client, codes):
    # The same URLs before and after the save: only the data version in the
    # page cache's keys can tell them apart.
    for url in ("/", "/410/"):
        client.get(url)
        assert "Gone for good" not in client.get(url).content.decode()  # cached
    entry = StatusCode.objects.get(code=410)
    entry.summary = "Gone for good."
    entry.save()
    for url in ("/", "/410/"):
        assert "Gone for good." in client.get(url).content.decode()


def test_rendered_list_items_belong_to_one_data_version(client, codes):
    assert client.get("/", {"q": "gone"}).status_code == 200
    kept = catalogue.current().rendered_items
    assert (410, "") in kept
    StatusCode.objects.filter(code=410).update(phrase="Gone For Good")
    assert "Gone For Good" in client.get("/", {"q": "gone away"}).content.decode()
    assert catalogue.current().rendered_items is not kept


def test_page_cache_entries_expire(client, codes):
    client.get("/?q=expiry")
    # LocMemCache keeps each key's expiry time beside it.
    expiries = list(cache._expire_info.values())
    assert expiries and all(e is not None for e in expiries)


# -- A database outage: the last data, served but not kept ------------------


@pytest.fixture
def outage(monkeypatch):
    real = catalogue.current
    monkeypatch.setattr(catalogue, "current", lambda: dataclasses.replace(real(), outage=True))


@pytest.mark.parametrize(
    "path", ["/", "/?q=gone", "/404/", "/api/", "/api/codes/", "/api/codes/404/", "/sitemap.xml"]
)
def test_during_an_outage_nothing_carries_a_validator_or_is_stored(client, codes, outage, path):
    response = client.get(path)
    assert response.status_code == 200
    assert not response.has_header("ETag")
    assert not response.has_header("Last-Modified")
    assert response["Cache-Control"] == "no-store"
    again = client.get(path, headers={"If-None-Match": "*", "If-Modified-Since": "Fri, 1 Jan 2100"})
    assert again.status_code == 200
    assert not [key for key in cache._cache if "page:" in key]


def test_not_found_is_a_real_page_with_status_404(client, codes):
    response = client.get("/299/")
    assert response.status_code == 404
    assert "<main" in response.content.decode()


def boom(request):
    raise RuntimeError("a bug in a view")


# A test-only URL that fails, to see the real 500 handler and page at work.
urlpatterns = [path("boom/", boom), path("", include("statuscodes.urls"))]


@pytest.mark.urls("tests.test_http")
def test_server_error_is_a_real_page_with_status_500(client, codes):
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500
    assert "fittingly, a 500" in response.content.decode()
    assert "Traceback" not in response.content.decode()


# "/" is kept uncompressed in the page cache too; a search only compressed.
@pytest.mark.parametrize("path", ["/", "/?q=gone"])
def test_html_is_compressed_when_the_client_accepts_it(client, codes, path):
    compressed = client.get(path, headers={"Accept-Encoding": "gzip"})
    plain = client.get(path)  # from the page cache now
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert "Content-Encoding" not in plain
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 2


@pytest.mark.parametrize("path", PUBLIC + ["/299/", "/?class=9xx"])
def test_public_pages_run_a_constant_number_of_queries(
    client, codes, path, django_assert_max_num_queries
):
    # cold: data version, codes with vendors, meanings with theirs, behaviours
    with django_assert_max_num_queries(4):
        client.get(path)
    with django_assert_max_num_queries(1):  # warm: the data version only
        client.get(path)


def test_query_count_does_not_grow_with_the_number_of_codes(
    client, codes, django_assert_max_num_queries
):
    taken = set(StatusCode.objects.values_list("code", flat=True))
    for code in [code for code in range(100, 600) if code not in taken][:10]:
        StatusCode.objects.create(
            code=code,
            phrase=f"Extra {code}",
            summary="s",
            description="d",
            use_cases="u",
            example_request="GET / HTTP/1.1",
            example_response=f"HTTP/1.1 {code} X",
            spec_title="none",
            official=False,
            origin="test",
        )
    with django_assert_max_num_queries(4):
        client.get("/")


def test_admin_is_private_and_not_stored(admin_client):
    response = admin_client.get("/admin/")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_healthz_checks_the_database(client, codes):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
