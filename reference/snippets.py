"""How to send a status code from Django, Flask, FastAPI, Express and Go.

Every snippet is derived from the code alone, so it is right for every entry:
Python constants come from ``http.HTTPStatus`` at run time (never invented),
Go constants from the table below (copied from Go's net/http status.go), and
a code without a constant is written as its integer.
"""

from dataclasses import dataclass
from http import HTTPStatus

# Go's net/http Status* constants (src/net/http/status.go). 306 is reserved
# there as "_" and has no name; nginx/Cloudflare codes have none either.
GO_CONSTANTS = {
    100: "StatusContinue",
    101: "StatusSwitchingProtocols",
    102: "StatusProcessing",
    103: "StatusEarlyHints",
    200: "StatusOK",
    201: "StatusCreated",
    202: "StatusAccepted",
    203: "StatusNonAuthoritativeInfo",
    204: "StatusNoContent",
    205: "StatusResetContent",
    206: "StatusPartialContent",
    207: "StatusMultiStatus",
    208: "StatusAlreadyReported",
    226: "StatusIMUsed",
    300: "StatusMultipleChoices",
    301: "StatusMovedPermanently",
    302: "StatusFound",
    303: "StatusSeeOther",
    304: "StatusNotModified",
    305: "StatusUseProxy",
    307: "StatusTemporaryRedirect",
    308: "StatusPermanentRedirect",
    400: "StatusBadRequest",
    401: "StatusUnauthorized",
    402: "StatusPaymentRequired",
    403: "StatusForbidden",
    404: "StatusNotFound",
    405: "StatusMethodNotAllowed",
    406: "StatusNotAcceptable",
    407: "StatusProxyAuthRequired",
    408: "StatusRequestTimeout",
    409: "StatusConflict",
    410: "StatusGone",
    411: "StatusLengthRequired",
    412: "StatusPreconditionFailed",
    413: "StatusRequestEntityTooLarge",
    414: "StatusRequestURITooLong",
    415: "StatusUnsupportedMediaType",
    416: "StatusRequestedRangeNotSatisfiable",
    417: "StatusExpectationFailed",
    418: "StatusTeapot",
    421: "StatusMisdirectedRequest",
    422: "StatusUnprocessableEntity",
    423: "StatusLocked",
    424: "StatusFailedDependency",
    425: "StatusTooEarly",
    426: "StatusUpgradeRequired",
    428: "StatusPreconditionRequired",
    429: "StatusTooManyRequests",
    431: "StatusRequestHeaderFieldsTooLarge",
    451: "StatusUnavailableForLegalReasons",
    500: "StatusInternalServerError",
    501: "StatusNotImplemented",
    502: "StatusBadGateway",
    503: "StatusServiceUnavailable",
    504: "StatusGatewayTimeout",
    505: "StatusHTTPVersionNotSupported",
    506: "StatusVariantAlsoNegotiates",
    507: "StatusInsufficientStorage",
    508: "StatusLoopDetected",
    510: "StatusNotExtended",
    511: "StatusNetworkAuthenticationRequired",
}

# Responses that must not carry content (RFC 9110 §15.3.5, §15.3.6, §15.4.5).
NO_CONTENT = {204, 205, 304}
EXAMPLE_LOCATION = "/new-place/"


def python_constant(code):
    """``HTTPStatus.NOT_FOUND``, or None when this Python's HTTPStatus lacks the code."""
    try:
        return f"HTTPStatus.{HTTPStatus(code).name}"
    except ValueError:
        return None


def go_constant(code):
    """``http.StatusNotFound``, or None when Go's net/http has no constant for the code."""
    name = GO_CONSTANTS.get(code)
    return f"http.{name}" if name else None


def example_headers(code):
    """Headers a response with this code must (or in practice should) carry."""
    headers = []
    if 300 <= code < 400 and code != 304:
        headers.append(("Location", EXAMPLE_LOCATION))
    headers += {
        401: [("WWW-Authenticate", 'Basic realm="example"')],
        405: [("Allow", "GET, HEAD")],
        407: [("Proxy-Authenticate", 'Basic realm="example"')],
        416: [("Content-Range", "bytes */1000")],
        429: [("Retry-After", "60")],
        503: [("Retry-After", "60")],
    }.get(code, [])
    return headers


