"""How every public URL answers GET and HEAD: the site's HTTP layer, in one place.

Pages, the JSON API, the sitemap, robots.txt, /healthz and try-it go through
here. What each piece is, and which part is Django's own:

* ``public`` (a view decorator): 405 with ``Allow`` for every other method
  (JSON on the API), ``OPTIONS`` and CORS preflights answered on the API,
  validators (a weak ETag naming the data version and the representation,
  Last-Modified from the newest edit), ``Cache-Control`` with the CDN
  directives from settings, ``Vary``, and CORS headers on the API.
  Editors' pages are ``private, no-store``; during a database outage (the
  catalogue's ``outage`` flag) nothing carries a validator and nothing may be
  stored, here or in the page cache.
* ``NotModifiedMiddleware``: Django's ``get_conditional_response`` applied to
  the final response, after compression, so a 304 repeats the ETag byte for
  byte with Cache-Control, Vary and Last-Modified. Django's
  ``ConditionalGetMiddleware`` does the same but skips HEAD and invents an MD5
  ETag for every response we deliberately leave without one (errors, outage
  pages); the ``condition`` decorator answers before the view runs, so its
  304s lack the view's Cache-Control and Vary. It also drops the
  ``Content-Length: 0`` that ``CommonMiddleware`` puts on 204 and 304
  (RFC 9110 §8.6).
* ``GZipMiddleware``: Django's, except that it honours ``gzip;q=0`` (Django's
  looks for the word "gzip" and compresses anyway).
* ``render_page``: the page cache. Pages are rendered once per data version
  and URL and stored gzip-compressed (pages without a query string also
  uncompressed), under a hash of an unambiguous encoding of the exact URL, for
  ``CACHE_TIMEOUT`` seconds (the cache's TIMEOUT).
* ``json_error``: every JSON error body (API, try-it, the 503 middleware).
"""

import gzip
import hashlib
import json
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import gzip as django_gzip
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import parse_http_date_safe
from django.views.decorators.csrf import csrf_exempt

from . import catalogue

SAFE_METHODS = ("GET", "HEAD")
# The request header fields that make a request conditional (RFC 9110 §13.1); without
# one, there is nothing to evaluate.
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)
ALLOW = "GET, HEAD"
# The API also answers OPTIONS: browsers preflight cross-origin revalidations.
API_ALLOW = "GET, HEAD, OPTIONS"
# What a page's representation depends on besides the URL.
PAGE_VARY = ("Accept-Encoding", "HX-Request", "HX-History-Restore-Request")
# Request headers a cross-origin script may send to the API (revalidation).
CORS_REQUEST_HEADERS = "If-None-Match, If-Modified-Since"
# Response headers kept on a 304 besides those Django keeps: a cross-origin
# script revalidating by hand must still be allowed to read the answer.
KEEP_ON_304 = (
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Cross-Origin-Resource-Policy",
)


# -- JSON errors -----------------------------------------------------------


def json_error(status: int, error: str, message: str, **extra) -> JsonResponse:
    """The one shape of every JSON error: ``status``, ``error``, ``message`` and details."""
    return JsonResponse(error_body(status, error, message, **extra), status=status)


def error_body(status: int, error: str, message: str, **extra) -> dict:
    return {"status": status, "error": error, "message": message, **extra}


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


def accepts_gzip(request: HttpRequest) -> bool:
    """Whether Accept-Encoding allows gzip, q-values included (RFC 9110 §12.5.3)."""
    gzip_q = star_q = None
    for item in request.headers.get("Accept-Encoding", "").split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if coding in ("gzip", "x-gzip"):
            gzip_q = q
        elif coding == "*":
            star_q = q
    chosen = gzip_q if gzip_q is not None else star_q
    return chosen is not None and chosen > 0


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


def _outage(request):
    return catalogue.for_request(request).outage


# -- The decorator ---------------------------------------------------------


def _data_validators(request, response):
    current = catalogue.for_request(request)
    variant = "hx" if wants_partial(request) else "full"
    # Weak: the gzip and identity encodings share it.
    return f'W/"{current.etag}-{variant}"', current.last_modified_http


def _content_validators(request, response):
    digest = hashlib.blake2s(response.content, digest_size=8).hexdigest()
    return f'W/"{digest}"', None


VALIDATORS = {"data": _data_validators, "content": _content_validators, None: None}


