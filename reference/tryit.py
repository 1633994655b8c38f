"""``/try/<code>/``: a real response with that status, for curl and for browsers.

Any method is answered (the endpoint changes nothing, so it is exempt from
CSRF), nothing is slow, and nothing is stored: ``Cache-Control: no-store``.
A WSGI application sends exactly one final response, so an interim (1xx) code
cannot be sent from here; those answer 200 with the reason instead. What each
code needs (content or none, its header fields) comes from ``protocol``.
"""

from wsgiref.util import is_hop_by_hop

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from . import catalogue, protocol
from .api import json_error
from .decorators import no_store

# A WSGI server will not pass a hop-by-hop field (Proxy-Authenticate for 407,
# Upgrade for 426, Connection: close for 408): PEP 3333 forbids them, wsgiref
# refuses the response and Gunicorn drops them. Say so instead.
HOP_BY_HOP_NOTE = (
    "A real server sends “{fields}” with a {code}. WSGI servers treat {them} as "
    "hop-by-hop and drop {them}, so this try-it response cannot carry {them}."
)
OUTSIDE_THE_RANGE = (
    "RFC 9110 allows only 100–599, and so does Django, which this server runs on: it "
    "cannot send {code}. Some servers send it anyway. This answer is a plain 200 instead."
)
NO_STATUS = (
    "0 is not a status code a server can send: clients report it when no response "
    "arrived at all. This answer is a plain 200 instead."
)


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
    if entry.not_sent_reason:
        body["not_sent_reason"] = entry.not_sent_reason  # served anyway, but said so
    if not protocol.is_final(entry.code):
        if entry.code < 100:
            explanation = NO_STATUS
        elif entry.code > 599:
            explanation = OUTSIDE_THE_RANGE.format(code=entry.code)
        else:
            explanation = protocol.interim_note(entry.code, entry.display_name)
            explanation += " This answer is a plain 200 instead."
        return _finish(JsonResponse({**body, "sent": 200, "explanation": explanation}))
    dropped = [
        f"{name}: {value}"
        for name, value in protocol.required_headers(entry.code, request.method)
        if is_hop_by_hop(name)
    ]
    if dropped:
        them = "it" if len(dropped) == 1 else "them"
        fields = "” and “".join(dropped)
        body["note"] = HOP_BY_HOP_NOTE.format(fields=fields, code=entry.code, them=them)
    reason = protocol.wire_reason(entry.display_name)
    if protocol.has_content(entry.code):
        response = JsonResponse(body, status=entry.code, reason=reason)
    else:
        response = HttpResponse(status=entry.code, reason=reason)
        del response["Content-Type"]
    for name, value in _headers(entry, request.method, len(response.content)):
        if not is_hop_by_hop(name):
            response[name] = value
    return _finish(response)


def _headers(entry, method, content_length):
    """The header fields ``entry.code`` needs, fitting this request and this content.

    A 405's Allow leaves out the method it refused, a 206's Content-Range covers
    the content sent, and a Location is the code's own page on this site.
    """
    pairs = protocol.required_headers(entry.code, method, content_length=content_length)
    # Always our own page for the code: a relative URL cannot leave the site.
    return [
        (name, entry.get_absolute_url() if name == "Location" else value) for name, value in pairs
    ]


def describe(entry):
    """What try-it answers to a GET for ``entry``, for the code page to tell the reader."""
    pairs = _headers(entry, "GET", None)
    return {
        "final": protocol.is_final(entry.code),
        "has_content": protocol.has_content(entry.code),
        # A 206's Content-Range depends on the content sent: name it, no value.
        "headers": [
            (name, None if entry.code == 206 and name == "Content-Range" else value)
            for name, value in pairs
            if not is_hop_by_hop(name)
        ],
        "dropped": [name for name, _ in pairs if is_hop_by_hop(name)],
        "allow_after_post": ", ".join(protocol.allowed_methods("POST")),
    }
