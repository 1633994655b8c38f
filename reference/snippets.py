"""How to send a status code from Django, Flask, FastAPI, Express and Go.

Every snippet is derived from the code and the facts in ``protocol`` (content
or none, the header fields the code needs), so it is right for every entry:
Python constants come from ``http.HTTPStatus`` at run time (never invented),
Go constants from the table below (copied from Go's net/http status.go), and
a code without a constant is written as its integer. The one piece of editor
text, the name in the response body, enters the code only as a string literal
escaped by that language's own rules.
"""

import json
from dataclasses import dataclass
from http import HTTPStatus
from wsgiref.util import is_hop_by_hop

from . import protocol
from .protocol import EXAMPLE_LOCATION

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


@dataclass
class Snippet:
    slug: str  # for the element id: snippet-<slug>
    framework: str
    language: str
    constant: str | None  # the named constant shown, when the language has one
    code: str = ""  # the snippet; empty when ``note`` explains why there is none
    note: str = ""


# -- String literals -------------------------------------------------------
# A phrase written in the admin must stay one string in every language: quotes,
# backslashes, backticks, ${, line breaks and unicode are escaped, never pasted.


def py_str(value):
    """A Python string literal for ``value``: repr(), in double quotes where it can be."""
    literal = repr(value)
    if literal.startswith("'") and '"' not in value:
        # repr() picks single quotes only when the value has no ' either, so the
        # escaped text between them is valid between double quotes too.
        literal = f'"{literal[1:-1]}"'
    return literal


def js_str(value):
    """A JavaScript string literal: JSON's escaping, which JavaScript shares (ES2019)."""
    return json.dumps(value)


