"""The read-only JSON API: ``/api/codes/`` and ``/api/codes/<code>/``.

Like the pages, every answer is a pure function of the data version and the
URL: it carries an ETag and Last-Modified from the data version and answers
conditional requests with 304. Anyone may read it from any origin (CORS),
and errors are JSON too, with the status that fits.
"""

import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from . import capture, catalogue, compare, explain, search
from .decorators import no_store, public
from .models import CLASS_SLUGS
from .openapi import openapi_document


def json_error(status: int, error: str, message: str, **extra) -> JsonResponse:
    """The one shape of every JSON error: ``status``, ``error``, ``message`` and details."""
    return JsonResponse(error_body(status, error, message, **extra), status=status)


def error_body(status: int, error: str, message: str, **extra) -> dict:
    return {"status": status, "error": error, "message": message, **extra}


# GET/HEAD, validators from the data, CORS, JSON 405s (reference.decorators).
api_view = public(api=True, vary=("Accept-Encoding",))


# -- Shapes ----------------------------------------------------------------


def serialize(entry, request):
    """Every public field of a code, with absolute URLs."""
    absolute = request.build_absolute_uri
    return {
        "code": entry.code,
        "phrase": entry.phrase,
        "class": entry.class_slug,
        "class_name": entry.class_name,
        "former_names": entry.former_name_list,
        "summary": entry.summary,
        "description": entry.description,
        "use_cases": entry.use_case_list,
        "example": {"request": entry.example_request, "response": entry.example_response},
        "headers": [{"name": name, "why": why} for name, why in entry.header_list],
        "related": [
            {"code": other.code, "url": absolute(other.get_absolute_url())}
            for other in entry.related_codes
        ],
        "cacheable": entry.cacheable,
        "spec": {"title": entry.spec_title, "url": entry.spec_url},
        "official": entry.official,
        "origin": entry.origin,
        "keywords": entry.keyword_list,
        "url": absolute(entry.get_absolute_url()),
        "updated": entry.updated.isoformat() if entry.updated else None,
        **provenance(entry, request),
    }


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"indent": 2})


# -- Validation, shared by the views and their ETag functions --------------


class BadParameter(ValueError):
    def __init__(self, message, **extra):
        super().__init__(message)
        self.extra = extra


def parse_query(params):
    """search.parse, but ``class`` must be exactly a class slug (or empty)."""
    class_slug = params.get("class", "")
    if class_slug not in ("", *CLASS_SLUGS):
        raise BadParameter(
            f"“{class_slug[:20]}” is not a class of status codes. "
            f"Valid classes: {', '.join(CLASS_SLUGS)}.",
            parameter="class",
            valid_classes=CLASS_SLUGS,
        )
    return search.parse(params)  # raises QueryTooLong


# -- Views -----------------------------------------------------------------


@api_view
def codes(request):
    """Every code, or those matching ``q`` and ``class``, best match first."""
    try:
        query = parse_query(request.GET)
    except search.QueryTooLong as exc:
        return json_error(400, "Bad Request", str(exc), parameter="q")
    except BadParameter as exc:
        return json_error(400, "Bad Request", str(exc), **exc.extra)
    results = catalogue.for_request(request).index.search(query)
    return _json(
        {
            "count": len(results),
            "query": {"q": query.text, "class": query.class_slug},
            "results": [serialize(entry, request) for entry in results],
        }
    )


def not_found_message(segment):
    shown = segment[:20]
    if not (segment.isascii() and segment.isdigit()):
        return f"“{shown}” is not a status code: codes are three digits, 100 to 599."
    return (
        f"There is no status code {shown} in this reference: it is neither registered "
        "with IANA nor one of the unofficial codes we cover. "
        "GET /api/codes/ lists every code; /api/codes/?q=… searches them."
    )


def _not_found(request, segment):
    return json_error(
        404,
        "Not Found",
        not_found_message(segment),
        list_url=request.build_absolute_uri(reverse("reference:api-codes")),
    )


