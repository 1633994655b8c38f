"""The production URLs plus one view for the benchmark: the framework floor.

``/__floor__/`` answers with exactly the bytes of the reference page ``/``,
rendered and gzip-compressed once on first call and then kept in memory, and
negotiates gzip exactly as the pages do (reference.middleware.accepts_gzip),
so a page and the floor do the same compression work: none per request. It
goes through the same gunicorn worker and the same middleware (security
headers, sessions, CSRF, CSP, htmx, axes) as the real page but does no work of
its own: no database query, no cache lookup, no search, no template. Its
requests per second are the most any Django page of this size can reach on
this machine and configuration; scripts/bench.py reports every page as a
ratio to it, identity against identity and gzip against gzip.
"""

import gzip

from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils.cache import patch_vary_headers

from reference.middleware import accepts_gzip
from statuscodes.urls import handler404
from statuscodes.urls import urlpatterns as production_urlpatterns

_floor = None


def floor(request):
    """The bytes of ``/``, rendered once through the full stack, then served from memory."""
    global _floor
    if _floor is None:
        # The Host and port this request came with (a port that differs is a 421).
        response = Client().get(
            "/", headers={"host": request.get_host()}, SERVER_PORT=request.META["SERVER_PORT"]
        )
        if response.status_code != 200:
            raise RuntimeError(f"rendering / for the floor answered {response.status_code}")
        _floor = (response.content, gzip.compress(response.content, compresslevel=6, mtime=0))
    plain, compressed = _floor
    if accepts_gzip(request):
        response = HttpResponse(compressed, content_type="text/html; charset=utf-8")
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(plain, content_type="text/html; charset=utf-8")
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


urlpatterns = [
    path("__floor__/", floor),
    *production_urlpatterns,
]

__all__ = ["handler404", "urlpatterns"]
