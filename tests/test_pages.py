"""The reader's pages: URLs, query parameters, partial vs full, 404s, HTTP."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from reference.models import StatusCode

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def codes_on(response):
    return [int(n) for n in re.findall(r'class="num">(\d+)<', response.content.decode())]


def test_reference_lists_every_code_grouped_by_class(client, codes):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    # 1xx to 5xx in order, then code 0 ("no status"), which belongs to no class.
    numbers = sorted(codes.values_list("code", flat=True))
    assert codes_on(response) == numbers[1:] + [0]
    for heading in ("1xx", "2xx", "3xx", "4xx", "5xx"):
        assert f'id="class-{heading}"' in html
        assert f'href="#class-{heading}"' in html  # the jump links
    assert "Use case:" not in html  # the dense list; use cases are in the detailed view
    assert 'href="/?view=detailed"' in html


def test_detailed_view_shows_use_cases_and_is_kept_by_the_links(client, codes):
    response = client.get("/", {"view": "detailed", "q": "timeout"})
    html = response.content.decode()
    assert "Use case:" in html
    assert 'id="view-input" name="view" value="detailed">' in html  # the search keeps it
    assert 'href="/?q=timeout&amp;class=5xx&amp;view=detailed"' in html  # so do the chips
    compact = html.split(">Compact list</a>")[0].rsplit("<a ", 1)[1]
    assert 'href="/?q=timeout"' in compact and 'data-hx-get="/?q=timeout"' in compact


def test_each_index_link_keeps_what_it_does_not_switch(client, codes):
    """Text that needs encoding, a class and a view: every link keeps the other two."""
    html = client.get("/", {"q": "a&b c", "class": "4xx"}).content.decode()
    detailed = html.split(">Detailed list</a>")[0].rsplit("<a ", 1)[1]
    assert 'href="/?q=a%26b+c&amp;class=4xx&amp;view=detailed"' in detailed
    assert 'href="/?q=a%26b+c"' in html  # the "All" chip drops the class only
    assert 'href="/?q=a%26b+c&amp;class=5xx"' in html
    html = client.get("/", {"q": "a&b c", "class": "4xx", "view": "detailed"}).content.decode()
    compact = html.split(">Compact list</a>")[0].rsplit("<a ", 1)[1]
    assert 'href="/?q=a%26b+c&amp;class=4xx"' in compact
    assert 'href="/?q=a%26b+c&amp;view=detailed"' in html


def test_unknown_view_is_the_default_list(client, codes):
    html = client.get("/", {"view": "<b>"}).content.decode()
    assert "Use case:" not in html and "&lt;b&gt;" not in html


def test_decision_guide_leads_to_codes_and_comparisons(client, codes):
    html = client.get("/").content.decode()
    assert "I want to tell the client…" in html
    assert 'href="/422/"' in html and 'href="/compare/bad-input/"' in html


def test_header_and_heading_do_not_repeat(client, codes):
    html = client.get("/").content.decode()
    assert "<h1" in html and "HTTP Status Code Reference</h1>" not in html


def test_search_and_class_combine_in_a_shareable_url(client, codes):
    response = client.get("/", {"q": "timeout", "class": "5xx"})
    found = codes_on(response)
    assert found[0] == 504
    assert all(500 <= code < 600 for code in found)
    assert 408 not in found


def test_unknown_class_is_ignored_with_a_visible_note(client, codes):
    response = client.get("/", {"class": "9xx"})
    assert response.status_code == 200
    assert "is not a class of status codes, so it was ignored" in response.content.decode()
    assert len(codes_on(response)) == codes.count()


def test_htmx_request_gets_only_the_results_partial(client, codes):
    full = client.get("/", {"q": "gateway"})
    partial = client.get("/", {"q": "gateway"}, headers=HX)
    assert "<html" in full.content.decode()
    assert "<html" not in partial.content.decode()
    assert 'hx-swap-oob="innerHTML:#result-count"' in partial.content.decode()
    assert codes_on(partial) == codes_on(full)
    assert "HX-Request" in full["Vary"] and "HX-Request" in partial["Vary"]
    assert full["ETag"] != partial["ETag"]


def test_history_restore_gets_the_full_page(client, codes):
    headers = {**HX, "HX-History-Restore-Request": "true"}
    response = client.get("/", {"q": "gateway"}, headers=headers)
    assert "<html" in response.content.decode()


def test_no_results_offers_a_way_to_clear_the_filters(client, codes):
    response = client.get("/", {"q": "qwertyuiopasdf"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "No status code matches" in html
    assert "clear the search and filters" in html


def test_too_long_query_is_a_clear_400(client, codes):
    response = client.get("/", {"q": "x" * 500})
    assert response.status_code == 400
    assert "the limit is 200" in response.content.decode()


def test_code_page_shows_everything_a_reader_needs(client, codes):
    response = client.get("/301/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>301 Moved Permanently — HTTP status code</title>" in html
    for text in (
        "3xx Redirection",
        "Official",
        "Example",
        "Headers that matter",
        "Location",
        "Related codes",
        'href="/308/"',
        "Cacheable by default",
        "rfc9110#section-15.4.2",
        'rel="prev" href="/300/"',
        'rel="next" href="/302/"',
        "Copy",
    ):
        assert text in html, text


def test_unofficial_code_page_names_its_origin(client, codes):
    html = client.get("/499/").content.decode()
    assert "Unofficial · nginx" in html


def test_result_links_carry_no_query(client, codes):
    html = client.get("/", {"q": "timeout", "class": "5xx"}).content.decode()
    assert 'href="/504/"' in html
    assert "/504/?" not in html


def test_code_page_is_the_same_whatever_the_query(client, codes):
    plain = client.get("/504/").content
    assert client.get("/504/", {"q": "timeout", "class": "5xx"}).content == plain
    assert b"data-back-to-search" in plain  # site.js offers the way back to a search


def test_common_name_comes_first_and_the_registry_phrase_stays(client, codes):
    entry = StatusCode.objects.get(code=418)
    entry.common_name = "I'm a teapot"
    entry.save()
    page = client.get("/418/").content.decode()
    assert "<title>418 I&#x27;m a teapot — HTTP status code</title>" in page
    assert '<span class="phrase">I&#x27;m a teapot</span></h1>' in page
    assert "lists 418 as <strong>(Unused)</strong>" in page  # said once, with the registry's link
    assert "Also known as" not in page  # its only other name is the heading's
    listing = client.get("/").content.decode()
    assert '<span class="phrase">I&#x27;m a teapot</span>' in listing
    assert "IANA: (Unused)" in listing
    assert '<span class="phrase">Not Found</span></h1>' in client.get("/404/").content.decode()


def test_code_page_links_to_its_comparisons(client, codes):
    html = client.get("/308/").content.decode()
    assert 'href="/compare/redirects/">Compare 308 with 301, 302, 303, 307</a>' in html


def test_code_without_slash_redirects(client, codes):
    response = client.get("/404")
    assert response.status_code == 301
    assert response["Location"] == "/404/"


@pytest.mark.parametrize("path", ["/299/", "/1000/", "/abc/", "/1/", "/404/extra/"])
def test_unknown_code_is_a_helpful_404(client, codes, path):
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 404
    assert "fittingly, a 404" in html
    assert 'role="search"' in html
    assert "ETag" not in response


def test_leading_zero_redirects_to_the_canonical_page(client, codes):
    response = client.get("/0404/")
    assert response.status_code == 301
    assert response["Location"] == "/404/"


def test_editor_sees_an_edit_link_and_a_private_page(editor_client, codes):
    html = editor_client.get("/404/").content.decode()
    assert reverse("admin:reference_statuscode_change", args=[404]) in html
    assert "no-store" in editor_client.get("/404/")["Cache-Control"]
    assert "Edit in admin" not in Client().get("/404/").content.decode()


def test_edit_is_visible_on_the_next_request(client, codes):
    assert "Gone for good" not in client.get("/410/").content.decode()
    entry = StatusCode.objects.get(code=410)
    entry.summary = "Gone for good."
    entry.save()
    assert "Gone for good." in client.get("/410/").content.decode()
    assert "Gone for good." in client.get("/", {"q": "gone"}).content.decode()


def test_list_items_rendered_before_an_edit_are_never_shown_after_it(client, codes):
    # List items are rendered once per loaded entry (reference_extras.list_items); a new
    # URL after the save misses the page cache, so only that memo could show old text.
    for params in ({}, {"q": "gone"}, {"q": "gone", "view": "detailed"}):
        assert "Gone for good" not in client.get("/", params).content.decode()
    entry = StatusCode.objects.get(code=410)
    entry.summary = "Gone for good."
    entry.save()
    for params in ({"class": "4xx"}, {"q": "gone away"}, {"q": "gone away", "view": "detailed"}):
        assert "Gone for good." in client.get("/", params).content.decode()


def test_readers_see_no_operator_instructions_when_giscus_is_not_configured(client, codes):
    for path in ("/", "/404/"):
        html = client.get(path).content.decode()
        assert "GISCUS_REPO" not in html and "Comments" not in html
        assert 'class="giscus"' not in html


def test_editors_see_how_to_set_up_giscus(editor_client, codes):
    html = editor_client.get("/404/").content.decode()
    assert "Comments (editors only)" in html and "GISCUS_REPO_ID" in html


def test_giscus_thread_per_code_when_configured(client, codes, giscus_configured):
    html = client.get("/404/").content.decode()
    assert 'data-term="404 Not Found"' in html
    assert 'data-mapping="specific"' in html and 'data-loading="lazy"' in html
    assert 'data-theme="preferred_color_scheme"' in html
    assert 'data-term="Comments &amp; Feedback"' in client.get("/").content.decode()


def test_a_code_servers_send_outside_rfc_9110s_range_has_its_page(client, codes):
    html = client.get("/999/").content.decode()
    assert "RFC 9110 §15</a> allows only 100–599" in html
    assert "class-badge" not in html  # no class: 999 is not a 9xx anything
    listing = client.get("/").content.decode()
    assert 'id="class-beyond"' in listing and "Outside RFC 9110" in listing
    assert listing.index('id="class-5xx"') < listing.index('id="class-beyond"')
