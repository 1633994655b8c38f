"""The read-only JSON API: ``/api/codes/`` and ``/api/codes/<code>/``.

Like the pages, every answer is a pure function of the data version and the
URL: it carries an ETag and Last-Modified from the data version and answers
conditional requests with 304. Anyone may read it from any origin (CORS),
and errors are JSON too, with the status that fits.
"""

import hashlib
import json
from functools import wraps

from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import condition

from . import catalogue, compare, search
from .models import CLASS_SLUGS
from .views import public_page

MAX_AGE = 60
ALLOWED_METHODS = ("GET", "HEAD")


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
    }


def error_body(status, error, message, **extra):
    return {"status": status, "error": error, "message": message, **extra}


def error(status, error_name, message, **extra):
    return JsonResponse(error_body(status, error_name, message, **extra), status=status)


def _json(data, status=200):
    return JsonResponse(data, status=status, json_dumps_params={"indent": 2})


# -- Validation, shared by the views and their ETag functions --------------


class BadParameter(ValueError):
    def __init__(self, message, **extra):
        super().__init__(message)
        self.extra = extra


def parse_query(params):
    """search.parse, but an unknown class is an error rather than a note."""
    query = search.parse(params)  # raises QueryTooLong
    class_slug = params.get("class", "").strip().lower()
    if class_slug and class_slug not in CLASS_SLUGS:
        raise BadParameter(
            f"“{class_slug[:20]}” is not a class of status codes. "
            f"Valid classes: {', '.join(CLASS_SLUGS)}.",
            parameter="class",
            valid_classes=CLASS_SLUGS,
        )
    return query


def as_number(code):
    """The integer an ASCII-digit path segment spells (0404 too), or None.

    Not ``str.isdigit`` alone: "²" passes it and int() then fails, and thousands
    of digits exceed int()'s limit.
    """
    if code.isascii() and code.isdigit() and len(code) <= 10:
        return int(code)
    return None


def _entry(request, code):
    """The entry for the canonical ``code`` string, or None."""
    entry = catalogue.for_request(request).by_code.get(as_number(code))
    return entry if entry is not None and str(entry.code) == code else None


def _version_etag(request):
    return f"{catalogue.for_request(request).etag}-api"


def _list_etag(request):
    try:
        parse_query(request.GET)
    except (search.QueryTooLong, BadParameter):
        return None  # an error answer is not the resource: never 304 it
    return _version_etag(request)


def _list_last_modified(request):
    return catalogue.for_request(request).last_modified if _list_etag(request) else None


def _code_etag(request, code):
    return _version_etag(request) if _entry(request, code) else None


def _code_last_modified(request, code):
    return catalogue.for_request(request).last_modified if _entry(request, code) else None


# -- The decorator ---------------------------------------------------------


