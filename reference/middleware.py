"""Site-wide request and response policies Django has no setting for.

* ``canonical_host``: one spelling per host, the server's own port, health
  checks by address.
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
* ``DatabaseUnavailable``: a database outage is a 503 that tells the truth.
* ``cross_origin_resource_policy``: our files are for our own origin.
"""

import logging
import re

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.http.request import split_domain_port
from django.middleware import gzip as django_gzip
from django.template.loader import render_to_string
from django.urls import resolve
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_http_date_safe

from . import throttling
from .api import json_error
from .decorators import SAFE_METHODS

logger = logging.getLogger(__name__)

# The request header fields that make a request conditional (RFC 9110 §13.1); without
# one, there is nothing to evaluate.
CONDITIONAL_HEADERS = (
    "HTTP_IF_MATCH",
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
)
# Response headers kept on a 304 besides those Django keeps: a cross-origin
# script revalidating by hand must still be allowed to read the answer.
KEEP_ON_304 = (
    "Access-Control-Allow-Origin",
    "Access-Control-Expose-Headers",
    "Cross-Origin-Resource-Policy",
)

# Addresses that sent X-Forwarded-For without being one of DJANGO_TRUSTED_PROXIES,
# shown by /readyz: a proxy the settings do not name makes every client look like
# the proxy (one address for the sign-in throttle). A few are enough to tell.
untrusted_forwarders = []
HEALTH_PATHS = ("/healthz", "/readyz")


def _misdirected(port, own):
    response = HttpResponse(
        f"421 Misdirected Request: this server answers on port {own}, and the Host header "
        f"names port {port}.\n",
        status=421,
        content_type="text/plain; charset=utf-8",
    )
    response["Cache-Control"] = "no-store"
    return response


def canonical_host(get_response):
    """One spelling of each host this server answers for, and only its own port.

    Django checks the name in Host against ALLOWED_HOSTS but not the port, and
    pages are cached per host: a client varying the port (or the case of the
    name) would fill every worker's cache with copies. So the name is folded to
    lower case without a trailing dot, and a port other than the one the request
    arrived on is a 421, unless a trusted proxy (which sets Host itself) sent it.
    Health checks answer whatever Host a load balancer probing by address sends.
    """

    def middleware(request):
        trusted = throttling.trusted_peer(request)
        if not trusted and "HTTP_X_FORWARDED_FOR" in request.META:
            _note_untrusted_forwarder(request.META.get("REMOTE_ADDR", ""))
        if request.path in HEALTH_PATHS:
            # For any Host: ALLOWED_HOSTS guards pages that link to themselves, and
            # these plain-text answers do not (the rest of the chain would check it).
            response = resolve(request.path).func(request)
            if not response.streaming:
                response.headers.setdefault("Content-Length", str(len(response.content)))
            return response
        host = request.META.get("HTTP_HOST")
        if host:
            domain, port = split_domain_port(host)
            own = request.META.get("SERVER_PORT", "")
            default = "443" if request.is_secure() else "80"
            if port and port != own and port != default and not trusted:
                return _misdirected(port[:10], own)
            if domain:
                keep_port = port and (trusted or port == own) and port != default
                request.META["HTTP_HOST"] = domain + (f":{port}" if keep_port else "")
        return get_response(request)

    return middleware


def _note_untrusted_forwarder(address):
    if address in untrusted_forwarders or len(untrusted_forwarders) >= 5:
        return
    untrusted_forwarders.append(address)
    logger.warning(
        "X-Forwarded-For from %s, which is not in DJANGO_TRUSTED_PROXIES: the header is "
        "ignored, so every client behind that proxy shares its address (sign-in throttling, "
        "logs). If %s is your reverse proxy, add it to DJANGO_TRUSTED_PROXIES.",
        address,
        address,
    )


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
