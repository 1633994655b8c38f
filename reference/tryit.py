"""``/try/<code>/``: a real response with that status, for curl and for browsers.

Any method is answered (the endpoint changes nothing, so it is exempt from
CSRF), nothing is slow, and nothing is stored: ``Cache-Control: no-store``.
A WSGI application sends exactly one final response, so an interim (1xx) code
cannot be sent from here; those answer 200 with the reason instead.
"""

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from . import catalogue
from .conditional import json_error, no_store

# Headers that the status code requires, or that make it meaningful.
REQUIRED_HEADERS = {
    401: {"WWW-Authenticate": 'Basic realm="try-it"'},
    # Every method gets the 405 here, so the resource allows none (RFC 9110 §10.2.1).
    405: {"Allow": ""},
    416: {"Content-Range": "bytes */0"},
    429: {"Retry-After": "60"},
    503: {"Retry-After": "60"},
}
NO_CONTENT = {204, 205, 304}
# A 407 needs Proxy-Authenticate, but WSGI treats it as hop-by-hop (RFC 2616's
# list): gunicorn drops it and wsgiref refuses the response. Say so instead.
PROXY_AUTH_NOTE = (
    "A real proxy sends “Proxy-Authenticate: Basic realm=…” with a 407. WSGI servers "
    "treat that header as hop-by-hop and drop it, so this try-it response cannot carry it."
)

INTERIM_REASONS = {
    100: (
        "100 Continue is an interim response: the server itself sends it when a request "
        "carries “Expect: 100-continue”, before the application reads the body. "
        "A web application cannot send it as its answer; this one is a plain 200."
    ),
    101: (
        "101 Switching Protocols hands the connection over to another protocol "
        "(such as WebSocket) after an Upgrade request. A WSGI application returns one "
        "HTTP response and cannot take over the connection."
    ),
}
INTERIM_DEFAULT = (
    "{code} {phrase} is an interim (1xx) response, sent before the final one. "
    "A WSGI application returns exactly one final response, so it cannot send it; "
    "this answer is a plain 200 instead."
)


def _reason(phrase):
    # The status line must be Latin-1; our phrases are ASCII, but never fail on it.
    return phrase.encode("ascii", "ignore").decode() or None


def _finish(response):
    response["X-Robots-Tag"] = "noindex"
    return no_store(response)


@csrf_exempt
def not_a_code(request, segment):
    """Unknown, non-canonical (0404) or not a number: a JSON 404 whatever the method."""
    message = (
        f"“{segment[:10]}” is not a status code this site knows, so there is "
        "nothing to try. Codes are three digits; see /api/codes/ for the list."
    )
    return _finish(json_error(404, "Not Found", message))


@csrf_exempt
def try_code(request, code: int):
    """Answer with status ``code`` and its required headers, whatever the method."""
    entry = catalogue.current().by_code.get(code)
    if entry is None or request.path != reverse("reference:try", kwargs={"code": entry.code}):
        return not_a_code(request, request.path.rstrip("/").rsplit("/", 1)[-1])
    page_url = request.build_absolute_uri(entry.get_absolute_url())
    body = {"code": entry.code, "phrase": entry.phrase, "url": page_url}
    if entry.code < 200:
        reason = INTERIM_REASONS.get(entry.code) or INTERIM_DEFAULT.format(
            code=entry.code, phrase=entry.phrase
        )
        response = JsonResponse({**body, "sent": 200, "explanation": reason})
    elif entry.code in NO_CONTENT:
        response = HttpResponse(status=entry.code, reason=_reason(entry.phrase))
        del response["Content-Type"]
    else:
        if entry.code == 407:
            body["note"] = PROXY_AUTH_NOTE
        response = JsonResponse(body, status=entry.code, reason=_reason(entry.phrase))
    if 300 <= entry.code < 400 and entry.code != 304:  # a 304 is not a redirect
        # Always our own page for the code: a relative URL cannot leave the site.
        response["Location"] = entry.get_absolute_url()
    for name, value in REQUIRED_HEADERS.get(entry.code, {}).items():
        response[name] = value
    return _finish(response)
