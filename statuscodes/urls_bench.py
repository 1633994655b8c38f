"""The production URLs plus one view for the benchmark: the framework floor.

``/__floor__/`` answers with exactly the bytes of the reference page ``/``,
rendered once on first call and then kept in memory. It goes through the same
gunicorn worker and the same middleware (security headers, GZip, sessions,
CSRF, CSP, htmx, axes) as the real page but does no work of its own: no
database query, no cache lookup, no search, no template. Its requests per
second are therefore the most any Django page of this size can reach on this
machine and configuration, and scripts/bench.py reports every real page as a
ratio to it.

It lives only in this URLconf, used by statuscodes.settings_bench, so it never
exists in production.
"""

from django.http import HttpResponse
from django.test import Client
from django.urls import path

from .urls import handler404
from .urls import urlpatterns as production_urlpatterns

_floor_body = None


def floor(request):
    """The bytes of ``/``, rendered once through the full stack, then served from memory."""
    global _floor_body
    if _floor_body is None:
        # No Accept-Encoding: keep the plain HTML; GZipMiddleware compresses the
        # floor's response per request exactly as it does the real page's.
        response = Client().get("/", headers={"host": request.get_host()})
        if response.status_code != 200:
            raise RuntimeError(f"rendering / for the floor answered {response.status_code}")
        _floor_body = response.content
    return HttpResponse(_floor_body, content_type="text/html; charset=utf-8")


urlpatterns = [
    path("__floor__/", floor),
    *production_urlpatterns,
]

__all__ = ["handler404", "urlpatterns"]
