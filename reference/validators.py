"""What curated text must be, checked the same way for the fixtures and for editors.

Model fields and ``StatusCode.clean`` run these, so the admin's forms refuse
what the fixtures' tests refuse (tests/test_data.py runs them over the fixture),
each with a message naming the line.

How the examples count as HTTP: each example is the message as it crosses the
wire with every line ending CRLF (the fixture stores LF, an admin textarea posts
CRLF; both mean the same bytes), in UTF-8. So a body's Content-Length is its
length in bytes with CRLF line endings. An example that shows no body shows the
head only (a 100 MB upload); a body that is shown is the whole body and is
framed by Content-Length (or chunked). A response example may hold interim 1xx
responses before the final one. h11, a real HTTP/1.1 parser, reads every example.
"""

import ast
import datetime
import re

import h11
from django.core.exceptions import ValidationError
from django.utils import timezone

HTTP_URL = re.compile(r"^https?://[^\s/|]+[^\s|]*$", re.IGNORECASE)
# A field name is a token (RFC 9110 §5.1).
_FIELD_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_FRAMING = {b"content-length", b"transfer-encoding"}


def _line_error(number, line, problem):
    shown = line if len(line) <= 60 else line[:57] + "…"
    return ValidationError(
        "Line %(number)s (“%(line)s”): %(problem)s",
        params={"number": number, "line": shown, "problem": problem},
        code="line",
    )


def _numbered(text):
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def validate_header_lines(text):
    """``Name: why it matters`` on every line."""
    errors = []
    for number, line in _numbered(text):
        name, colon, why = line.partition(":")
        if not colon:
            errors.append(_line_error(number, line, "no colon; write “Name: why it matters”."))
        elif not _FIELD_NAME.match(name.strip()):
            errors.append(_line_error(number, line, f"“{name.strip()[:40]}” is not a header name."))
        elif not why.strip():
            errors.append(_line_error(number, line, "say why the header matters, after the colon."))
    if errors:
        raise ValidationError(errors)


def validate_source_lines(text):
    """``Title | https://…`` on every line: a source readers can follow, and nothing else."""
    errors = []
    for number, line in _numbered(text):
        title, bar, url = line.rpartition("|")
        if not bar or not title.strip():
            errors.append(_line_error(number, line, "write “Title | https://…”."))
        elif not HTTP_URL.match(url.strip()):
            errors.append(
                _line_error(number, line, "the link must be an http:// or https:// address.")
            )
    if errors:
        raise ValidationError(errors)


def validate_http_url(value):
    if value and not HTTP_URL.match(value):
        raise ValidationError(
            "Enter an http:// or https:// address: readers follow it.", code="scheme"
        )


def validate_not_in_the_future(value):
    if value and value > timezone.localdate() + datetime.timedelta(days=1):  # any time zone
        raise ValidationError(
            "%(value)s is in the future: the date an editor last checked the entry.",
            params={"value": value.isoformat()},
            code="future",
        )


# -- The examples, read by a real HTTP/1.1 parser ---------------------------------------------


def wire(text):
    """The bytes on the wire: every line ending CRLF, UTF-8."""
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")


def _check_head_lines(text, start_line):
    """Header lines with a colon, named by line, before h11 says "illegal header line"."""
    errors = []
    in_head = False
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            in_head = False
            continue
        if re.match(start_line, line):
            in_head = True
            continue
        if in_head and (":" not in line or not _FIELD_NAME.match(line.partition(":")[0])):
            errors.append(_line_error(number, line, "a header line is “Name: value”."))
    if errors:
        raise ValidationError(errors)


def _events(conn):
    """Events until the parser wants more data, the message ends, or the protocol switches."""
    events = []
    while True:
        event = conn.next_event()
        if event in (h11.NEED_DATA, h11.PAUSED):
            return events, event
        events.append(event)
        if isinstance(event, h11.EndOfMessage):
            return events, None


_BYTEARRAY = re.compile(r"bytearray\((b(['\"]).*\2)\)")


def _quoted(match):
    try:
        return "“" + ast.literal_eval(match[1]).decode("utf-8", "replace") + "”"
    except (ValueError, SyntaxError):  # not one literal after all: as h11 wrote it
        return match[0]


