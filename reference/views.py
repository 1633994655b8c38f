"""The reader's pages: the reference with search, a page per code, the API docs,
vendors, comparisons, health checks and not-found.

Every public page is a pure function of the data version and the URL, so it
carries an ETag and Last-Modified from the data version, answers conditional
GETs with 304, and its rendering is cached under a key that includes that
version: an editor's save is visible on the very next request.
"""

import hashlib
import json
import logging
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseServerError
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from . import (
    api,
    capture,
    catalogue,
    compare,
    explain,
    middleware,
    protocol,
    search,
    snippets,
    tryit,
)
from .decorators import (
    PAGE_VARY,
    VALIDATORS,
    cache_control_public,
    finish,
    is_editor,
    no_store,
    public,
    wants_partial,
)
from .models import CLASS_SLUGS, CLASSES
from .pagecache import render_page

__all__ = ["is_editor", "public_page", "render_page"]

logger = logging.getLogger(__name__)

# Every public page: GET/HEAD, validators from the data, cacheable (reference.decorators).
public_page = public()


# (slug, name): the class filters, "All" first.
CHIPS = [("", "All")] + [(f"{digit}xx", name) for digit, name in CLASSES.items()]


def _links(query, view=""):
    """The index's own links for this search: the class filters, then the view switch.

    Each keeps the search text, and the class or view it does not switch. Every
    live-search keystroke renders all eight, so the index URL is reversed and the
    text encoded once for them (slugs and views need no encoding), and the
    template gets plain values.
    """
    base = reverse("reference:index")
    text = urlencode({"q": query.text}) if query.text else ""

    def url(class_slug, view):
        parts = (text, class_slug and f"class={class_slug}", view and f"view={view}")
        params = "&".join(part for part in parts if part)
        return f"{base}?{params}" if params else base

    chips = [
        {
            "slug": slug,
            "name": name,
            "css": f"chip-{slug or 'all'}",
            "url": url(slug, view),
            "active": slug == query.class_slug,
        }
        for slug, name in CHIPS
    ]
    views = {"compact": url(query.class_slug, ""), "detailed": url(query.class_slug, "detailed")}
    return chips, views


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
        context = {"query": query, "error": str(error), "results": [], "chips": _links(query)[0]}
        return render(request, "reference/index.html", context, status=400)
    partial = wants_partial(request)
    template_name = "reference/index.html#htmx-response" if partial else "reference/index.html"
    # A dense list by default; summaries and use cases with ?view=detailed.
    view = "detailed" if request.GET.get("view") == "detailed" else ""

    def build_context():
        current = catalogue.for_request(request)
        results = current.index.search(query)
        if not query.text:
            # The list reads 1xx to 5xx; "no status" (0) is not a class, so it comes last.
            results = [e for e in results if e.code] + [e for e in results if not e.code]
        chips, view_urls = _links(query, view)
        return {
            "query": query,
            "view": view,
            "results": results,
            "grouped": not query.text,
            "total": len(current.codes),
            "chips": chips,
            "view_urls": view_urls,
            # The decision guide helps before a search; under results it would only repeat.
            "decisions": _decisions(current.by_code) if query.is_empty else [],
            "giscus": _giscus("Comments & Feedback"),
        }

    return render_page(request, template_name, build_context)


@public_page
def code_detail(request: HttpRequest, code: int) -> HttpResponse:
    current = catalogue.for_request(request)
    entry = current.by_code.get(code)
    if entry is None:
        raise UnknownCode(code)
    if request.path != entry.get_absolute_url():
        return redirect(entry, permanent=True)

    # One URL per page: any query string is ignored (site.js offers the way back to a search).
    def build_context():
        codes = current.codes
        position = codes.index(entry)
        return {
            "entry": entry,
            "previous": codes[position - 1] if position > 0 else None,
            "next": codes[position + 1] if position + 1 < len(codes) else None,
            "comparisons": [
                (c, [other for other in c.codes if other != entry.code])
                for c in compare.including(entry.code)
            ],
            "giscus": _giscus(f"{entry.code} {entry.phrase}"),
            # What HTTP says of the code, what /try/ answers, how to send it.
            "facts": protocol.facts(entry.code),
            "tried": tryit.describe(entry),
            "snippets": snippets.snippets_for(entry),
        }

    return render_page(request, "reference/code.html", build_context)


