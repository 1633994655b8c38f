"""Practising what we document: validators, 304s, caching, methods, compression."""

import gzip
from pathlib import Path

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.urls import include, path

from reference.models import StatusCode

pytestmark = pytest.mark.django_db

PUBLIC = ["/", "/?q=not", "/?q=timeout&class=5xx", "/404/", "/418/"]


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_carry_validators_and_short_public_caching(client, codes, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["ETag"]
    assert response["Last-Modified"]
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "max-age=60" in cache_control


@pytest.mark.parametrize("path", PUBLIC)
def test_conditional_get_is_answered_304_without_a_body(client, codes, path):
    first = client.get(path)
    again = client.get(path, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    assert again.content == b""
    since = client.get(path, headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304


def test_an_editors_save_changes_the_validators_at_once(client, codes):
    first = client.get("/404/")
    entry = StatusCode.objects.get(code=404)
    entry.summary = "Changed by an editor."
    entry.save()
    again = client.get("/404/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert "Changed by an editor." in again.content.decode()


@pytest.mark.parametrize("path", PUBLIC + ["/999/"])
def test_head_answers_like_get_without_a_body(client, codes, path):
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options", "trace"])
@pytest.mark.parametrize("path", ["/", "/404/"])
def test_other_methods_get_405_with_allow(client, codes, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD"}


def test_not_found_is_a_real_page_with_status_404(client, codes):
    response = client.get("/999/")
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


def test_html_is_compressed_when_the_client_accepts_it(client, codes):
    plain = client.get("/")
    compressed = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert compressed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in compressed["Vary"]
    assert gzip.decompress(compressed.content) == plain.content
    assert len(compressed.content) < len(plain.content) / 3


def test_static_files_are_immutable_and_precompressed(client):
    url = staticfiles_storage.url("reference/site.css")
    assert url != "/static/reference/site.css"  # hashed by the manifest storage
    response = client.get(url, headers={"Accept-Encoding": "br, gzip"})
    assert response.status_code == 200
    assert "immutable" in response["Cache-Control"]
    assert response["Content-Encoding"] in {"br", "gzip"}
    path = staticfiles_storage.path(staticfiles_storage.stored_name("reference/site.css"))
    assert Path(path + ".br").stat().st_size and Path(path + ".gz").stat().st_size


@pytest.mark.parametrize("path", PUBLIC + ["/999/", "/?class=9xx"])
def test_public_pages_run_at_most_two_queries(client, codes, path, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # cold: data version + all codes
        client.get(path)
    with django_assert_max_num_queries(1):  # warm: the data version only
        client.get(path)


def test_query_count_does_not_grow_with_the_number_of_codes(
    client, codes, django_assert_max_num_queries
):
    for code in range(531, 541):
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
    with django_assert_max_num_queries(2):
        client.get("/")


def test_admin_is_private_and_not_stored(admin_client):
    response = admin_client.get("/admin/")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_healthz_checks_the_database(client, codes):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
