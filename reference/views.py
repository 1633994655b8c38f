"""The reader's pages: the reference with search, a page per code, not-found.

Every public page is a pure function of the data version and the URL, so it
carries an ETag and Last-Modified from the data version, answers conditional
GETs with 304, and its rendering is cached under a key that includes that
version: an editor's save is visible on the very next request.
"""

import gzip
import hashlib
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import condition, require_safe
from django.views.decorators.vary import vary_on_headers

from . import catalogue, search
from .models import CLASSES

ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as GZipMiddleware decides


def is_editor(request: HttpRequest) -> bool:
    # Only look at the session when there is one, so anonymous pages stay shareable.
    if settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    return request.user.is_active and request.user.is_staff


def _not_conditional(request, code):
    """Editors' pages, unknown codes and refused queries get no validators (so no 304)."""
    if is_editor(request) or len(request.GET.get("q", "")) > search.MAX_QUERY_LENGTH:
        return True
    return code is not None and code not in catalogue.for_request(request).by_code


def _etag(request, code=None):
    if _not_conditional(request, code):
        return None
    variant = "hx" if request.htmx and not request.htmx.history_restore_request else "page"
    # Weak: the gzip and identity encodings of a page share it.
    return f'W/"{catalogue.for_request(request).etag}-{variant}"'


def _last_modified(request, code=None):
    if _not_conditional(request, code):
        return None
    return catalogue.for_request(request).last_modified


def public_page(view):
    """GET/HEAD only, conditional on the data, briefly cacheable by anyone.

    CSRF-exempt because it refuses every unsafe method anyway: a POST should
    learn that with a 405 and its Allow header, not a CSRF 403.
    """
    view = condition(etag_func=_etag, last_modified_func=_last_modified)(view)
    view = vary_on_headers("HX-Request")(view)
    return csrf_exempt(require_safe(view))


def render_page(request, template_name, build_context, *, cache_key):
    """Render, or reuse the rendering for this data version; editors get a private page.

    ``build_context`` is only called on a cache miss: searching and building links
    is most of a page's cost.
    """
    if is_editor(request):
        response = render(request, template_name, {**build_context(), "editor": True})
        patch_cache_control(response, private=True, no_store=True)
        return response
    # Absolute links (canonical, curl lines) depend on the host the reader used.
    parts = f"{request.scheme}://{request.get_host()}|{template_name}|{cache_key}"
    digest = hashlib.blake2s(parts.encode(), digest_size=16).hexdigest()
    key = f"page:{catalogue.for_request(request).version}:{digest}"
    cached = cache.get(key)
    if cached is None:
        html = render_to_string(template_name, build_context(), request).encode()
        # Compressed once here, not by GZipMiddleware on every request. BREACH needs
        # a secret in the page, and these pages have none (editors bypass this cache).
        cached = (html, gzip.compress(html, compresslevel=6, mtime=0))
        cache.set(key, cached)  # expires after CACHES' TIMEOUT
    html, compressed = cached
    if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(compressed)
        response["Content-Encoding"] = "gzip"
    else:
        response = HttpResponse(html)
    patch_vary_headers(response, ["Accept-Encoding"])
    patch_cache_control(response, public=True, max_age=settings.PAGE_MAX_AGE)
    return response


def _index_url(params):
    url = reverse("reference:index")
    return f"{url}?{urlencode(params)}" if params else url


def _chips(query):
    """The class filter links: each keeps the search text and switches the class."""
    chips = [("", "All")] + [(f"{digit}xx", f"{digit}xx {name}") for digit, name in CLASSES.items()]
    return [
        {
            "slug": slug,
            "label": label,
            "url": _index_url(query.params(**{"class": slug})),
            "active": slug == query.class_slug,
        }
        for slug, label in chips
    ]


def _giscus(term):
    config = settings.GISCUS
    configured = all(config[k] for k in ("repo", "repo_id", "category", "category_id"))
    return {**config, "term": term, "configured": configured}


@public_page
def index(request: HttpRequest) -> HttpResponse:
    try:
        query = search.parse(request.GET)
    except search.QueryTooLong as error:
        query = search.Query()
        context = {"query": query, "error": str(error), "results": [], "chips": _chips(query)}
        return render(request, "reference/index.html", context, status=400)
    partial = request.htmx and not request.htmx.history_restore_request
    template_name = "reference/index.html#htmx-response" if partial else "reference/index.html"

    def build_context():
        codes = catalogue.for_request(request).codes
        return {
            "query": query,
            "results": search.search(codes, query),
            "grouped": not query.text,
            "total": len(codes),
            "chips": _chips(query),
            "back_query": urlencode(query.params()),
            "giscus": _giscus("Comments & Feedback"),
        }

    key = f"{query.text.lower()}|{query.class_slug}|{'|'.join(query.notes)}"
    return render_page(request, template_name, build_context, cache_key=key)


@public_page
def code_detail(request: HttpRequest, code: int) -> HttpResponse:
    current = catalogue.for_request(request)
    entry = current.by_code.get(code)
    if entry is None:
        return not_found(request, code=code)
    if request.path != entry.get_absolute_url():
        return redirect(entry, permanent=True)
    try:  # the reader's last search, kept for the way back
        back = search.parse(request.GET)
    except search.QueryTooLong:
        back = search.Query()

    def build_context():
        codes = current.codes
        position = codes.index(entry)
        return {
            "entry": entry,
            "previous": codes[position - 1] if position > 0 else None,
            "next": codes[position + 1] if position + 1 < len(codes) else None,
            "back_query": urlencode(back.params()),
            "giscus": _giscus(f"{entry.code} {entry.phrase}"),
        }

    key = f"{code}|{back.text}|{back.class_slug}"
    return render_page(request, "reference/code.html", build_context, cache_key=key)


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. No database, so an outage restarts nothing."""
    return HttpResponse("ok\n", content_type="text/plain")


@require_safe
@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 while this worker can serve readers (its data is loaded).

    A database outage with data loaded is still ready, so a load balancer keeps a
    worker that can serve readers; the body says whether the database answers.
    """
    try:
        current = catalogue.current()
    except DatabaseError:
        body = "not ready: no data loaded and the database is not answering\n"
        return HttpResponse(body, content_type="text/plain", status=503)
    database = "not answering (serving the last data loaded)" if current.outage else "ok"
    data = f"{len(current.codes)} codes, version {current.version}"
    body = f"ready\ndata: {data}\ndatabase: {database}\n"
    return HttpResponse(body, content_type="text/plain")


def not_found(request: HttpRequest, exception=None, code: int | None = None) -> HttpResponse:
    """Our 404 page: it explains 404, fittingly, and offers search."""
    try:
        current = catalogue.for_request(request)
        entry_404 = current.by_code.get(404)
    except DatabaseError:  # the not-found page must render even when the database is down
        entry_404 = None
    context = {"missing_code": code, "entry_404": entry_404, "query": search.Query()}
    response = render(request, "404.html", context, status=404)
    patch_cache_control(response, public=True, max_age=settings.PAGE_MAX_AGE)
    return response