def api_view(etag_func, last_modified_func):
    """GET/HEAD only (405 JSON otherwise), conditional, public for a minute, open CORS."""

    def decorator(view):
        conditional = condition(etag_func=etag_func, last_modified_func=last_modified_func)(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method in ALLOWED_METHODS:
                response = conditional(request, *args, **kwargs)
                response["Cache-Control"] = f"public, max-age={MAX_AGE}"
            else:
                response = error(
                    405,
                    "Method Not Allowed",
                    f"This API is read-only: {request.method[:20]} is not allowed. "
                    "Use GET (or HEAD).",
                )
                response["Allow"] = ", ".join(ALLOWED_METHODS)
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = "ETag"
            # The site's default is same-origin; the API is for everyone.
            response["Cross-Origin-Resource-Policy"] = "cross-origin"
            return response

        # Nothing here changes state, and a POST must meet the JSON 405, not a CSRF 403.
        return csrf_exempt(wrapper)

    return decorator


# -- Views -----------------------------------------------------------------


@api_view(_list_etag, _list_last_modified)
def codes(request):
    """Every code, or those matching ``q`` and ``class``, best match first."""
    try:
        query = parse_query(request.GET)
    except search.QueryTooLong as exc:
        return error(400, "Bad Request", str(exc), parameter="q")
    except BadParameter as exc:
        return error(400, "Bad Request", str(exc), **exc.extra)
    results = search.search(catalogue.for_request(request).codes, query)
    return _json(
        {
            "count": len(results),
            "query": {"q": query.text, "class": query.class_slug},
            "results": [serialize(entry, request) for entry in results],
        }
    )


def _not_found_message(code):
    shown = code[:20]
    if as_number(code) is None:
        return f"“{shown}” is not a status code: codes are three digits, 100 to 599."
    return (
        f"There is no status code {shown} in this reference: it is neither registered "
        "with IANA nor one of the unofficial codes we cover. "
        "GET /api/codes/ lists every code; /api/codes/?q=… searches them."
    )


@api_view(_code_etag, _code_last_modified)
def code(request, code):
    """One code, every public field."""
    entry = _entry(request, code)
    if entry is None:
        number = as_number(code)
        if number in catalogue.for_request(request).by_code:
            # 0404 and the like: the same resource lives at the canonical URL.
            return redirect("reference:api-code", code=str(number), permanent=True)
        return error(
            404,
            "Not Found",
            _not_found_message(code),
            list_url=request.build_absolute_uri(reverse("reference:api-codes")),
        )
    return _json(serialize(entry, request))


def _openapi_etag(request):
    return OPENAPI_ETAG


@api_view(_openapi_etag, None)
def openapi(request):
    """The OpenAPI 3.1 description of this API."""
    return _json(OPENAPI)


def _abbreviated_search(request, text, class_slug):
    """A real search answer, each result cut to three fields for the docs page."""
    query = search.Query(text=text, class_slug=class_slug)
    results = search.search(catalogue.for_request(request).codes, query)
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


@public_page
def docs(request):
    """The /api/ page: what the API offers, with live examples."""
    current = catalogue.for_request(request)
    example = current.by_code.get(404) or (current.codes[0] if current.codes else None)
    context = {
        "example": example,
        "example_json": json.dumps(serialize(example, request), indent=2, ensure_ascii=False)
        if example
        else "",
        "not_found_json": json.dumps(
            error_body(
                404,
                "Not Found",
                _not_found_message("299"),
                list_url=request.build_absolute_uri(reverse("reference:api-codes")),
            ),
            indent=2,
            ensure_ascii=False,
        ),
        "bad_class_json": json.dumps(
            error_body(
                400,
                "Bad Request",
                f"“9xx” is not a class of status codes. Valid classes: {', '.join(CLASS_SLUGS)}.",
                parameter="class",
                valid_classes=CLASS_SLUGS,
            ),
            indent=2,
            ensure_ascii=False,
        ),
        "search_json": _abbreviated_search(request, "timeout", "5xx"),
        "base": request.build_absolute_uri("/").rstrip("/"),
        "classes": CLASS_SLUGS,
        "max_query_length": search.MAX_QUERY_LENGTH,
        "max_age": MAX_AGE,
    }
    response = render(request, "reference/api.html", context)
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return response


# -- OpenAPI ---------------------------------------------------------------

_ERROR_RESPONSE = {"$ref": "#/components/responses/Error"}
_COMMON_HEADERS = {
    "ETag": {"$ref": "#/components/headers/ETag"},
    "Last-Modified": {"$ref": "#/components/headers/LastModified"},
    "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
    "Access-Control-Allow-Origin": {"$ref": "#/components/headers/AllowOrigin"},
}
_NOT_MODIFIED = {"description": "Not modified since the ETag or date the client sent."}
_NOT_ALLOWED = {
    "description": "Any method but GET or HEAD: the API is read-only.",
    "headers": {"Allow": {"schema": {"type": "string", "const": "GET, HEAD"}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}

OPENAPI = {
    "openapi": "3.1.0",
    "info": {
        "title": "HTTP Status Code Reference API",
        "version": "1.0.0",
        "description": (
            "Read-only JSON for every HTTP status code in the reference: meaning, use "
            "cases, an example exchange, headers, related codes and the specification. "
            "Responses carry an ETag and Last-Modified (answer If-None-Match or "
            "If-Modified-Since with 304), `Cache-Control: public, max-age=60`, and "
            "`Access-Control-Allow-Origin: *`. Errors are JSON with `status`, `error` "
            "and `message`."
        ),
    },
    "servers": [{"url": "/"}],
    "paths": {
        "/api/codes/": {
            "get": {
                "operationId": "listCodes",
                "summary": "Every status code, or those matching a search",
                "description": (
                    "Without parameters: every code in code order. With `q`: the codes "
                    "matching the text (a code, a reason phrase, a former name or a "
                    "problem, typos tolerated), best match first, exactly as the site's "
                    "search ranks them."
                ),
                "parameters": [
                    {
                        "name": "q",
                        "in": "query",
                        "required": False,
                        "description": (
                            "Search text: at most 200 characters after collapsing "
                            "whitespace; longer is a 400."
                        ),
                        "schema": {"type": "string"},
                        "example": "timeout",
                    },
                    {
                        "name": "class",
                        "in": "query",
                        "required": False,
                        "description": (
                            "Only codes of this class. Any other non-empty value is a 400 "
                            "whose body lists the valid classes (the HTML page ignores "
                            "it with a note instead)."
                        ),
                        "schema": {"type": "string", "enum": CLASS_SLUGS},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "The matching codes, best first.",
                        "headers": _COMMON_HEADERS,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/CodeList"}
                            }
                        },
                    },
                    "304": _NOT_MODIFIED,
                    "400": _ERROR_RESPONSE,
                    "405": _NOT_ALLOWED,
                },
            }
        },
        "/api/codes/{code}/": {
            "get": {
                "operationId": "getCode",
                "summary": "One status code, every field",
                "parameters": [
                    {
                        "name": "code",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "integer", "minimum": 100, "maximum": 599},
                        "example": 404,
                    }
                ],
                "responses": {
                    "200": {
                        "description": "The code.",
                        "headers": _COMMON_HEADERS,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/StatusCode"}
                            }
                        },
                    },
                    "301": {"description": "A non-canonical spelling (0404): go to /404/."},
                    "304": _NOT_MODIFIED,
                    "404": _ERROR_RESPONSE,
                    "405": _NOT_ALLOWED,
                },
            }
        },
    },
    "components": {
        "schemas": {
            "StatusCode": {
                "type": "object",
                "required": [
                    "code",
                    "phrase",
                    "class",
                    "class_name",
                    "former_names",
                    "summary",
                    "description",
                    "use_cases",
                    "example",
                    "headers",
                    "related",
                    "cacheable",
                    "spec",
                    "official",
                    "origin",
                    "keywords",
                    "url",
                    "updated",
                ],
                "properties": {
                    "code": {"type": "integer", "minimum": 100, "maximum": 599},
                    "phrase": {"type": "string", "description": "Reason phrase, as IANA."},
                    "class": {"type": "string", "enum": CLASS_SLUGS},
                    "class_name": {"type": "string", "example": "Client Error"},
                    "former_names": {"type": "array", "items": {"type": "string"}},
                    "summary": {"type": "string"},
                    "description": {
                        "type": "string",
                        "description": "Plain text; blank lines separate paragraphs.",
                    },
                    "use_cases": {"type": "array", "items": {"type": "string"}},
                    "example": {
                        "type": "object",
                        "properties": {
                            "request": {"type": "string", "description": "Raw HTTP."},
                            "response": {"type": "string", "description": "Raw HTTP."},
                        },
                    },
                    "headers": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "why": {"type": "string"},
                            },
                        },
                    },
                    "related": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "integer"},
                                "url": {"type": "string", "format": "uri"},
                            },
                        },
                    },
                    "cacheable": {
                        "type": "boolean",
                        "description": "Heuristically cacheable (RFC 9110 §15.1).",
                    },
                    "spec": {
                        "type": "object",
                        "properties": {
                            "title": {"type": "string"},
                            "url": {"type": "string", "description": "May be empty."},
                        },
                    },
                    "official": {"type": "boolean", "description": "Registered with IANA."},
                    "origin": {
                        "type": "string",
                        "description": "Who uses an unofficial code; empty for official ones.",
                    },
                    "keywords": {"type": "array", "items": {"type": "string"}},
                    "url": {"type": "string", "format": "uri", "description": "The page."},
                    "updated": {"type": ["string", "null"], "format": "date-time"},
                },
            },
            "CodeList": {
                "type": "object",
                "required": ["count", "query", "results"],
                "properties": {
                    "count": {"type": "integer"},
                    "query": {
                        "type": "object",
                        "properties": {"q": {"type": "string"}, "class": {"type": "string"}},
                    },
                    "results": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/StatusCode"},
                    },
                },
            },
            "Error": {
                "type": "object",
                "required": ["status", "error", "message"],
                "properties": {
                    "status": {"type": "integer"},
                    "error": {"type": "string"},
                    "message": {"type": "string"},
                    "parameter": {"type": "string", "description": "The bad parameter."},
                    "valid_classes": {"type": "array", "items": {"type": "string"}},
                    "list_url": {"type": "string", "format": "uri"},
                },
            },
        },
        "responses": {
            "Error": {
                "description": "400 for a bad parameter, 404 for an unknown code.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
        "headers": {
            "ETag": {"schema": {"type": "string"}, "description": "Changes with the data."},
            "LastModified": {"schema": {"type": "string"}, "description": "Newest edit."},
            "CacheControl": {"schema": {"type": "string", "const": "public, max-age=60"}},
            "AllowOrigin": {"schema": {"type": "string", "const": "*"}},
        },
    },
}
OPENAPI_ETAG = hashlib.blake2s(json.dumps(OPENAPI).encode(), digest_size=8).hexdigest()


# -- Comparisons ("which one should I use?") -------------------------------
# Self-contained: the tables of reference/compare.py, as on /compare/<slug>/.


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


def _compare_etag(request, slug=None):
    if slug is not None and slug not in compare.BY_SLUG:
        return None
    return _version_etag(request)


def _compare_last_modified(request, slug=None):
    return catalogue.for_request(request).last_modified if _compare_etag(request, slug) else None


@api_view(_compare_etag, _compare_last_modified)
def comparisons(request):
    """Every comparison, with its table."""
    return _json(
        {
            "count": len(compare.COMPARISONS),
            "results": [serialize_comparison(c, request) for c in compare.COMPARISONS],
        }
    )


@api_view(_compare_etag, _compare_last_modified)
def comparison(request, slug):
    """One comparison, or a JSON 404 naming the valid slugs."""
    found = compare.BY_SLUG.get(slug)
    if found is None:
        return error(
            404,
            "Not Found",
            f"There is no comparison “{slug[:40]}”. Valid comparisons: "
            f"{', '.join(compare.BY_SLUG)}.",
            valid_comparisons=list(compare.BY_SLUG),
        )
    return _json(serialize_comparison(found, request))