def _not_allowed(request, api):
    if api:
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
    codes), ``"content"`` (a hash of the body, for what does not depend on
    them) or ``None``. ``api``: JSON 405s, CORS. ``cache=False``: ``no-store``
    (health checks). CSRF-exempt because every unsafe method is refused anyway:
    a POST should learn that from a 405 and its Allow header, not a CSRF 403.
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
            response = finish(
                request, view(request, *args, **kwargs), make_validators, vary=vary, cache=cache
            )
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
    elif _outage(request):
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


# -- Middleware ------------------------------------------------------------


class NotModifiedMiddleware:
    """304s from the final response (after compression); no Content-Length where banned.

    Sits above GZipMiddleware and CommonMiddleware, so the response it sees is
    the one that would be sent: its ETag, Vary and Cache-Control are what the
    304 repeats.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        conditional = any(header in request.META for header in CONDITIONAL_HEADERS)
        if (
            conditional
            and request.method in SAFE_METHODS
            and (response.has_header("ETag") or response.has_header("Last-Modified"))
        ):
            original = response
            response = get_conditional_response(
                request,
                etag=original.get("ETag"),
                last_modified=_parse_date(original.get("Last-Modified")),
                response=original,
            )
            if response is not original:
                for header in KEEP_ON_304:
                    if header in original:
                        response[header] = original[header]
        if response.status_code in (204, 304):
            del response["Content-Length"]  # RFC 9110 §8.6
        return response


def _parse_date(value):
    return parse_http_date_safe(value) if value else None


class GZipMiddleware(django_gzip.GZipMiddleware):
    """Django's GZipMiddleware, but ``Accept-Encoding: gzip;q=0`` means no gzip."""

    def process_response(self, request, response):
        if accepts_gzip(request):
            return super().process_response(request, response)
        if not response.has_header("Content-Encoding") and (
            response.streaming or len(response.content) >= 200
        ):
            patch_vary_headers(response, ("Accept-Encoding",))
        return response


# -- The page cache --------------------------------------------------------


# Part of every key: a shared cache (Redis) may still hold entries of the shape
# an older release stored, which a new one must not read. Change it with the shape.
PAGE_CACHE_FORMAT = "gzip+plain"


def page_cache_key(request, template_name, extra=None) -> str:
    """The exact URL (no case folding), host, template and data version, hashed.

    JSON of a list is unambiguous where joining with a separator is not.
    """
    parts = [
        PAGE_CACHE_FORMAT,
        catalogue.for_request(request).version,
        request.scheme,
        request.get_host(),
        request.path,
        request.META.get("QUERY_STRING", ""),
        template_name,
        extra,
    ]
    encoded = json.dumps(parts, ensure_ascii=False, default=str).encode()
    return "page:" + hashlib.blake2b(encoded, digest_size=20).hexdigest()


def render_page(request, template_name, build_context, *, cache_key=None, status=200):
    """Render, or reuse this URL's rendering for this data version.

    ``build_context`` is only called on a miss: searching and building links
    is most of a page's cost. Editors and outage pages bypass the cache.
    Searches are stored gzip-compressed only (a fifth of the memory), so the
    rare client that refuses gzip gets them decompressed. BREACH needs a secret
    in the page, and these pages have none (editors bypass this cache).
    """
    if is_editor(request):
        return render(request, template_name, {**build_context(), "editor": True}, status=status)
    if _outage(request):
        return render(request, template_name, build_context(), status=status)
    searched = bool(request.META.get("QUERY_STRING"))
    key = page_cache_key(request, template_name, cache_key)
    stored = cache.get(key)
    if stored is None:
        html = render_to_string(template_name, build_context(), request).encode()
        if searched:
            # A search is made on every keystroke and read about once: compress
            # it fast, and keep only that (a unique-URL flood stays small).
            stored = (gzip.compress(html, compresslevel=1, mtime=0), None)
        else:
            # Compressed hard, and kept as is too, so a client refusing gzip
            # costs no decompression.
            stored = (gzip.compress(html, compresslevel=6, mtime=0), html)
        cache.set(key, stored)  # expires after CACHES' TIMEOUT
    compressed, plain = stored
    if accepts_gzip(request):
        response = HttpResponse(compressed, status=status)
        response["Content-Encoding"] = "gzip"
    else:
        body = plain if plain is not None else gzip.decompress(compressed)
        response = HttpResponse(body, status=status)
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
