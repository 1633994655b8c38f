"""Vendor pages, "Also used as…", sources on the code page, and the status 0 page."""

import json

import pytest
from django.contrib.auth.models import Group

from reference.apps import EDITORS_GROUP
from reference.models import StatusCode, Vendor

pytestmark = pytest.mark.django_db


def html(response):
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_vendor_index_lists_every_vendor_with_its_codes_and_meanings(client, codes):
    page = html(client.get("/vendors/"))
    for vendor in Vendor.objects.all():
        assert f'href="/vendors/{vendor.slug}/"' in page
    assert 'href="/524/"' in page
    assert "499 as “Token Required”" in " ".join(page.split())  # one phrase, over two lines


def test_vendor_page_states_the_vendor_facts_once_and_lists_its_codes(client, codes):
    page = html(client.get("/vendors/cloudflare/"))
    assert page.count("CF-RAY header") == 1
    for code in [520, 521, 522, 523, 524, 525, 526, 527, 530]:
        assert f'href="/{code}/"' in page
    assert 'href="https://developers.cloudflare.com/' in page


def test_each_vendor_code_links_to_its_vendor_page_without_repeating_it(client, codes):
    about = Vendor.objects.get(slug="cloudflare").about.split("\n\n")[1][:60]
    page = html(client.get("/522/"))
    assert 'href="/vendors/cloudflare/"' in page
    assert about not in page


def test_unknown_vendor_is_a_404_without_validators(client, codes):
    response = client.get("/vendors/no-such-vendor/")
    assert response.status_code == 404
    assert not response.has_header("ETag")


def test_vendor_page_is_conditional(client, codes):
    first = client.get("/vendors/nginx/")
    assert first.has_header("ETag")
    again = client.get("/vendors/nginx/", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304


def test_vendor_pages_cost_at_most_four_queries_cold(client, codes, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        client.get("/vendors/aws/")


def test_a_code_page_shows_its_other_meanings_with_sources(client, codes):
    page = html(client.get("/499/"))
    assert 'id="also-used-as"' in page
    assert "Token Required" in page
    assert 'href="/vendors/esri/"' in page
    assert 'href="https://developers.arcgis.com/' in page


def test_a_code_page_lists_its_sources_and_last_review(client, codes):
    page = html(client.get("/408/"))
    assert 'id="sources"' in page
    assert 'href="https://www.rfc-editor.org/rfc/rfc7231#section-6.5.7"' in page
    assert '<time datetime="2026-11-29">' in page


def test_an_editors_vendor_edit_is_visible_at_once(admin_client, client, codes):
    client.get("/vendors/nginx/")  # cached
    vendor = Vendor.objects.get(slug="nginx")
    response = admin_client.post(
        "/admin/reference/vendor/nginx/change/",
        {"name": vendor.name, "url": vendor.url, "about": "Rewritten by an editor."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Rewritten by an editor." in html(client.get("/vendors/nginx/"))


def test_meanings_are_curated_inline_on_the_code(admin_client, codes):
    page = admin_client.get("/admin/reference/statuscode/499/change/").content.decode()
    assert 'name="meanings-TOTAL_FORMS"' in page
    assert "Token Required" in page


def test_editors_may_curate_vendors_and_meanings():
    codenames = set(
        Group.objects.get(name=EDITORS_GROUP).permissions.values_list("codename", flat=True)
    )
    assert {"change_vendor", "add_meaning", "change_meaning", "delete_meaning"} <= codenames
    assert "delete_vendor" not in codenames and "delete_statuscode" not in codenames


def test_api_gives_vendor_meanings_sources_review_and_common_name(client, codes):
    data = json.loads(client.get("/api/codes/499/").content)
    assert data["vendor"]["name"] == "nginx"
    assert data["vendor"]["url"] == "http://testserver/vendors/nginx/"
    assert {"used_by": "Esri ArcGIS", "phrase": "Token Required"}.items() <= next(
        m for m in data["meanings"] if m["phrase"] == "Token Required"
    ).items()
    assert all(source["url"].startswith("https://") for source in data["sources"])
    assert data["reviewed"] == "2026-11-29"
    teapot = json.loads(client.get("/api/codes/418/").content)
    assert (teapot["phrase"], teapot["common_name"]) == ("(Unused)", "I'm a teapot")
    assert teapot["vendor"] is None and teapot["meanings"] == []


def test_openapi_describes_the_new_fields_and_allows_code_0(client):
    spec = json.loads(client.get("/api/openapi.json").content)
    schema = spec["components"]["schemas"]["StatusCode"]
    for field in ("meanings", "vendor", "sources", "reviewed", "common_name"):
        assert field in schema["properties"] and field in schema["required"], field
    assert schema["properties"]["code"]["minimum"] == 0
    parameter = spec["paths"]["/api/codes/{code}/"]["get"]["parameters"][0]
    assert parameter["schema"]["minimum"] == 0


# -- status 0 / 000 --------------------------------------------------------------------------


def test_status_0_has_a_page_and_000_redirects_to_it(client, codes):
    page = html(client.get("/0/"))
    assert "curl" in page and "CORS" in page
    response = client.get("/000/")
    assert (response.status_code, response["Location"]) == (301, "/0/")


def test_status_0_belongs_to_no_class():
    zero = StatusCode(code=0)
    assert (zero.class_digit, zero.class_slug, zero.class_name) == (0, "none", "No status")


def test_status_0_is_in_the_index_in_a_group_of_its_own(client, codes):
    page = html(client.get("/"))
    assert 'id="class-none"' in page
    assert 'href="/0/"' in page
    filtered = html(client.get("/", {"class": "4xx"}))
    assert 'href="/0/"' not in filtered


def test_status_0_is_in_the_api_and_the_sitemap(client, codes):
    data = json.loads(client.get("/api/codes/0/").content)
    assert (data["code"], data["class"], data["official"]) == (0, "none", False)
    assert client.get("/api/codes/000/").status_code == 301
    assert "http://testserver/0/" in client.get("/sitemap.xml").content.decode()