_GO_ESCAPES = {
    "\a": r"\a",
    "\b": r"\b",
    "\f": r"\f",
    "\n": r"\n",
    "\r": r"\r",
    "\t": r"\t",
    "\v": r"\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_str(value):
    """A Go interpreted string literal, escaped as Go's strconv.Quote does.

    Never a raw `...` string: Go raw strings have no escapes, so a backtick in
    the value would end one and the rest would be code.
    """
    out = []
    for char in value:
        point = ord(char)
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif 0xD800 <= point <= 0xDFFF:
            out.append(r"\ufffd")  # a lone surrogate has no UTF-8; Go writes U+FFFD too
        elif char.isprintable():
            out.append(char)
        elif point < 0x80:
            out.append(f"\\x{point:02x}")  # \x is one byte: only for ASCII
        elif point <= 0xFFFF:
            out.append(f"\\u{point:04x}")
        else:
            out.append(f"\\U{point:08x}")
    return '"' + "".join(out) + '"'


def _message(entry):
    """The body's text: the name developers know (418 I'm a teapot), not "(Unused)"."""
    return f"{entry.code} {entry.display_name}"


def _wsgi_headers(code):
    """The code's header fields a WSGI app can send, and comments for those it cannot.

    PEP 3333 forbids hop-by-hop fields (Connection, Upgrade, Proxy-Authenticate,
    …) in a WSGI response: wsgiref refuses them and Gunicorn drops them.
    """
    pairs = protocol.required_headers(code)
    sendable = [(name, value) for name, value in pairs if not is_hop_by_hop(name)]
    dropped = [f"{name}: {value}" for name, value in pairs if is_hop_by_hop(name)]
    comments = []
    if dropped:
        comments = [
            f"{' and '.join(dropped)}: hop-by-hop, which the WSGI server drops;",
            "only the server or a proxy in front of it can send it.",
        ]
    return sendable, comments


# -- Python ----------------------------------------------------------------


def _py_status(code):
    return python_constant(code) or str(code)


def _py_import(code, *names):
    lines = []
    if python_constant(code):
        lines += ["from http import HTTPStatus", ""]  # the standard library, then the rest
    return lines + list(names)


def _py_dict(pairs):
    return "{" + ", ".join(f"{py_str(key)}: {py_str(value)}" for key, value in pairs) + "}"


def _py_detail(entry):
    return _py_dict([("detail", _message(entry))])


def _django(entry):
    code, status = entry.code, _py_status(entry.code)
    headers, comments = _wsgi_headers(code)
    if code == 304:
        imports = ["from django.http import HttpResponseNotModified"]
        make = "HttpResponseNotModified()"
    elif code == 405:
        # The class sets Allow from its list.
        headers = [(name, value) for name, value in headers if name != "Allow"]
        allowed = ", ".join(py_str(method) for method in protocol.allowed_methods("GET"))
        imports = ["from django.http import HttpResponseNotAllowed"]
        make = f"HttpResponseNotAllowed([{allowed}])"
    elif code in (301, 302, 307, 308):
        headers = [(name, value) for name, value in headers if name != "Location"]
        cls = "HttpResponsePermanentRedirect" if code in (301, 308) else "HttpResponseRedirect"
        keep = ", preserve_request=True" if code in (307, 308) else ""
        imports = [f"from django.http import {cls}"]
        make = f"{cls}({py_str(EXAMPLE_LOCATION)}{keep})"
    elif not protocol.has_content(code):
        imports = _py_import(code, "from django.http import HttpResponse")
        make = f"HttpResponse(status={status})"
    else:
        imports = _py_import(code, "from django.http import JsonResponse")
        make = f"JsonResponse({_py_detail(entry)}, status={status})"
    lines = [*imports, "", "", "def view(request):"]
    lines += [f"    # {comment}" for comment in comments]
    if headers:
        lines.append(f"    response = {make}")
        lines += [f"    response[{py_str(name)}] = {py_str(value)}" for name, value in headers]
        lines.append("    return response")
    else:
        lines.append(f"    return {make}")
    return "\n".join(lines)


def _flask(entry):
    code, status = entry.code, _py_status(entry.code)
    headers, comments = _wsgi_headers(code)
    body = _py_detail(entry) if protocol.has_content(code) else '""'
    result = f"{body}, {status}" + (f", {_py_dict(headers)}" if headers else "")
    lines = [*_py_import(code, "from flask import Flask"), "", "app = Flask(__name__)", "", ""]
    lines += ['@app.route("/example")', "def example():"]
    lines += [f"    # {comment}" for comment in comments]
    lines.append(f"    return {result}")
    return "\n".join(lines)


def _fastapi(entry):
    code, status = entry.code, _py_status(entry.code)
    headers = protocol.required_headers(code)
    extra = f", headers={_py_dict(headers)}" if headers else ""
    if protocol.has_content(code):
        imports = _py_import(
            code, "from fastapi import FastAPI", "from fastapi.responses import JSONResponse"
        )
        make = f"JSONResponse({_py_detail(entry)}, status_code={status}{extra})"
    else:
        imports = _py_import(code, "from fastapi import FastAPI, Response")
        make = f"Response(status_code={status}{extra})"
    lines = [*imports, "", "app = FastAPI()", "", "", '@app.get("/example")']
    lines += ["def example():", f"    return {make}"]
    return "\n".join(lines)


# -- Express ---------------------------------------------------------------


def _express(entry):
    code = entry.code
    headers = protocol.required_headers(code)
    lines = [f"app.get({js_str('/example')}, (req, res) => {{"]
    if code != 304 and any(name == "Location" for name, _ in headers) and code >= 300:
        lines.append(f"  res.redirect({code}, {js_str(EXAMPLE_LOCATION)});")
    else:
        lines += [f"  res.set({js_str(name)}, {js_str(value)});" for name, value in headers]
        if code in (204, 304):
            lines.append(f"  res.sendStatus({code});")
        elif not protocol.has_content(code):
            # Express's send() strips the body of 204 and 304 only: end() sends none.
            lines.append(f"  res.status({code}).end();")
        else:
            detail = js_str(_message(entry))
            lines.append(f"  res.status({code}).send({{ detail: {detail} }});")
    lines.append("});")
    return "\n".join(lines)


# -- Go --------------------------------------------------------------------


def _go_status(code):
    return go_constant(code) or str(code)


def _go(entry):
    code, status = entry.code, _go_status(entry.code)
    headers = protocol.required_headers(code)
    lines = ["func example(w http.ResponseWriter, r *http.Request) {"]
    if code != 304 and any(name == "Location" for name, _ in headers) and code >= 300:
        lines.append(f"\thttp.Redirect(w, r, {go_str(EXAMPLE_LOCATION)}, {status})")
    else:
        lines += [f"\tw.Header().Set({go_str(name)}, {go_str(value)})" for name, value in headers]
        if protocol.has_content(code):
            lines.append(
                f"\tw.Header().Set({go_str('Content-Type')}, {go_str('application/json')})"
            )
            lines.append(f"\tw.WriteHeader({status})")
            detail = go_str(_message(entry))
            lines.append(
                f"\tjson.NewEncoder(w).Encode(map[string]string{{{go_str('detail')}: {detail}}})"
            )
        else:
            lines.append(f"\tw.WriteHeader({status})")
    lines.append("}")
    return "\n".join(lines)


# -- 1xx: interim responses ------------------------------------------------


def _interim_notes(entry):
    code = entry.code
    wsgi = protocol.interim_note(code, entry.display_name)
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
        hints = {name.lower(): value for name, value in protocol.required_headers(103)}
        express = {
            102: "Node's res.writeProcessing() sends one before the final response.",
            103: f"Node's res.writeEarlyHints({{ link: {js_str(hints['link'])} }}) "
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


def should_send(entry):
    """False for a code no server should send: its entry says why, or it is no status (0)."""
    return not entry.not_sent_reason and 100 <= entry.code <= 599


def snippets_for(entry):
    """One Snippet per framework: code to send ``entry.code``, or a note for 1xx.

    None at all for a code that should not be sent: the page gives the reason.
    """
    if not should_send(entry):
        return []
    code = entry.code
    notes = _interim_notes(entry) if not protocol.is_final(code) else {}
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
