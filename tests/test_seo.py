"""What search engines and link previews see: sitemap, robots.txt, meta tags."""

import re

import pytest

from reference.models import StatusCode

pytestmark = pytest.mark.django_db


def locations(response):
    return re.findall(r"<loc>([^<]+)</loc>", response.content.decode())


def test_sitemap_lists_the_reference_and_exactly_the_public_codes(client, codes):
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    urls = locations(response)
    assert urls[0] == "http://testserver/"
    assert "http://testserver/compare/redirects/" in urls
    assert "http://testserver/vendors/cloudflare/" in urls
    code_urls = [url for url in urls if re.fullmatch(r"http://testserver/\d+/", url)]
    expected = [
        f"http://testserver/{c}/" for c in StatusCode.objects.values_list("code", flat=True)
    ]
    assert sorted(code_urls) == sorted(expected)
    assert len(urls) == len(set(urls))


def test_sitemap_gives_each_code_its_last_modification(client, codes):
    html = client.get("/sitemap.xml").content.decode()
    entry = StatusCode.objects.get(code=404)
    assert (
        f"<loc>http://testserver/404/</loc><lastmod>{entry.updated.date().isoformat()}</lastmod>"
        in html.replace("\n", "").replace(" ", "")
    )


def test_sitemap_follows_the_data(client, codes):
    StatusCode.objects.filter(code=509).delete()
    assert "http://testserver/509/" not in locations(client.get("/sitemap.xml"))


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out(client, codes, settings):
    response = client.get("/robots.txt")
    text = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "User-agent: *" in text
    assert settings.ADMIN_PATH not in text  # the admin's path is not advertised
    assert "Disallow: /try/\n" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_try_it_responses_are_not_indexed(client, codes):
    assert client.get("/try/404/")["X-Robots-Tag"] == "noindex"


def test_code_page_has_title_description_canonical_and_open_graph(client, codes):
    html = client.get("/404/").content.decode()
    entry = StatusCode.objects.get(code=404)
    assert "<title>404 Not Found — HTTP status code</title>" in html
    assert f'<meta name="description" content="404 Not Found: {entry.summary}">' in html
    assert '<link rel="canonical" href="http://testserver/404/">' in html
    assert '<meta property="og:title" content="404 Not Found — HTTP status code">' in html
    assert f'<meta property="og:description" content="404 Not Found: {entry.summary}">' in html
    assert '<meta property="og:url" content="http://testserver/404/">' in html
    assert '<meta property="og:type" content="website">' in html


def test_open_graph_url_follows_the_scheme(client, codes):
    html = client.get("/404/", secure=True).content.decode()
    assert '<meta property="og:url" content="https://testserver/404/">' in html


@pytest.mark.parametrize("section", ["try-it", "snippets"])
def test_new_sections_have_self_linking_anchors(client, codes, section):
    html = client.get("/404/").content.decode()
    assert f'<h2 id="{section}"><a href="#{section}">' in html


def test_every_heading_anchor_on_a_code_page_is_unique(client, codes):
    html = client.get("/301/").content.decode()
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))


def test_favicon_ico_points_at_our_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".svg")
