"""Search semantics and ranking, on the real data set."""

import pytest

from reference import catalogue, search

pytestmark = pytest.mark.django_db


def find(text, class_slug=""):
    query = search.parse({"q": text, "class": class_slug})
    return [entry.code for entry in search.search(catalogue.current().codes, query)]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        ("404", 404),
        ("NOT FOUND", 404),
        ("notfound", 404),  # typed without the space
        ("teapot", 418),  # a former name
        ("payload too large", 413),  # a former name
        ("unprocessable entity", 422),
        ("rate limit", 429),  # a curated keyword, ranked over body text
        ("throttle", 429),
        ("unauthorised", 401),  # British spelling
        ("forbiden", 403),  # a typo
        ("gatway timout", 504),  # two typos
        ("bad gateway", 502),
        ("timeout", 408),  # phrase matches, registered codes first
        ("websocket", 101),
        ("legal", 451),
        ("server error", 500),
    ],
)
def test_the_expected_code_ranks_first(codes, text, first):
    assert find(text)[0] == first


def test_a_number_matches_codes_exactly_or_by_prefix(codes):
    assert find("404") == [404]
    assert find("40") == list(range(400, 410))
    assert all(500 <= code < 600 for code in find("5"))
    assert len(find("5")) == codes.filter(code__gte=500).count()


def test_class_token_means_the_class(codes):
    assert find("4xx") == list(
        codes.filter(code__gte=400, code__lt=500).values_list("code", flat=True)
    )


def test_every_word_must_match(codes):
    both = find("gateway timeout")
    assert 504 in both and 502 not in both


def test_exact_code_beats_text_that_mentions_it(codes):
    assert find("301")[0] == 301


def test_phrase_beats_keyword_beats_body(codes):
    results = find("redirect")
    assert results.index(307) < results.index(301)  # phrase "Temporary Redirect" vs keyword
    assert results.index(301) < results.index(201)  # keyword vs body text


def test_class_filter_combines_with_text(codes):
    assert find("timeout", "5xx")[0] == 504
    assert all(500 <= code < 600 for code in find("timeout", "5xx"))


def test_empty_query_shows_everything_in_code_order(codes):
    assert find("") == sorted(codes.values_list("code", flat=True))


def test_nonsense_finds_nothing(codes):
    assert find("qwertyuiopasdf") == []


@pytest.mark.parametrize("bad", ["9xx", "client", "<script>", "4XX "])
def test_unknown_class_is_ignored_with_a_note(bad):
    query = search.parse({"class": bad})
    if bad.strip().lower() == "4xx":
        assert query.class_slug == "4xx" and not query.notes
    else:
        assert query.class_slug == "" and "is not a class" in query.notes[0]


def test_query_is_normalised_and_bounded():
    assert search.parse({"q": "  gateway \x00  timeout "}).text == "gateway timeout"
    with pytest.raises(search.QueryTooLong, match="limit is 200"):
        search.parse({"q": "a" * 201})
