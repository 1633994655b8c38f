"""``public``: how every public view answers, the way Django's own view decorators do.

Pages, the JSON API, the sitemap, robots.txt, /healthz and try-it use it: 405
with ``Allow`` for every other method (JSON on the API), ``OPTIONS`` and CORS
preflights answered on the API, validators (a weak ETag naming the data
version and the representation, Last-Modified from the last edit),
``Cache-Control`` with the CDN directives from settings, ``Vary``, and CORS
headers on the API. Editors' pages are ``private, no-store``; during a
database outage (the catalogue's ``outage`` flag) nothing carries a validator
and nothing may be stored, here or in the page cache (reference.pagecache).
A conditional GET naming the current data ETag is answered 304 before the
view runs; every other 304 comes from ``middleware.NotModifiedMiddleware``.
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt

from . import catalogue

SAFE_METHODS = ("GET", "HEAD")
ALLOW = "GET, HEAD"
# The API also answers OPTIONS: browsers preflight cross-origin revalidations.
API_ALLOW = "GET, HEAD, OPTIONS"
# What a page's representation depends on besides the URL.
PAGE_VARY = ("Accept-Encoding", "HX-Request", "HX-History-Restore-Request")
# Request headers a cross-origin script may send to the API (revalidation).
CORS_REQUEST_HEADERS = "If-None-Match, If-Modified-Since"


# -- Who is asking ---------------------------------------------------------


def is_editor(request: HttpRequest) -> bool:
    # Only look at the session when there is one, so anonymous pages stay shareable.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    try:
        return request.user.is_active and request.user.is_staff
    except DatabaseError:  # sessions live in the database: in an outage, read as anyone
        return False


def wants_partial(request: HttpRequest) -> bool:
    """An htmx swap gets the partial; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


# -- Cache-Control ---------------------------------------------------------


def cache_control_public() -> str:
    """What browsers, proxies and CDNs may do with a public response (settings, README)."""
    # No "public": it only matters for responses to requests with Authorization.
    return (
        f"max-age={settings.PAGE_MAX_AGE}, s-maxage={settings.CDN_S_MAXAGE}, "
        f"stale-while-revalidate={settings.CDN_STALE_WHILE_REVALIDATE}, "
        f"stale-if-error={settings.CDN_STALE_IF_ERROR}"
    )


def no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def in_outage(request):
    return catalogue.for_request(request).outage


# -- The decorator ---------------------------------------------------------


def _data_validators(request, response, variant=None):
    current = catalogue.for_request(request)
    variant = variant or ("hx" if wants_partial(request) else "full")
    # The URL is part of it, so a tag is only ever valid for the URL that sent it
    # (see _early_not_modified). Weak: the gzip and identity encodings share it.
    url = hashlib.blake2s(request.get_full_path().encode(), digest_size=6).hexdigest()
    return f'W/"{current.etag}-{variant}-{url}"', current.last_modified_http


def _text_validators(request, response):
    """The terminal's plain text (reference.terminal): a tag of its own, so a text
    ETag never validates the page of the same URL, nor the page's the text."""
    return _data_validators(request, response, "text")


def _early_not_modified(request, make_validators):
    """A 304 without running the view, when If-None-Match names the current data ETag.

    That ETag names the data version and the URL, and only 2xx responses carry
    one, so a client holding it got a 2xx for this URL from this very data: the
    view would answer the same. Only an exact tag counts: ``*`` and
    If-Modified-Since alone also match URLs that answer 400 or 404, so those go
    through the view (and NotModifiedMiddleware).
    """
    header = request.META.get("HTTP_IF_NONE_MATCH")
    if not header or is_editor(request) or in_outage(request):
        return None
    etag, last_modified = make_validators(request, None)
    if etag.removeprefix("W/") not in {tag.removeprefix("W/") for tag in parse_etags(header)}:
        return None
    response = HttpResponseNotModified()
    response["ETag"] = etag
    if last_modified:
        response["Last-Modified"] = last_modified
    return response


def _content_validators(request, response):
    digest = hashlib.blake2s(response.content, digest_size=8).hexdigest()
    return f'W/"{digest}"', None


VALIDATORS = {
    "data": _data_validators,
    "text": _text_validators,
    "content": _content_validators,
    None: None,
}


def _not_allowed(request, api):
    if api:
        from .api import json_error  # the API's module uses this one

        response = json_error(
            405,
            "Method Not Allowed",
            f"This API is read-only: {request.method[:20]} is not allowed. Use GET (or HEAD).",
        )
    else:
        response = HttpResponse(
            f"{request.method[:20]} is not allowed here: this URL is read-only.\n",
            status=405,
            content_type="text/plain; charset=utf-8",
        )
    response["Allow"] = API_ALLOW if api else ALLOW
    return response


def _options(request):
    response = HttpResponse(b"")  # 200, not 204: CommonMiddleware adds Content-Length
    del response["Content-Type"]
    response["Allow"] = API_ALLOW
    if "Access-Control-Request-Method" in request.headers:  # a CORS preflight
        response["Access-Control-Allow-Methods"] = "GET, HEAD"
        response["Access-Control-Allow-Headers"] = CORS_REQUEST_HEADERS
        response["Access-Control-Max-Age"] = str(settings.CORS_MAX_AGE)
    return response


def public(view=None, *, validators="data", api=False, vary=PAGE_VARY, cache=True):
    """GET/HEAD on a public URL (and OPTIONS on the API); 405 with Allow for anything else.

    ``validators``: ``"data"`` (the data version, for anything built from the
    codes; ``"text"`` the same for the terminal's plain text, reference.terminal),
    ``"content"`` (a hash of the body, for what does not depend on them) or ``None``.
    ``api``: JSON 405s, CORS. ``cache=False``: ``no-store`` (health checks).
    CSRF-exempt because every unsafe method is refused anyway: a POST should
    learn that from a 405 and its Allow header, not a CSRF 403.
    """
    if view is None:
        return lambda view: public(view, validators=validators, api=api, vary=vary, cache=cache)
    make_validators = VALIDATORS[validators]

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS" and api:
            response = _options(request)
        elif request.method not in SAFE_METHODS:
            response = _not_allowed(request, api)
        else:
            response = None
            if make_validators in (_data_validators, _text_validators):
                response = _early_not_modified(request, make_validators)
            if response is None:
                response = view(request, *args, **kwargs)
            response = finish(request, response, make_validators, vary=vary, cache=cache)
        if api:
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = "ETag, Last-Modified"
            # The site's default is same-origin; the API is for everyone.
            response["Cross-Origin-Resource-Policy"] = "cross-origin"
        return response

    return csrf_exempt(wrapper)


def finish(request, response, make_validators=None, *, vary=PAGE_VARY, cache=True):
    """Vary, Cache-Control and validators on a public GET/HEAD response."""
    if vary:
        patch_vary_headers(response, vary)
    if not cache:
        no_store(response)
    elif is_editor(request):
        patch_cache_control(response, private=True, no_store=True)
    elif in_outage(request):
        # The last data loaded, served while the database is down: nobody may
        # keep it as current, so no validator and nothing stored.
        for header in ("ETag", "Last-Modified"):
            del response[header]
        no_store(response)
    else:
        response["Cache-Control"] = cache_control_public()
        if make_validators and 200 <= response.status_code < 300:
            etag, last_modified = make_validators(request, response)
            response["ETag"] = etag
            if last_modified:
                response["Last-Modified"] = last_modified
    return response