@public(validators=None, vary=(), cache=False)
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. No database, so an outage restarts nothing."""
    return HttpResponse("ok\n", content_type="text/plain")


def _abbreviated_search(request, text, class_slug):
    """A real search answer, each result cut to three fields for the docs page."""
    query = search.Query(text=text, class_slug=class_slug)
    results = catalogue.for_request(request).index.search(query)
    items = [
        json.dumps({"code": e.code, "phrase": e.phrase, "class": e.class_slug})[:-1] + ", …}"
        for e in results
    ]
    return (
        "{\n"
        f'  "count": {len(results)},\n'
        f'  "query": {json.dumps({"q": text, "class": class_slug})},\n'
        '  "results": [\n    ' + ",\n    ".join(items) + "\n  ]\n}"
    )


def _pretty(data):
    return json.dumps(data, indent=2, ensure_ascii=False)


@public_page
def api_docs(request: HttpRequest) -> HttpResponse:
    """The /api/ page: what the API offers, with live examples."""
    current = catalogue.for_request(request)
    example = current.by_code.get(404) or (current.codes[0] if current.codes else None)
    list_url = request.build_absolute_uri(reverse("reference:api-codes"))
    bad_class = f"“9xx” is not a class of status codes. Valid classes: {', '.join(CLASS_SLUGS)}."
    context = {
        "example": example,
        "example_json": _pretty(api.serialize(example, request)) if example else "",
        "not_found_json": _pretty(
            api.error_body(404, "Not Found", api.not_found_message("299"), list_url=list_url)
        ),
        "bad_class_json": _pretty(
            api.error_body(
                400, "Bad Request", bad_class, parameter="class", valid_classes=CLASS_SLUGS
            )
        ),
        "search_json": _abbreviated_search(request, "timeout", "5xx"),
        "base": request.build_absolute_uri("/").rstrip("/"),
        "classes": CLASS_SLUGS,
        "max_query_length": search.MAX_QUERY_LENGTH,
        "cache_control": cache_control_public(),
    }
    return render(request, "reference/api.html", context)


_migrated = False  # once every migration is applied, it stays so for this process


def unapplied_migrations():
    """The migrations this release has and the database lacks (none once all are applied)."""
    global _migrated
    if _migrated:
        return []
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    _migrated = not plan
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


@public(validators=None, vary=(), cache=False)
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: 200 while this worker can serve readers (its data is loaded).

    A database outage with data loaded is still ready, so a load balancer keeps a
    worker that can serve readers; the body says whether the database answers.
    A database that lacks migrations is not ready, and the body says what to run.
    """
    try:
        missing = unapplied_migrations()
    except DatabaseError:
        missing = []  # not answering: the catalogue below tells
    if missing:
        logger.error("Database not migrated: %s unapplied (%s)", len(missing), ", ".join(missing))
        body = (
            f"not ready: the database lacks {len(missing)} migration(s) of this release "
            f"({', '.join(missing)}).\nRun: deploy/manage migrate (README, Operating it)\n"
        )
        return HttpResponse(body, content_type="text/plain", status=503)
    try:
        current = catalogue.current()
    except DatabaseError:
        body = "not ready: no data loaded and the database is not answering\n"
        return HttpResponse(body, content_type="text/plain", status=503)
    database = "not answering (serving the last data loaded)" if current.outage else "ok"
    data = f"{len(current.codes)} codes, version {current.version}"
    body = f"ready\ndata: {data}\ndatabase: {database}\n"
    for address in middleware.untrusted_forwarders:
        body += (
            f"warning: X-Forwarded-For from {address}, not in DJANGO_TRUSTED_PROXIES: "
            "ignored, so its clients share its address\n"
        )
    return HttpResponse(body, content_type="text/plain")


class UnknownCode(Http404):
    """A status code we have no page for: the 404 page names it and offers to search."""

    def __init__(self, code: int):
        super().__init__(f"No status code {code}.")
        self.code = code


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """Every 404 (``handler404``): it explains 404, fittingly, and offers search."""
    try:
        current = catalogue.for_request(request)
        entry_404 = current.by_code.get(404)
    except DatabaseError:  # the not-found page must render even when the database is down
        current = entry_404 = None
    code = getattr(exception, "code", None)
    context = {"missing_code": code, "entry_404": entry_404, "query": search.Query()}
    response = render(request, "404.html", context, status=404)
    if current is None:
        return no_store(response)
    return finish(request, response)


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    """Every 400 Django raises itself (``handler400``): say what happened, in the site's words.

    Mostly a form too large to read (more than DATA_UPLOAD_MAX_MEMORY_SIZE):
    nothing was saved, and only the editor's browser still has the text.
    """
    too_big = isinstance(exception, RequestDataTooBig | TooManyFieldsSent)
    context = {"too_big": too_big, "limit_mb": settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20}
    return no_store(render(request, "400.html", context, status=400))


