"""What readers could not find, counted for the editors, and turned into keywords in one step."""

import pytest
from django.urls import reverse

from reference.models import SearchMiss, StatusCode

pytestmark = pytest.mark.django_db

SETTLED = "/searches/settled"


def counts():
    return {m.query: (m.no_results, m.refined) for m in SearchMiss.objects.all()}


def test_a_page_searched_for_nothing_it_finds_is_counted_once_per_load(client, codes):
    client.get("/", {"q": "Xyzzy  PLUGH"})
    client.get("/", {"q": "xyzzy plugh"})
    client.get("/", {"q": "timeout"})  # found: not a miss
    client.get("/", {"q": "x" * 201})  # too long: a 400 that says so
    assert counts() == {"xyzzy plugh": (2, 0)}


def test_live_search_keystrokes_are_not_counted_only_settled_searches(client, codes):
    client.get("/", {"q": "xyzz"}, headers={"HX-Request": "true"})
    assert counts() == {}
    response = client.post(SETTLED, {"q": "xyzzy", "before": "timeout"})
    assert response.status_code == 204
    assert response["Cache-Control"] == "no-store" and not response.cookies
    assert counts() == {"xyzzy": (1, 0), "timeout": (0, 1)}  # rephrased after "timeout"
    client.post(SETTLED, {"q": "gateway timeout", "before": "gateway timeout"})
    assert counts() == {"xyzzy": (1, 0), "timeout": (0, 1)}  # the same search again


def test_nothing_is_kept_of_who_searched(client, codes):
    client.post(SETTLED, {"q": "xyzzy"}, REMOTE_ADDR="203.0.113.9", HTTP_COOKIE="sessionid=abc")
    (row,) = SearchMiss.objects.all()
    kept = {field.name for field in SearchMiss._meta.fields}
    assert kept == {"id", "query", "no_results", "refined", "first_seen", "last_seen"}
    assert "203.0.113.9" not in str(vars(row))


def test_the_list_is_bounded(client, codes, settings):
    settings.SEARCH_LOG_MAX = 3
    client.post(SETTLED, {"q": "xqzvk"})
    client.post(SETTLED, {"q": "xqzvk"})  # seen twice: kept
    for word in ("xqzvb", "xqzvc", "xqzvd", "xqzvf"):
        client.post(SETTLED, {"q": word})
    assert SearchMiss.objects.count() == 3
    assert counts()["xqzvk"] == (2, 0) and "xqzvf" in counts()


def test_off_with_a_setting(client, codes, settings):
    settings.SEARCH_LOG = False
    client.get("/", {"q": "xyzzy"})
    client.post(SETTLED, {"q": "xyzzy", "before": "timeout"})
    assert counts() == {}


def test_only_post_and_any_input_is_a_204(client, codes):
    assert client.get(SETTLED).status_code == 405
    for data in ({}, {"q": "\x00" * 5000}, {"q": "ß" * 300, "before": "<script>"}):
        assert client.post(SETTLED, data).status_code == 204


def test_an_editor_turns_a_miss_into_a_keyword_in_one_step(client, editor_client, codes):
    client.get("/", {"q": "flibbertigibbet"})
    changelist = reverse("admin:reference_searchmiss_changelist")
    page = editor_client.get(changelist).content.decode()
    assert "flibbertigibbet" in page and "Add as a keyword" in page
    miss = SearchMiss.objects.get(query="flibbertigibbet")
    url = reverse("admin:reference_searchmiss_keyword", args=[miss.pk])
    assert editor_client.get(url).status_code == 200

    response = editor_client.post(url, {"code": "404"}, follow=True)

    assert "is now a keyword of" in response.content.decode()
    assert "flibbertigibbet" in StatusCode.objects.get(code=404).keyword_list
    assert not SearchMiss.objects.exists()
    found = client.get("/api/codes/", {"q": "flibbertigibbet"}).json()["results"]
    assert found[0]["code"] == 404
    latest = StatusCode.history.filter(code=404).latest("history_date")
    assert latest.history_user is not None  # who added it


def test_a_keyword_past_the_limit_is_a_form_error_and_the_query_stays(client, editor_client, codes):
    entry = StatusCode.objects.get(code=404)
    entry.keywords = ", ".join(f"padding{n}" for n in range(100))[:995]
    entry.save()
    client.get("/", {"q": "flibbertigibbet"})
    url = reverse("admin:reference_searchmiss_keyword", args=[SearchMiss.objects.get().pk])
    response = editor_client.post(url, {"code": "404"})
    assert response.status_code == 200
    assert "at most 1000 characters" in response.content.decode().replace(",", "").lower()
    assert "flibbertigibbet" not in StatusCode.objects.get(code=404).keywords
    assert SearchMiss.objects.exists()