@api_view
def code(request, code: int):
    """One code, every public field."""
    entry = catalogue.for_request(request).by_code.get(code)
    if entry is None:
        return _not_found(request, request.path.rstrip("/").rsplit("/", 1)[-1])
    canonical = reverse("reference:api-code", kwargs={"code": entry.code})
    if request.path != canonical:  # 0404 and the like: the resource lives at /404/
        return redirect(canonical, permanent=True)
    return _json(serialize(entry, request))


@api_view
def not_a_code(request, segment: str):
    """/api/codes/abc/: a JSON 404 saying what a code looks like."""
    return _not_found(request, segment)


@public(api=True, vary=("Accept-Encoding",), validators="content")
def openapi(request):
    """The OpenAPI 3.1 description of this API."""
    return _json(openapi_document())


# -- Who sends a code, its other meanings, what clients do with it, its sources -------------


def _vendor(vendor, request):
    if vendor is None:
        return None
    page = request.build_absolute_uri(reverse("reference:vendor", args=[vendor.slug]))
    return {"slug": vendor.slug, "name": vendor.name, "docs": vendor.url, "url": page}


def provenance(entry, request):
    """The common name, the vendor, the other meanings and the sources of an entry."""
    return {
        "common_name": entry.common_name,
        "vendor": _vendor(entry.vendor, request),
        "meanings": [
            {
                "used_by": meaning.used_by,
                "phrase": meaning.phrase,
                "description": meaning.description,
                "when": meaning.when,
                "source": meaning.source_url,
                "vendor": _vendor(meaning.vendor, request),
            }
            for meaning in entry.meanings.all()
        ],
        "behaviours": [
            {
                "agent": row.agent,
                "kind": row.kind,
                "version": row.version,
                "behaviour": row.behaviour,
                "source": row.source_url,
                "reviewed": row.reviewed.isoformat(),
            }
            for row in entry.behaviours.all()
        ],
        "sources": [{"title": title, "url": url} for title, url in entry.source_list],
        "reviewed": entry.reviewed.isoformat() if entry.reviewed else None,
    }


# -- Comparisons ("which one should I use?") -------------------------------
# The tables of reference/compare.py, as on /compare/<slug>/.


def serialize_comparison(comparison, request):
    """A comparison with its rows: each code's values for the comparison's columns."""
    absolute = request.build_absolute_uri
    by_code = catalogue.for_request(request).by_code
    return {
        "slug": comparison.slug,
        "title": comparison.title,
        "question": comparison.question,
        "url": absolute(reverse("reference:compare", args=[comparison.slug])),
        "columns": [
            {"field": column.field, "label": column.label, "help": column.help}
            for column in comparison.columns
        ],
        "codes": [
            {
                "code": entry.code,
                "phrase": entry.phrase,
                "name": entry.display_name,
                "url": absolute(entry.get_absolute_url()),
                **{column.field: getattr(entry, column.field) for column in comparison.columns},
            }
            for entry in comparison.entries(by_code)
        ],
    }


@api_view
def comparisons(request):
    """Every comparison, with its table."""
    return _json(
        {
            "count": len(compare.COMPARISONS),
            "results": [serialize_comparison(c, request) for c in compare.COMPARISONS],
        }
    )


@api_view
def comparison(request, slug):
    """One comparison, or a JSON 404 naming the valid slugs."""
    found = compare.BY_SLUG.get(slug)
    if found is None:
        return json_error(
            404,
            "Not Found",
            f"There is no comparison “{slug[:40]}”. Valid comparisons: "
            f"{', '.join(compare.BY_SLUG)}.",
            valid_comparisons=list(compare.BY_SLUG),
        )
    return _json(serialize_comparison(found, request))


# -- Explain a response -----------------------------------------------------------------

EXPLAIN_ALLOW = "POST, OPTIONS"
# How the text to explain may come: JSON, or the capture itself as the body (what
# `curl --data-binary @-` sends is labelled as a form).
RAW_TYPES = ("text/plain", "application/octet-stream", "application/x-www-form-urlencoded", "")
JSON_SHAPE = 'Send {"message": "<the response>", "entry": 1} (entry optional), or the text itself.'