def server_error(request: HttpRequest) -> HttpResponse:
    """Every 500 (``handler500``): JSON on the API, like its other errors; the page elsewhere.

    As Django's own: no context, nothing that could fail a second time.
    """
    if request.path.startswith("/api/"):
        response = api.json_error(
            500,
            "Internal Server Error",
            "Something went wrong on our side, and it has been logged. Try again later.",
        )
    else:
        response = HttpResponseServerError(loader.get_template("500.html").render())
    return no_store(response)


# -- Vendors: who sends the unofficial codes and gives codes other meanings ------------------


def vendor_index(current):
    """{slug: {"vendor", "codes", "meanings"}} from the catalogue, in name order (no query)."""
    index = {}

    def row(vendor):
        return index.setdefault(vendor.slug, {"vendor": vendor, "codes": [], "meanings": []})

    for entry in current.codes:
        if entry.vendor is not None:
            row(entry.vendor)["codes"].append(entry)
        for meaning in entry.meanings.all():
            if meaning.vendor is not None:
                row(meaning.vendor)["meanings"].append(meaning)
    return dict(sorted(index.items(), key=lambda item: item[1]["vendor"].name.lower()))


@public_page
def vendors(request: HttpRequest) -> HttpResponse:
    current = catalogue.for_request(request)

    def build_context():
        return {"vendors": list(vendor_index(current).values()), "query": search.Query()}

    return render_page(request, "reference/vendors.html", build_context, cache_key="vendors")


@public_page
def vendor(request: HttpRequest, slug: str) -> HttpResponse:
    current = catalogue.for_request(request)
    found = vendor_index(current).get(slug)
    if found is None:
        raise Http404(f"No vendor {slug!r}.")

    def build_context():
        about = found["vendor"].about
        paragraphs = [p.strip() for p in about.split("\n\n") if p.strip()]
        return {**found, "paragraphs": paragraphs, "query": search.Query()}

    return render_page(request, "reference/vendor.html", build_context, cache_key=f"vendor|{slug}")


# -- "Which one should I use?" ------------------------------------------------


def _decisions(by_code):
    """The decision guide: what you want to tell the client, and the codes that say it."""
    return [
        {
            "want": want,
            "codes": [by_code[code] for code in codes if code in by_code],
            "comparison": compare.BY_SLUG.get(slug),
        }
        for want, codes, slug in compare.DECISIONS
    ]


@public_page
def compare_index(request: HttpRequest) -> HttpResponse:
    def build_context():
        by_code = catalogue.for_request(request).by_code
        return {
            "comparisons": [(c, c.rows(by_code)) for c in compare.COMPARISONS],
            "decisions": _decisions(by_code),
        }

    return render_page(request, "reference/compare_index.html", build_context, cache_key="")


@public_page
def comparison(request: HttpRequest, slug: str) -> HttpResponse:
    """``/compare/<slug>/``: one comparison as a table; an unknown slug is a 404."""
    found = compare.BY_SLUG.get(slug)
    if found is None:
        raise Http404(f"No comparison {slug!r}.")

    def build_context():
        rows = found.rows(catalogue.for_request(request).by_code)
        others = [c for c in compare.COMPARISONS if c is not found]
        return {"comparison": found, "rows": rows, "others": others}

    return render_page(request, "reference/compare.html", build_context)


# -- Explain a response ------------------------------------------------------------------

# What the answer depends on: Accept chooses between the page and plain text.
EXPLAIN_VARY = (*PAGE_VARY, "Accept")
# A browser form (ours, or htmx's copy of it) starts with one of these; what curl pipes
# is the capture itself, which never does.
FORM_FIELDS = (b"message=", b"entry=", b"for=")


def answer_type(request: HttpRequest) -> str:
    """``"partial"`` for htmx, else ``"html"`` or ``"text"`` by Accept (never User-Agent).

    HTML only when the client prefers it to plain text: browsers list text/html, while
    curl's ``*/*`` (or no Accept at all) gets text.
    """
    if wants_partial(request):
        return "partial"
    preferred = request.get_preferred_type(["text/plain", "text/html"])
    return "html" if preferred == "text/html" else "text"


