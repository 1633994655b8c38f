"""What readers searched for and did not find: the list editors improve the ranking from.

Counted per normalised query (the words as search reads them), and nothing else:
no address, no cookie, no user, no time of a single search. A search counts when
it has settled: a page loaded with ``?q=`` (a link, a bookmark, the form without
JavaScript), or a live search the reader stopped typing (site.js reports it, with
the search settled just before it when that was seconds ago: a rephrasing).
At most ``SEARCH_LOG_MAX`` queries are kept; off with ``DJANGO_SEARCH_LOG=0``.
"""

import contextlib

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import catalogue, search
from .models import SearchMiss


def normalise(text):
    """The query as search reads it: folded words, one space apart ("" for none)."""
    return " ".join(search._words(text))[: search.MAX_QUERY_LENGTH]


def finds_nothing(text, request):
    try:
        query = search.parse({"q": text})
    except search.QueryTooLong:
        return False  # answered with a 400 that says so: not a miss
    return bool(query.text) and not catalogue.for_request(request).index.search(query)


def count(query, field):
    """Add one to ``field`` ("no_results" or "refined") of ``query``'s row."""
    now = timezone.now()
    add_one = {field: F(field) + 1, "last_seen": now}
    try:
        with transaction.atomic():
            if SearchMiss.objects.filter(query=query).update(**add_one):
                return
            if SearchMiss.objects.count() >= settings.SEARCH_LOG_MAX:
                # Full: the query seen least (and longest ago) makes room.
                least = SearchMiss.objects.order_by("no_results", "refined", "last_seen").first()
                least.delete()
            SearchMiss.objects.create(query=query, **{field: 1}, first_seen=now, last_seen=now)
    except IntegrityError:  # the same new query, counted at the same moment by another worker
        with contextlib.suppress(DatabaseError):
            SearchMiss.objects.filter(query=query).update(**add_one)
    except DatabaseError:  # never fails a reader's page: this is only a tally
        pass


def record(request, text, before=""):
    """One settled search ``text``; ``before``, the one the reader settled just before."""
    if not settings.SEARCH_LOG:
        return
    query, previous = normalise(text), normalise(before)
    try:
        if query and finds_nothing(text, request):
            count(query, "no_results")
    except DatabaseError:  # no data to search (an outage): nothing to tell
        pass
    if previous and query and previous != query:
        count(previous, "refined")


@csrf_exempt  # nothing of the reader's is read or kept: a cookie-less tally, like a counter
@require_POST
def settled(request: HttpRequest) -> HttpResponse:
    """site.js reports a live search that settled: ``q``, and ``before`` if seconds ago."""
    record(request, request.POST.get("q", "")[:1000], request.POST.get("before", "")[:1000])
    return HttpResponse(status=204, headers={"Cache-Control": "no-store"})


def page_searches(get_response):
    """Counts a page loaded with ``?q=``: a settled search made without live search."""

    def middleware(request):
        response = get_response(request)
        if (
            request.method == "GET"
            and request.path == "/"
            and "q" in request.GET
            and not getattr(request, "htmx", False)
            and response.status_code == 200
        ):
            record(request, request.GET["q"])
        return response

    return middleware