@dataclass
class Snippet:
    slug: str  # for the element id: snippet-<slug>
    framework: str
    language: str
    constant: str | None  # the named constant shown, when the language has one
    code: str = ""  # the snippet; empty when ``note`` explains why there is none
    note: str = ""


def _message(entry):
    return f"{entry.code} {entry.phrase}".replace('"', "'")


# -- Python ----------------------------------------------------------------


def _py_status(code):
    return python_constant(code) or str(code)


def _py_import(code, *names):
    lines = []
    if python_constant(code):
        lines += ["from http import HTTPStatus", ""]  # the standard library, then the rest
    return lines + [name for name in names if name]


def _django(entry):
    code, status = entry.code, _py_status(entry.code)
    headers = [h for h in example_headers(code) if h[0] != "Location"]
    if code == 304:
        body = ["    return HttpResponseNotModified()"]
        imports = ["from django.http import HttpResponseNotModified"]
        code_text = "\n".join(imports + ["", "", "def view(request):", *body])
        return code_text
    if code in (301, 302, 307, 308):
        cls = "HttpResponsePermanentRedirect" if code in (301, 308) else "HttpResponseRedirect"
        keep = ", preserve_request=True" if code in (307, 308) else ""
        lines = [f"from django.http import {cls}", "", "", "def view(request):"]
        lines.append(f'    return {cls}("{EXAMPLE_LOCATION}"{keep})')
        return "\n".join(lines)
    imports = _py_import(code)
    if code in NO_CONTENT:
        imports.append("from django.http import HttpResponse")
        make = f"HttpResponse(status={status})"
    else:
        imports.append("from django.http import JsonResponse")
        make = f'JsonResponse({{"detail": "{_message(entry)}"}}, status={status})'
    lines = [*imports, "", "", "def view(request):"]
    if 300 <= code < 400:
        headers = example_headers(code)
    if headers:
        lines.append(f"    response = {make}")
        lines += [f'    response["{name}"] = {_py_str(value)}' for name, value in headers]
        lines.append("    return response")
    else:
        lines.append(f"    return {make}")
    return "\n".join(lines)


def _py_str(value):
    return f"'{value}'" if '"' in value else f'"{value}"'


def _py_headers(code):
    headers = example_headers(code)
    if not headers:
        return ""
    return "{" + ", ".join(f'"{name}": {_py_str(value)}' for name, value in headers) + "}"


def _flask(entry):
    code, status = entry.code, _py_status(entry.code)
    imports = _py_import(code)
    imports.append("from flask import Flask")
    headers = _py_headers(code)
    body = '""' if code in NO_CONTENT else f'{{"detail": "{_message(entry)}"}}'
    result = f"{body}, {status}" + (f", {headers}" if headers else "")
    lines = [*imports, "", "app = Flask(__name__)", "", "", '@app.route("/example")']
    lines += ["def example():", f"    return {result}"]
    return "\n".join(lines)


def _fastapi(entry):
    code, status = entry.code, _py_status(entry.code)
    headers = _py_headers(code)
    extra = f", headers={headers}" if headers else ""
    imports = _py_import(code)
    if code in NO_CONTENT:
        imports.append("from fastapi import FastAPI, Response")
        make = f"Response(status_code={status}{extra})"
    else:
        imports.append("from fastapi import FastAPI")
        imports.append("from fastapi.responses import JSONResponse")
        content = f'{{"detail": "{_message(entry)}"}}'
        make = f"JSONResponse({content}, status_code={status}{extra})"
    lines = [*imports, "", "app = FastAPI()", "", "", '@app.get("/example")']
    lines += ["def example():", f"    return {make}"]
    return "\n".join(lines)


# -- Express ---------------------------------------------------------------


def _js_str(value):
    return "'" + value.replace("'", "\\'") + "'"


def _express(entry):
    code = entry.code
    lines = ["app.get('/example', (req, res) => {"]
    if 300 <= code < 400 and code != 304:
        lines.append(f"  res.redirect({code}, '{EXAMPLE_LOCATION}');")
    else:
        lines += [
            f"  res.set({_js_str(name)}, {_js_str(value)});"
            for name, value in example_headers(code)
        ]
        if code in (204, 304):
            lines.append(f"  res.sendStatus({code});")
        elif code == 205:
            # Express 4's send() strips the body of 204 and 304 only: end() sends none.
            lines.append("  res.status(205).end();")
        else:
            lines.append(f"  res.status({code}).send({{ detail: {_js_str(_message(entry))} }});")
    lines.append("});")
    return "\n".join(lines)