def _invalid(kind, problem):
    if isinstance(problem, h11.RemoteProtocolError):  # h11 shows the line as a bytearray
        problem = _BYTEARRAY.sub(_quoted, str(problem))
        if re.search(r"“HTTP/[23]|HTTP/[23]”", problem):
            problem += "; examples are written as HTTP/1.1 messages"
    return ValidationError(
        "Not a valid HTTP/1.1 %(kind)s: %(problem)s", params={"kind": kind, "problem": problem}
    )


def parse_request(text):
    """The example request as h11 reads it (an ``h11.Request``), or a ValidationError."""
    text = text.replace("\r\n", "\n")
    if text[:1].isspace():
        raise _invalid(
            "request", "it must start with the request line (“GET /path HTTP/1.1”), not a blank."
        )
    head, _, body = text.partition("\n\n")
    _check_head_lines(head, r"^[A-Z]+ \S+ HTTP/")
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(wire(head) + b"\r\n\r\n" + wire(body))
    try:
        events, waiting = _events(conn)
    except h11.RemoteProtocolError as exc:
        raise _invalid("request", exc) from exc
    if not events:
        raise _invalid("request", "no request line (“GET /path HTTP/1.1”).")
    request = events[0]
    if body:
        if not {name for name, _ in request.headers} & _FRAMING:
            raise _invalid(
                "request", "a body without Content-Length: on the wire that body is not there."
            )
        received = b"".join(e.data for e in events if isinstance(e, h11.Data))
        if waiting is not None:
            raise _invalid("request", "Content-Length is larger than the body.")
        if received != wire(body) or conn.trailing_data[0]:
            raise _invalid(
                "request",
                f"Content-Length does not match the body ({len(wire(body))} bytes, "
                "counted with CRLF line endings).",
            )
    return request


def _final_head_is_last(text):
    parts = text.split("\n\n")
    for index, part in enumerate(parts):
        status = re.match(r"HTTP/\S+ (\d{3})", part)
        if status and (status.group(1) == "101" or not status.group(1).startswith("1")):
            return index == len(parts) - 1
    return True


def parse_response(text, request):
    """The interim and final responses of a response example, as h11 reads them."""
    text = text.replace("\r\n", "\n")
    _check_head_lines(text, r"^HTTP/\S+ \d")
    conn = h11.Connection(h11.CLIENT)
    headers = [(n, v) for n, v in request.headers if n not in _FRAMING]
    conn.send(h11.Request(method=request.method, target=request.target, headers=headers))
    conn.send(h11.EndOfMessage())
    # An example showing the final response's head only ends it there: a line break
    # typed after its last field, as the blank line, closes that head.
    head_only = _final_head_is_last(text)
    data = wire(text.rstrip("\n")) + b"\r\n\r\n" if head_only else wire(text)
    conn.receive_data(data)
    responses, ended = [], False
    try:
        while not ended and conn.their_state is not h11.SWITCHED_PROTOCOL:
            batch, waiting = _events(conn)
            responses += [
                e for e in batch if isinstance(e, h11.InformationalResponse | h11.Response)
            ]
            ended = bool(batch) and isinstance(batch[-1], h11.EndOfMessage)
            if waiting is not None:
                break
    except h11.RemoteProtocolError as exc:
        raise _invalid("response", exc) from exc
    if not responses:
        raise _invalid("response", "no status line (“HTTP/1.1 404 Not Found”).")
    if conn.their_state is h11.SWITCHED_PROTOCOL:
        return responses
    if not isinstance(responses[-1], h11.Response):
        raise _invalid("response", "only interim 1xx responses, no final one.")
    shown = data.split(b"\r\n\r\n", len(responses))[-1]
    if shown:
        if not {name for name, _ in responses[-1].headers} & _FRAMING:
            raise _invalid("response", "a body without Content-Length.")
        if not ended:
            raise _invalid("response", "Content-Length is larger than the body.")
        if conn.trailing_data[0]:
            raise _invalid(
                "response",
                "bytes after the message: Content-Length is smaller than the body (counted "
                "with CRLF line endings), or there is a body where none is allowed.",
            )
    return responses
