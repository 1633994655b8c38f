""" "Which one should I use?": the comparison pages and their JSON, built from curated data."""

import pytest

from reference import compare
from reference.models import StatusCode

pytestmark = pytest.mark.django_db


def test_every_comparison_names_codes_the_data_set_has(codes):
    have = set(codes.values_list("code", flat=True))
    for comparison in compare.COMPARISONS:
        assert set(comparison.codes) <= have, comparison.slug
    for _want, numbers, slug in compare.DECISIONS:
        assert set(numbers) <= have
        assert slug is None or slug in compare.BY_SLUG


def test_index_lists_every_comparison(client, codes):
    response = client.get("/compare/")
    html = response.content.decode()
    assert response.status_code == 200
    for comparison in compare.COMPARISONS:
        assert f'href="/compare/{comparison.slug}/"' in html
        assert comparison.title in html
    assert "I want to tell the client…" in html and 'href="/compare/"' not in html.split("<main")[1]


def test_redirects_table_shows_the_curated_values(client, codes):
    StatusCode.objects.filter(code=307).update(
        permanent=False, keeps_method=True, browser_behaviour="Repeats the POST at the new URL."
    )
    StatusCode.objects.filter(code=301).update(permanent=True, keeps_method=None)
    StatusCode.objects.filter(code=302).update(browser_behaviour="")
    html = client.get("/compare/redirects/").content.decode()
    row_307 = html.split('href="/307/"')[1].split("</tr>")[0]
    assert row_307.count('class="flag no">No') == 2  # not permanent, not heuristically cacheable
    assert 'class="flag yes">Yes' in row_307  # keeps the method
    assert "Repeats the POST at the new URL." in row_307
    row_301 = html.split('href="/301/"')[1].split("</tr>")[0]
    assert 'class="flag na">—' in row_301  # keeps_method left empty
    for heading in ("Permanent?", "Method kept?", "Cacheable by default?", "What clients do"):
        assert heading in html


def test_unknown_comparison_is_a_404(client, codes):
    assert client.get("/compare/nope/").status_code == 404


def test_comparison_pages_are_conditional(client, codes):
    response = client.get("/compare/access/")
    assert response.status_code == 200 and response["ETag"]
    again = client.get("/compare/access/", headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert client.post("/compare/access/").status_code == 405


def test_api_lists_comparisons_with_their_rows(client, codes):
    StatusCode.objects.filter(code=503).update(safe_to_retry=True)
    data = client.get("/api/compare/").json()
    assert data["count"] == len(compare.COMPARISONS)
    errors = next(c for c in data["results"] if c["slug"] == "server-errors")
    assert [row["code"] for row in errors["codes"]] == [500, 502, 503, 504]
    row_503 = next(row for row in errors["codes"] if row["code"] == 503)
    assert row_503["safe_to_retry"] is True
    assert row_503["url"].endswith("/503/")
    assert {"field": "safe_to_retry"}.items() <= errors["columns"][1].items()


def test_api_one_comparison_and_a_json_404(client, codes):
    one = client.get("/api/compare/redirects/")
    assert one.status_code == 200 and one["Access-Control-Allow-Origin"] == "*"
    assert [row["code"] for row in one.json()["codes"]] == [301, 302, 303, 307, 308]
    missing = client.get("/api/compare/nope/")
    assert missing.status_code == 404
    assert "redirects" in missing.json()["valid_comparisons"]
    assert "ETag" not in missing