def digest(data: bytes) -> str:
    """Names the text an entry number was picked from, so a new paste starts afresh."""
    return hashlib.blake2s(data, digest_size=8).hexdigest()


def _number(value):
    value = (value or "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else None


def _posted(request):
    """(the capture's bytes, pasted in a text box?, the entry number asked for)."""
    try:
        body = request.body
        form = request.content_type == "multipart/form-data" or (
            request.content_type == "application/x-www-form-urlencoded"
            and body.startswith(FORM_FIELDS)
        )
        if not form:  # piped: curl --data-binary @-, the entry in the query string
            return body, False, _number(request.GET.get("entry"))
        upload = request.FILES.get("message")
        if upload is not None:  # curl -F message=@file
            return upload.read(capture.MAX_BYTES + 1), False, _number(request.POST.get("entry"))
        data = request.POST.get("message", "").encode()
    except RequestDataTooBig:
        raise capture.TooLarge(
            f"What you sent is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20} MB; this "
            f"page reads at most {capture.MAX_BYTES // 2**20} MB of text."
        ) from None
    except (TooManyFieldsSent, MultiPartParserError):
        raise capture.Unreadable(
            "The form could not be read: send the text as the “message” field, or as the "
            "request's whole body."
        ) from None
    # An entry picked from an earlier paste means nothing for a new one.
    same = request.POST.get("for") == digest(data)
    return data, True, _number(request.POST.get("entry")) if same else None


EXPECTED_TEXT = "Expected one of:\n" + "".join(f"  - {line}\n" for line in capture.EXPECTED)


def _explain_context(request):
    url = request.build_absolute_uri(reverse("reference:explain"))
    return {"expected": capture.EXPECTED, "message": "", "explain_url": url}


def _explained(request, answer):
    """The answer to a POST: the explanation, or why there is none (413, 422)."""
    context = _explain_context(request)
    status = 200
    try:
        data, pasted, number = _posted(request)
        if pasted:
            context["message"] = data.decode()
        captured = capture.read(data, pasted=pasted)
    except capture.TooLarge as error:
        status, context["error"] = 413, str(error)
    except capture.Unreadable as error:
        status, context["error"] = 422, str(error)
    else:
        context["result"] = explain.explain(captured, number, explain.codes_for(request))
        context["digest"] = digest(data)
    if answer == "text":
        if "result" in context:
            base = request.build_absolute_uri("/").rstrip("/")
            body = explain.as_text(context["result"], base)
        else:
            body = f"Could not explain this: {context['error']}\n\n{EXPECTED_TEXT}"
        response = HttpResponse(body, status=status, content_type="text/plain; charset=utf-8")
    else:
        template = "reference/explain.html" + ("#htmx-response" if answer == "partial" else "")
        response = render(request, template, context, status=status)
    patch_vary_headers(response, EXPLAIN_VARY)
    return no_store(response)


# Nothing sent here is stored or logged, and the view reads no cookie and no session,
# so a forged cross-site post could only show the reader an explanation of its own
# text, escaped: like try-it, the view is exempt from CSRF, which is what lets
# `curl --data-binary @-` post without a token. Browsers say where a post comes from
# (Sec-Fetch-Site), and cross-site posts are refused all the same.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def explain_response(request: HttpRequest) -> HttpResponse:
    """``/explain/``: paste a response (or pipe curl's output), get it explained."""
    answer = answer_type(request)
    if request.method == "POST":
        if request.headers.get("Sec-Fetch-Site") == "cross-site":
            response = HttpResponse(
                "403 Forbidden: this form only takes posts from its own page; "
                "scripts on other sites can use POST /api/explain/.\n",
                status=403,
                content_type="text/plain; charset=utf-8",
            )
            return no_store(response)
        return _explained(request, answer)
    if answer == "text":
        url = request.build_absolute_uri()
        response = HttpResponse(
            explain.usage(url, request.build_absolute_uri(reverse("reference:api-explain"))),
            content_type="text/plain; charset=utf-8",
        )
    else:
        template = "reference/explain.html" + ("#htmx-response" if answer == "partial" else "")
        response = render(request, template, _explain_context(request))
    return finish(request, response, VALIDATORS["content"], vary=EXPLAIN_VARY)
