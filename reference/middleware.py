"""Site-wide response policies Django has no setting for."""

import logging
import re

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


# Fields never echoed back on the 503 page: secrets, and the admin's bookkeeping.
_NOT_ECHOED = re.compile(r"password|csrfmiddlewaretoken|^_|-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$")


class DatabaseUnavailable:
    """A database outage is a 503 that tells the truth, not a traceback.

    Readers rarely get here: public pages are served from the last data loaded
    (catalogue.current). What does: a worker that never loaded data, the admin,
    and every write, whose change was NOT saved. That 503 says so, and shows the
    text that was sent so it can be copied back. Django reconnects on the next
    request (CONN_HEALTH_CHECKS), so the site recovers as soon as the database is back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DatabaseError):
            return None
        logger.error("Database unavailable: %s %s: %s", request.method, request.path, exception)
        write = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE")
        if request.path.startswith("/api/"):
            response = json_error(
                503,
                "Service Unavailable",
                "The database is not answering; try again in 30 seconds.",
            )
        else:
            sent = []
            if write:
                sent = [
                    (name, value)
                    for name, values in request.POST.lists()
                    if not _NOT_ECHOED.search(name)
                    for value in values
                    if value.strip()
                ]
            context = {"write": write, "sent": sent}
            response = HttpResponse(render_to_string("503.html", context, request), status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
