"""What HTTP itself says about each status code, stated once.

Which responses carry no content, which header fields a code needs (with an
example value), why an interim (1xx) code cannot be a WSGI view's answer, and
what a reason phrase may contain on the wire. Try-it, the snippets, the pages
and the API all read these; none of them keeps a copy. Sources: RFC 9110
(HTTP Semantics), RFC 9112 (HTTP/1.1), RFC 6585 (429) and RFC 8297 (103).
"""

import re
from dataclasses import dataclass

# -- Content ---------------------------------------------------------------

# RFC 9110 §6.4.1: "All 1xx (Informational), 204 (No Content), and 304 (Not
# Modified) responses do not include content"; §15.3.6: "a server MUST NOT
# generate content in a 205 response".
NO_CONTENT = frozenset({204, 205, 304})


def has_content(code, method="GET"):
    """Whether a response with this status, to this request method, may carry content.

    Never for 1xx, 204, 205 and 304; never for a response to HEAD (§9.3.2); never
    for a 2xx to CONNECT, which turns the connection into a tunnel (§9.3.6).
    """
    method = method.upper()
    if code < 200 or code in NO_CONTENT or method == "HEAD":
        return False
    return not (method == "CONNECT" and 200 <= code < 300)


# Where RFC 9110 says a response with the code has no content.
NO_CONTENT_SOURCES = {204: "RFC 9110 §15.3.5", 205: "RFC 9110 §15.3.6", 304: "RFC 9110 §15.4.5"}
INTERIM_SOURCE = "RFC 9110 §15.2"


def is_final(code):
    """A final response (2xx-5xx): the only kind a WSGI view can return (PEP 3333)."""
    return 200 <= code <= 599


# -- Header fields -----------------------------------------------------------

# Example values, shared by the snippets and try-it so that they never differ.
EXAMPLE_LOCATION = "/new-place/"
EXAMPLE_LENGTH = 1000  # the selected representation's length, in bytes, for Content-Range
# The methods an example resource allows. A 405 lists the ones the request did not use.
EXAMPLE_METHODS = ("GET", "HEAD", "POST")


@dataclass(frozen=True)
class HeaderRule:
    """A header field a status code needs, how strongly, and where RFCs say so."""

    name: str
    example: str
    level: str  # the RFC's word: "MUST", "SHOULD" or "MAY"
    why: str
    source: str  # "RFC 9110 §15.5.2"

    @property
    def url(self):
        return source_url(self.source)


def source_url(source):
    """The RFC Editor's link for "RFC 9110 §15.5.2"."""
    number, _, section = source.removeprefix("RFC ").partition(" §")
    return f"https://www.rfc-editor.org/rfc/rfc{number}#section-{section}"


def _upgrade(source):
    return [
        HeaderRule(
            "Upgrade", "websocket", "MUST", "the protocol the connection switches to", source
        ),
        HeaderRule(
            "Connection",
            "Upgrade",
            "MUST",
            "a sender of Upgrade also names it in Connection, so proxies drop it",
            "RFC 9110 §7.8",
        ),
    ]


_LOCATION = HeaderRule(
    "Location", EXAMPLE_LOCATION, "SHOULD", "where the client goes next", "RFC 9110 §10.2.2"
)


def _retry_after(source):
    return HeaderRule(
        "Retry-After", "60", "MAY", "how many seconds to wait before trying again", source
    )


HEADER_RULES = {
    101: _upgrade("RFC 9110 §15.2.2"),
    103: [
        HeaderRule(
            "Link",
            "</style.css>; rel=preload; as=style",
            "MAY",
            "what the client may start loading before the final response arrives",
            "RFC 8297 §2",
        )
    ],
    201: [
        HeaderRule(
            "Location",
            EXAMPLE_LOCATION,
            "MAY",
            "the resource that was created; without it, the target URI is",
            "RFC 9110 §15.3.2",
        )
    ],
    206: [
        HeaderRule(
            "Content-Range",
            f"bytes 0-499/{EXAMPLE_LENGTH}",
            "MUST",
            "which part of the representation the content is",
            "RFC 9110 §15.3.7",
        )
    ],
    300: [_LOCATION],  # the server's preferred choice, if it has one
    301: [_LOCATION],
    302: [_LOCATION],
    303: [_LOCATION],
    304: [
        HeaderRule(
            "ETag",
            '"v1"',
            "MUST",
            "the validator a 200 would have carried; so too Cache-Control, Vary, Expires",
            "RFC 9110 §15.4.5",
        )
    ],
    307: [_LOCATION],
    308: [_LOCATION],
    401: [
        HeaderRule(
            "WWW-Authenticate",
            'Basic realm="example"',
            "MUST",
            "the authentication scheme(s) the resource accepts",
            "RFC 9110 §15.5.2",
        )
    ],
    405: [
        HeaderRule(
            "Allow",
            "POST",  # the example refuses GET; see required_headers()
            "MUST",
            "the methods the resource supports: never the refused one (here GET)",
            "RFC 9110 §15.5.6",
        )
    ],
    407: [
        HeaderRule(
            "Proxy-Authenticate",
            'Basic realm="proxy"',
            "MUST",
            "the authentication scheme(s) the proxy accepts",
            "RFC 9110 §15.5.8",
        )
    ],
    408: [
        HeaderRule(
            "Connection",
            "close",
            "SHOULD",
            "the server is closing the connection",
            "RFC 9110 §15.5.9",
        )
    ],
    416: [
        HeaderRule(
            "Content-Range",
            f"bytes */{EXAMPLE_LENGTH}",
            "SHOULD",
            "the current length of the representation",
            "RFC 9110 §15.5.17",
        )
    ],
    426: _upgrade("RFC 9110 §15.5.22"),
    429: [_retry_after("RFC 6585 §4")],
    503: [_retry_after("RFC 9110 §15.6.4")],
}


