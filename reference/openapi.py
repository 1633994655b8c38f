"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Built from the same constants the views use (the class slugs, the method
list, the Cache-Control value from settings), so it cannot drift from them.
"""

from .capture import MAX_BYTES
from .decorators import API_ALLOW, cache_control_public
from .models import CLASS_SLUGS

_ERROR_RESPONSE = {"$ref": "#/components/responses/Error"}
_COMMON_HEADERS = {
    "ETag": {"$ref": "#/components/headers/ETag"},
    "Last-Modified": {"$ref": "#/components/headers/LastModified"},
    "Cache-Control": {"$ref": "#/components/headers/CacheControl"},
    "Access-Control-Allow-Origin": {"$ref": "#/components/headers/AllowOrigin"},
}
_NOT_MODIFIED = {"description": "Not modified since the ETag or date the client sent."}
_NOT_ALLOWED = {
    "description": "Any method but GET, HEAD or OPTIONS: the API is read-only.",
    "headers": {"Allow": {"schema": {"type": "string", "const": API_ALLOW}}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _base_document() -> dict:
    cache_control = cache_control_public()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "HTTP Status Code Reference API",
            "version": "1.0.0",
            "description": (
                "Read-only JSON for every HTTP status code in the reference: meaning, use "
                "cases, an example exchange, headers, related codes and the specification. "
                "Responses carry an ETag and Last-Modified (answer If-None-Match or "
                f"If-Modified-Since with 304), `Cache-Control: {cache_control}`, and "
                "`Access-Control-Allow-Origin: *`. Errors are JSON with `status`, `error` "
                "and `message`. `POST /api/explain/` explains a response you send (no-store)."
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
                            "schema": {"type": "string", "enum": ["", *CLASS_SLUGS]},
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
                            "schema": {"type": "integer", "minimum": 0, "maximum": 999},
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
                        "code": {
                            "type": "integer",
                            "minimum": 0,
                            "maximum": 999,
                            "description": "100-599 in RFC 9110; 0 is the no-status entry, "
                            "600-999 codes servers send outside the standard's range.",
                        },
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
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                }
            },
            "headers": {
                "ETag": {"schema": {"type": "string"}, "description": "Changes with the data."},
                "LastModified": {"schema": {"type": "string"}, "description": "Newest edit."},
                "CacheControl": {"schema": {"type": "string", "const": cache_control}},
                "AllowOrigin": {"schema": {"type": "string", "const": "*"}},
            },
        },
    }


_VENDOR_SCHEMA = {
    "type": ["object", "null"],
    "properties": {
        "slug": {"type": "string"},
        "name": {"type": "string"},
        "docs": {"type": "string", "description": "The vendor's documentation; may be empty."},
        "url": {"type": "string", "format": "uri", "description": "Our page on the vendor."},
    },
}
_PROVENANCE_SCHEMA = {
    "common_name": {
        "type": "string",
        "description": "The name developers know when the registry's differs (418: I'm a "
        "teapot); empty otherwise.",
    },
    "vendor": {**_VENDOR_SCHEMA, "description": "Who sends an unofficial code; null if none."},
    "meanings": {
        "type": "array",
        "description": "Other meanings the number carries in particular products.",
        "items": {
            "type": "object",
            "required": ["used_by", "phrase", "description", "when", "source", "vendor"],
            "properties": {
                "used_by": {"type": "string"},
                "phrase": {"type": "string"},
                "description": {"type": "string"},
                "when": {"type": "string", "description": "When you meet it; may be empty."},
                "source": {"type": "string", "format": "uri"},
                "vendor": _VENDOR_SCHEMA,
            },
        },
    },
    "behaviours": {
        "type": "array",
        "description": "What clients do on receiving the code, and when frameworks and servers "
        "send it, each read in the agent's own source or documentation at the version named.",
        "items": {
            "type": "object",
            "required": ["agent", "kind", "version", "behaviour", "source", "reviewed"],
            "properties": {
                "agent": {"type": "string", "description": "curl, Go net/http, Django…"},
                "kind": {"type": "string", "enum": ["client", "framework"]},
                "version": {"type": "string", "description": "The version that was read."},
                "behaviour": {"type": "string"},
                "source": {"type": "string", "format": "uri"},
                "reviewed": {"type": "string", "format": "date"},
            },
        },
    },
    "sources": {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"title": {"type": "string"}, "url": {"type": "string"}},
        },
    },
    "reviewed": {
        "type": ["string", "null"],
        "format": "date",
        "description": "When an editor last checked the entry against its sources.",
    },
}


def openapi_document() -> dict:
    """The document, with Cache-Control as the settings make it."""
    document = _base_document()
    status_code = document["components"]["schemas"]["StatusCode"]
    status_code["properties"].update(_PROVENANCE_SCHEMA)
    status_code["required"].extend(_PROVENANCE_SCHEMA)
    # Code 0 is the "no status / 000" entry: not an HTTP status, but in the reference;
    # codes above 599 (LinkedIn's 999) are beyond RFC 9110's classes.
    status_code["properties"]["class"]["enum"] = [*CLASS_SLUGS, "none", "beyond"]
    document["paths"].update(_comparison_paths())
    document["components"]["schemas"].update(_COMPARISON_SCHEMAS)
    document["paths"].update(_EXPLAIN_PATHS)
    document["components"]["schemas"].update(_EXPLAIN_SCHEMAS)
    document["components"]["schemas"]["Error"]["properties"].update(_EXPLAIN_ERROR_FIELDS)
    return document


def _comparison_paths():
    def ok(description, schema):
        return {
            "description": description,
            "headers": _COMMON_HEADERS,
            "content": {"application/json": {"schema": {"$ref": schema}}},
        }

    return {
        "/api/compare/": {
            "get": {
                "operationId": "listComparisons",
                "summary": "Every “which one should I use?” comparison, with its table",
                "responses": {
                    "200": ok("The comparisons.", "#/components/schemas/ComparisonList"),
                    "304": _NOT_MODIFIED,
                    "405": _NOT_ALLOWED,
                },
            }
        },
        "/api/compare/{slug}/": {
            "get": {
                "operationId": "getComparison",
                "summary": "One comparison: its codes and their curated properties",
                "parameters": [
                    {
                        "name": "slug",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "example": "redirects",
                    }
                ],
                "responses": {
                    "200": ok("The comparison.", "#/components/schemas/Comparison"),
                    "304": _NOT_MODIFIED,
                    "404": _ERROR_RESPONSE,
                    "405": _NOT_ALLOWED,
                },
            }
        },
    }


_COMPARISON_SCHEMAS = {
    "Comparison": {
        "type": "object",
        "required": ["slug", "title", "question", "url", "columns", "codes"],
        "properties": {
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "question": {"type": "string"},
            "url": {"type": "string", "format": "uri", "description": "The page."},
            "columns": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "label", "help"],
                    "properties": {
                        "field": {"type": "string", "description": "A key of each code row."},
                        "label": {"type": "string"},
                        "help": {"type": "string"},
                    },
                },
            },
            "codes": {
                "type": "array",
                "description": "One row per code: its values for every column's field "
                "(true, false or null where the question does not apply; text otherwise).",
                "items": {
                    "type": "object",
                    "required": ["code", "phrase", "name", "url"],
                    "properties": {
                        "code": {"type": "integer"},
                        "phrase": {"type": "string", "description": "As in the registry."},
                        "name": {"type": "string", "description": "The name developers know."},
                        "url": {"type": "string", "format": "uri"},
                    },
                },
            },
        },
    },
    "ComparisonList": {
        "type": "object",
        "required": ["count", "results"],
        "properties": {
            "count": {"type": "integer"},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/Comparison"}},
        },
    },
}


# -- Explain a response (POST /api/explain/) ---------------------------------------------


def _error(description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_EXPLAIN_PATHS = {
    "/api/explain/": {
        "post": {
            "operationId": "explainResponse",
            "summary": "Explain an HTTP response: paste what curl or a browser showed",
            "description": (
                "Send the output of `curl -i` or `curl -v`, response headers copied from a "
                "browser, or a HAR file (or one entry), up to 1 MB: as JSON "
                '(`{"message": "…", "entry": 1}`) or as the body itself (text/plain; what '
                "`curl --data-binary @-` sends is read the same way). The answer: the status "
                "and its page, each header with what it is for, what is wrong or missing "
                "(httplint's checks and the header fields the code needs), caching and CORS. "
                "Cookie and credential values are masked; nothing is stored. Responses are "
                "`Cache-Control: no-store`."
            ),
            "parameters": [
                {
                    "name": "entry",
                    "in": "query",
                    "required": False,
                    "description": (
                        "For a text body holding several responses (curl -iL, a HAR file): "
                        "which to explain, from 1. Without it: the last curl printed, or the "
                        "HAR file's page."
                    ),
                    "schema": {"type": "integer", "minimum": 1, "maximum": 999999},
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/ExplainRequest"},
                        "example": {
                            "message": "HTTP/1.1 401 Unauthorized\r\n"
                            "Content-Type: text/plain\r\nContent-Length: 9\r\n\r\nSign in.\n"
                        },
                    },
                    "text/plain": {
                        "schema": {"type": "string"},
                        "example": "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n",
                    },
                },
            },
            "responses": {
                "200": {
                    "description": "The explanation.",
                    "headers": {
                        "Cache-Control": {"schema": {"type": "string", "const": "no-store"}},
                        "Access-Control-Allow-Origin": {"$ref": "#/components/headers/AllowOrigin"},
                    },
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Explanation"}}
                    },
                },
                "400": _error("The JSON is not an object with a string “message”, or a bad entry."),
                "405": {
                    "description": "Any method but POST or OPTIONS.",
                    "headers": {"Allow": {"schema": {"type": "string", "const": "POST, OPTIONS"}}},
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
                "413": _error("Over 1 MB."),
                "415": _error("A body that is neither JSON nor text."),
                "422": _error(
                    "No HTTP response could be read in the text (the message says why, "
                    "`expected` lists what is read), or no such entry."
                ),
            },
        }
    }
}

_NOTE = {
    "type": "object",
    "required": ["level", "label", "category", "text", "details", "id", "field"],
    "properties": {
        "level": {"type": "string", "enum": ["bad", "warning", "info", "good"]},
        "label": {"type": "string", "description": "The level in a word: Problem, Warning…"},
        "category": {"type": "string", "description": "httplint's category, or Reference."},
        "text": {"type": "string", "description": "One line, plain text."},
        "details": {"type": "array", "items": {"type": "string"}},
        "id": {"type": "string", "description": "httplint's note name; empty for ours."},
        "field": {"type": "string", "description": "The header field it is about (lower case)."},
        "source": {"type": "string", "description": "Our checks: the RFC section."},
        "url": {"type": "string"},
    },
}
_NOTES = {"type": "array", "items": {"$ref": "#/components/schemas/Note"}}
_LINES = {"type": "array", "items": {"type": "string"}}
_SECONDS = {"type": ["number", "null"], "description": "Seconds of freshness left, or null."}

_EXPLAIN_SCHEMAS = {
    "ExplainRequest": {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {
                "type": "string",
                "maxLength": MAX_BYTES,
                "description": "What curl or the browser showed (at most 1 MB as UTF-8).",
            },
            "entry": {"type": "integer", "minimum": 1, "maximum": 999999},
        },
    },
    "Note": _NOTE,
    "Explanation": {
        "type": "object",
        "required": [
            "read_as",
            "entries",
            "entry",
            "request",
            "status",
            "problems",
            "counts",
            "headers",
            "caching",
            "cors",
            "notes",
            "content",
            "masked",
        ],
        "properties": {
            "read_as": {"type": "string", "description": "What the text was read as."},
            "entries": {
                "type": "array",
                "description": "Every response found, to pick one with `entry`.",
                "items": {
                    "type": "object",
                    "properties": {
                        "number": {"type": "integer"},
                        "label": {"type": "string"},
                        "status": {"type": ["integer", "null"]},
                    },
                },
            },
            "entry": {"type": "integer", "description": "The one explained."},
            "entries_left_out": {"type": "integer"},
            "request": {
                "type": ["object", "null"],
                "description": "When the text shows it (curl -v, HAR); query values hidden.",
                "properties": {"method": {"type": "string"}, "url": {"type": "string"}},
            },
            "status": {
                "type": "object",
                "required": ["code", "text", "reason", "version", "known"],
                "properties": {
                    "code": {"type": ["integer", "null"]},
                    "text": {"type": "string"},
                    "reason": {"type": "string"},
                    "version": {"type": "string"},
                    "known": {"type": "boolean", "description": "A code this reference has."},
                    "name": {"type": "string"},
                    "summary": {"type": "string"},
                    "official": {"type": "boolean"},
                    "url": {"type": "string", "format": "uri", "description": "Its page."},
                    "meanings": {"type": "array", "items": {"type": "object"}},
                },
            },
            "problems": {**_NOTES, "description": "What is wrong or missing, worst first."},
            "counts": {
                "type": "object",
                "properties": {"bad": {"type": "integer"}, "warning": {"type": "integer"}},
            },
            "headers": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "value", "masked", "about", "notes"],
                    "properties": {
                        "name": {"type": "string"},
                        "value": {"type": "string", "description": "Cookie values masked."},
                        "masked": {"type": "boolean"},
                        "about": {"type": "string", "description": "What the field is for."},
                        "notes": _NOTES,
                    },
                },
            },
            "caching": {
                "type": "object",
                "required": ["stored_by", "fresh_for", "heuristic", "lines", "notes"],
                "properties": {
                    "stored_by": {"type": "string", "enum": ["all", "private", "shared", "none"]},
                    "fresh_for": {
                        "type": "object",
                        "properties": {"private": _SECONDS, "shared": _SECONDS},
                    },
                    "heuristic": {
                        "type": "boolean",
                        "description": "Caches may pick a lifetime (RFC 9111 §4.2.2).",
                    },
                    "lines": _LINES,
                    "notes": _NOTES,
                },
            },
            "cors": {
                "type": ["object", "null"],
                "properties": {"lines": _LINES, "notes": _NOTES},
            },
            "notes": {**_NOTES, "description": "httplint's other notes."},
            "content": {
                "type": "object",
                "properties": {
                    "checked": {"type": "boolean"},
                    "length": {"type": ["integer", "null"]},
                    "note": {"type": "string"},
                },
            },
            "masked": {"type": "boolean", "description": "Some values were masked."},
            "checked_by": {"type": ["string", "null"]},
        },
    },
}

_EXPLAIN_ERROR_FIELDS = {
    "expected": {"type": "array", "items": {"type": "string"}, "description": "What is read."},
    "entries": {"type": "integer", "description": "How many responses the text holds."},
    "accepted": {"type": "array", "items": {"type": "string"}},
}
