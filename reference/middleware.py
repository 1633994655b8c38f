"""Site-wide response policies Django has no setting for."""

import logging

from django.db import DatabaseError
from django.http import HttpResponse
from django.template.loader import render_to_string

from .conditional import json_error

logger = logging.getLogger(__name__)


def cross_origin_resource_policy(get_response):
    """Our pages and files are for our own origin (the JSON API opens itself with CORS)."""

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response

    return middleware


class DatabaseUnavailable:
    """A database outage is a friendly 503 that clears by itself, not a traceback.

    Django reconnects on the next request (CONN_HEALTH_CHECKS), so the site
    recovers as soon as the database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DatabaseError):
            return None
        logger.error("Database unavailable: %s", exception)
        if request.path.startswith("/api/"):
            response = json_error(
                503,
                "Service Unavailable",
                "The database is not answering; try again in 30 seconds.",
            )
        else:
            response = HttpResponse(render_to_string("503.html", request=request), status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