# Framing fields a response with no content must not carry: RFC 9110 §8.6 (Content-Length)
# and RFC 9112 §6.1 (Transfer-Encoding) both forbid them in 1xx and 204 responses.
FORBIDDEN_FRAMING = (("Content-Length", "RFC 9110 §8.6"), ("Transfer-Encoding", "RFC 9112 §6.1"))


def forbidden_fields(code):
    """(name, source) of the header fields a response with ``code`` must not carry."""
    if 100 <= code < 200 or code == 204:
        return list(FORBIDDEN_FRAMING)
    return []


def header_rules(code):
    """The HeaderRules for ``code`` (an empty list when it needs none)."""
    return list(HEADER_RULES.get(code, []))


def allowed_methods(refused):
    """The example's Allow list for a 405 that refused ``refused``.

    Never the refused method itself, and GET and HEAD go together: a resource
    that supports GET supports HEAD (RFC 9110 §9.1).
    """
    refused = refused.upper()
    if refused in ("GET", "HEAD"):
        return [m for m in EXAMPLE_METHODS if m not in ("GET", "HEAD")]
    return [m for m in EXAMPLE_METHODS if m != refused]


def required_headers(code, method="GET", *, content_length=None):
    """(name, example value) pairs a response with ``code`` to ``method`` carries.

    The values fit the request: a 405's Allow never lists ``method``; given the
    length of the content actually sent, a 206's Content-Range describes that
    content (the whole representation, as one range).
    """
    pairs = []
    for rule in header_rules(code):
        value = rule.example
        if code == 405 and rule.name == "Allow":
            value = ", ".join(allowed_methods(method))
        elif code == 206 and rule.name == "Content-Range" and content_length:
            value = f"bytes 0-{content_length - 1}/{content_length}"
        pairs.append((rule.name, value))
    return pairs


def facts(code):
    """What HTTP says about ``code``, as plain data for the code page and the API."""
    no_content_source = INTERIM_SOURCE if 100 <= code < 200 else NO_CONTENT_SOURCES.get(code)
    return {
        "final": is_final(code),
        "content": has_content(code),
        "no_content_source": no_content_source,
        "no_content_source_url": source_url(no_content_source) if no_content_source else None,
        "required_headers": [
            {
                "name": rule.name,
                "example": rule.example,
                "level": rule.level,
                "why": rule.why,
                "source": rule.source,
                "url": rule.url,
            }
            for rule in header_rules(code)
        ],
    }


# -- Interim (1xx) responses -------------------------------------------------

# Why a WSGI view cannot answer with an interim code; try-it and the snippets
# for WSGI frameworks (Django, Flask) both say this.
INTERIM_NOTES = {
    100: "100 Continue is an interim response: the server itself (Gunicorn, uWSGI, …) "
    "sends it when a request carries “Expect: 100-continue”, before the application "
    "reads the body. A WSGI view returns exactly one final response, so it cannot "
    "send 100 itself.",
    101: "101 Switching Protocols hands the connection over to another protocol "
    "(such as WebSocket) after an Upgrade request. A WSGI view returns one HTTP "
    "response and cannot take over the connection: WebSockets need ASGI (Django "
    "Channels, or Django's async views behind an ASGI server with a WebSocket library).",
}
INTERIM_DEFAULT = (
    "{code} {name} is an interim (1xx) response, sent before the final one. A WSGI "
    "view returns exactly one final response, so it cannot send an interim {code}; "
    "only the server or a proxy in front of it could."
)


def interim_note(code, name):
    """Why a WSGI view cannot send the 1xx ``code`` (``name`` is what to call it)."""
    return INTERIM_NOTES.get(code) or INTERIM_DEFAULT.format(code=code, name=name)


# -- The status line -----------------------------------------------------------

# RFC 9112 §4: reason-phrase = 1*( HTAB / SP / VCHAR / obs-text ). obs-text is
# obsolete and must be Latin-1 besides, so only printable ASCII goes on the wire.
_LINE_BREAKS_AND_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def wire_reason(phrase):
    """``phrase`` made safe for a status line, or None (let the server choose one).

    Line breaks and other control characters would end the status line early (a
    response-splitting hole; servers refuse it), so each run of them becomes one
    space; characters outside ASCII are dropped.
    """
    text = _LINE_BREAKS_AND_CONTROLS.sub(" ", phrase).encode("ascii", "ignore").decode()
    return " ".join(text.split()) or None