# -- Go --------------------------------------------------------------------


def _go_status(code):
    return go_constant(code) or str(code)


def _go(entry):
    code, status = entry.code, _go_status(entry.code)
    lines = ["func example(w http.ResponseWriter, r *http.Request) {"]
    if 300 <= code < 400 and code != 304:
        lines.append(f'\thttp.Redirect(w, r, "{EXAMPLE_LOCATION}", {status})')
    else:
        lines += [
            f"\tw.Header().Set({_go_str(name)}, {_go_str(value)})"
            for name, value in example_headers(code)
        ]
        if code in NO_CONTENT:
            lines.append(f"\tw.WriteHeader({status})")
        else:
            lines.append('\tw.Header().Set("Content-Type", "application/json")')
            lines.append(f"\tw.WriteHeader({status})")
            detail = _message(entry).replace('"', '\\"')
            lines.append(f'\tfmt.Fprint(w, `{{"detail": "{detail}"}}`)')
    lines.append("}")
    return "\n".join(lines)


def _go_str(value):
    return "`" + value + "`" if '"' in value else f'"{value}"'


# -- 1xx: interim responses ------------------------------------------------

WSGI_NOTE = {
    100: "You never send it yourself: the server (Gunicorn, uWSGI, …) answers "
    "“Expect: 100-continue” before the body is read. A WSGI view returns exactly "
    "one final response.",
    101: "A WSGI view cannot switch protocols: WebSockets need ASGI (Django Channels, "
    "or Django's async views behind an ASGI server with a WebSocket library).",
}
WSGI_DEFAULT = (
    "A WSGI view returns exactly one final response, so it cannot send an interim "
    "{code} response; only the server or a proxy in front of it could."
)


def _interim_notes(entry):
    code = entry.code
    wsgi = WSGI_NOTE.get(code, WSGI_DEFAULT.format(code=code))
    if code == 100:
        fastapi = "Uvicorn and Hypercorn send it themselves when the app reads the request body."
        express = (
            "Node sends it automatically for “Expect: 100-continue”, unless you handle "
            "the server's 'checkContinue' event and call res.writeContinue() yourself."
        )
        go = "net/http sends it automatically the first time the handler reads r.Body."
    elif code == 101:
        fastapi = "Declare a @app.websocket route: the ASGI server performs the upgrade."
        express = (
            "Handle the HTTP server's 'upgrade' event (or use a library such as ws); "
            "an Express route cannot answer 101."
        )
        go = (
            "Take over the connection with http.Hijacker (or a library such as "
            "nhooyr.io/websocket / gorilla/websocket), then write the 101 yourself."
        )
    else:
        fastapi = f"A route returns one final response; it cannot send an interim {code}."
        express = {
            102: "Node's res.writeProcessing() sends one before the final response.",
            103: "Node's res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' }) "
            "sends one before the final response (Node 18.11+).",
        }.get(code, f"Neither Express nor Node has an API for an interim {code} response.")
        go = (
            f"Since Go 1.19, calling w.WriteHeader({_go_status(code)}) before the final "
            "w.WriteHeader sends it as an interim response (headers set so far go with it)."
        )
    return {"django": wsgi, "flask": wsgi, "fastapi": fastapi, "express": express, "go": go}


# -- All together ----------------------------------------------------------

FRAMEWORKS = [
    ("django", "Django", "python", _django),
    ("flask", "Flask", "python", _flask),
    ("fastapi", "FastAPI", "python", _fastapi),
    ("express", "Express", "javascript", _express),
    ("go", "Go net/http", "go", _go),
]


def snippets_for(entry):
    """One Snippet per framework: code to send ``entry.code``, or a note for 1xx."""
    code = entry.code
    notes = _interim_notes(entry) if code < 200 else {}
    result = []
    for slug, framework, language, build in FRAMEWORKS:
        if language == "python":
            constant = python_constant(code)
        elif language == "go":
            constant = go_constant(code)
        else:
            constant = None
        if slug in notes:
            result.append(Snippet(slug, framework, language, constant, note=notes[slug]))
        else:
            result.append(Snippet(slug, framework, language, constant, code=build(entry)))
    return result