class BadExplainRequest(ValueError):
    def __init__(self, status, error, message, **extra):
        super().__init__(message)
        self.response = json_error(status, error, message, **extra)


def _entry(value, *, required=False):
    """A response number from 1, or None when not given; anything else is a 400."""
    if value is None and not required:
        return None
    digits = isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 6
    integral = isinstance(value, float) and value.is_integer()  # JSON Schema: 3.0 is one
    if digits or integral:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 999_999:
        return value
    raise BadExplainRequest(
        400,
        "Bad Request",
        "“entry” is the number of the response to explain: 1, 2, …",
        parameter="entry",
    )


def _explain_input(request):
    """(bytes, came as text?, entry) from the request, or BadExplainRequest."""
    try:
        body = request.body
    except RequestDataTooBig:
        raise BadExplainRequest(
            413,
            "Content Too Large",
            f"The body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE // 2**20} MB; send at most "
            f"{capture.MAX_BYTES // 2**20} MB of text.",
        ) from None
    entry = _entry(request.GET.get("entry"))
    if request.content_type == "application/json":
        try:
            document = json.loads(body)
        except (ValueError, RecursionError):
            raise BadExplainRequest(
                400, "Bad Request", f"The body is not JSON. {JSON_SHAPE}"
            ) from None
        if not isinstance(document, dict) or not isinstance(document.get("message"), str):
            raise BadExplainRequest(
                400, "Bad Request", f"“message” must be a string. {JSON_SHAPE}", parameter="message"
            )
        entry = _entry(document["entry"], required=True) if "entry" in document else entry
        return document["message"].encode(), True, entry
    if request.content_type not in RAW_TYPES:
        raise BadExplainRequest(
            415,
            "Unsupported Media Type",
            f"{request.content_type[:60]} is not read here. {JSON_SHAPE}",
            accepted=["application/json", "text/plain"],
        )
    return body, False, entry


def _explain_post(request):
    try:
        data, as_text, number = _explain_input(request)
        captured = capture.read(data, pasted=as_text)
    except BadExplainRequest as error:
        return error.response
    except capture.TooLarge as error:
        return json_error(413, "Content Too Large", str(error))
    except capture.Unreadable as error:
        return json_error(422, "Unprocessable Content", str(error), expected=capture.EXPECTED)
    count = len(captured.responses)
    if number is not None and number > count:
        return json_error(
            422,
            "Unprocessable Content",
            f"There {'is' if count == 1 else 'are'} {count} response{'s' if count > 1 else ''} "
            f"in what you sent, so no entry {number}.",
            parameter="entry",
            entries=count,
        )
    result = explain.explain(captured, number, explain.codes_for(request))
    for found in (result["status"], result["status"].get("fallback")):
        if found and found.get("path"):
            found["url"] = request.build_absolute_uri(found["path"])
    return _json(result)


def _explain_options(request):
    response = HttpResponse(b"")
    del response["Content-Type"]
    response["Allow"] = EXPLAIN_ALLOW
    if "Access-Control-Request-Method" in request.headers:  # a CORS preflight
        response["Access-Control-Allow-Methods"] = "POST"
        response["Access-Control-Allow-Headers"] = "Content-Type"
        response["Access-Control-Max-Age"] = str(settings.CORS_MAX_AGE)
    return response


# Stores nothing and reads no cookie (see views.explain_response): open to any origin.
@csrf_exempt
def explain_response(request):
    """``POST /api/explain/``: the explanation of a response, as JSON."""
    if request.method == "OPTIONS":
        response = _explain_options(request)
    elif request.method != "POST":
        response = json_error(
            405,
            "Method Not Allowed",
            f"{request.method[:20]} is not allowed: POST the response to explain. {JSON_SHAPE}",
        )
        response["Allow"] = EXPLAIN_ALLOW
    else:
        response = _explain_post(request)
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return no_store(response)
