"""What a reader captured of an HTTP response, read into responses to explain.

Four shapes are read: the output of ``curl -i`` (or ``-I``, ``-iL``: every response
it printed), of ``curl -v`` (the exchange, with curl's own remarks on framing),
response headers copied from a browser's network panel (raw, or Chromium's
"Status Code: 200 OK" lines), and HAR files (Chromium's and Firefox's export:
a whole file, or one entry). ``read`` raises ``Unreadable`` with a message that
says what was expected. Nothing is kept: the text is read, explained, forgotten.
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

MAX_BYTES = 2**20  # what a reader may paste or pipe: 1 MB
MAX_FIELDS = 500  # header fields read per response; real servers stop near 100
MAX_ENTRIES = 1000  # responses (HAR entries) offered to pick from

# RFC 9110 §5.6.2: a field name is a token.
_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_FIELD_LINE = re.compile(rb"(" + _TOKEN + rb")[ \t]*:[ \t]*(.*)")
_STATUS_LINE = re.compile(rb"HTTP/(\S*)[ \t]+(\S+)(?:\s(.*))?")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
# What Chromium's network panel shows above the headers (its "General" section).
_GENERAL = re.compile(
    rb"(Request URL|Request Method|Status Code|Remote Address|Referrer Policy):[ \t]*(.*)", re.I
)
# A line that names a field (or a "General" line) whose value may be on the next line.
_LABEL = re.compile(
    rb"(" + _TOKEN + rb"|Request URL|Request Method|Status Code|Remote Address|Referrer Policy)"
    rb"[ \t]*(:?)",
    re.I,
)
_SECTION_TITLE = re.compile(rb"(General|Response Headers|Request Headers)(?:[ \t]*\(\d+\))?", re.I)
_VERSIONS = {"http/1.0": "1.0", "http/1.1": "1.1", "http/2": "2", "http/2.0": "2", "h2": "2"}
_VERSIONS.update({"h3": "3", "http/3": "3", "http/3.0": "3"})

EXPECTED = [
    "the output of curl -i (or -I, -iL): “HTTP/1.1 200 OK”, then the header lines, "
    "a blank line and the content",
    "the output of curl -v (with 2>&1): the lines starting with “<” are the response",
    "response headers copied from a browser's network panel, one “Name: value” per line, "
    "with the status line (“HTTP/1.1 200 OK” in the raw view, or Chromium's "
    "“Status Code: 200 OK”)",
    "a HAR file (the browser's “Save all as HAR”), or one entry of it",
]


class Unreadable(ValueError):
    """Not something we can read as a response; the message says what was expected."""


class TooLarge(Unreadable):
    pass


@dataclass
class Request:
    method: str
    url: str
    version: str = "1.1"
    headers: list = field(default_factory=list)  # [(name, value)], as str


@dataclass
class Response:
    status: int | None
    status_text: str  # the code as written, for a status line that is not three digits
    reason: str
    version: str  # "1.1", "2", …; "" when the capture has no status line
    headers: list = field(default_factory=list)  # [(name, value)], as str
    body: bytes | None = None  # None when the capture has no content to check
    body_note: str = ""  # why the content is not checked
    exact: bool = True  # the content as on the wire (piped), not retyped by a text box
    request: Request | None = None
    remarks: list = field(default_factory=list)  # curl's own words on this transfer
    unread_lines: list = field(default_factory=list)  # line numbers that were not fields
    fields_dropped: int = 0  # fields beyond MAX_FIELDS

    @property
    def label(self):
        status = self.status if self.status is not None else self.status_text or "no status"
        if self.request:
            return f"{self.request.method} {display_url(self.request.url)} → {status}"
        return f"{status} {self.reason}".strip()


@dataclass
class Capture:
    kind: str  # "text" (a status line and headers: curl -i), "curl -v", "headers", "HAR"
    responses: list
    default: int  # index of the response explained unless the reader picks another
    entries_dropped: int = 0


def display_url(url):
    """``url`` as we show it: no user or password, query values hidden, at most 120 characters."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
    except ValueError:
        return url[:120]
    query = "&".join(f"{name}=…" for name, _ in parse_qsl(parts.query, keep_blank_values=True))
    shown = f"{parts.scheme}://{host}{parts.path}" if parts.scheme else parts.path
    if query:
        shown += "?" + query
    return shown if len(shown) <= 120 else shown[:119] + "…"


def _text(data):
    return data.decode("utf-8", "replace")


# -- Reading -------------------------------------------------------------------


def read(data: bytes, *, pasted: bool) -> Capture:
    """Every response in ``data``.

    ``pasted``: it came through a text box, where line endings may have changed.
    """
    if len(data) > MAX_BYTES:
        raise TooLarge(
            f"That is {len(data):,} bytes; this page reads at most {MAX_BYTES:,} (1 MB). "
            "Cut the content after the headers, or keep only the entry you need."
        )
    data = data.removeprefix(b"\xef\xbb\xbf")
    start = data.lstrip()
    if not start:
        raise Unreadable("There is nothing to explain: paste a response first.")
    head = start[:4096].split(b"\n\n", 1)[0]
    if b"\x00" in head or sum(byte < 9 or 13 < byte < 32 for byte in head) > len(head) // 10:
        raise Unreadable("This looks like binary data, not the text of an HTTP response.")
    if start[:1] in (b"{", b"["):
        capture = _read_har(start)
    elif re.search(rb"(?m)^< HTTP/", data):
        capture = _read_verbose(data)
    else:
        capture = _read_plain(start, pasted)
    if not capture.responses:
        raise Unreadable("No HTTP response was found in what you sent.")
    return capture


def _fields(lines, response, first_line_number=1):
    """Field lines into ``response.headers``; an indented line continues the previous one."""
    for number, line in enumerate(lines, first_line_number):
        line = line.rstrip(b"\r")
        if not line.strip():
            continue
        if line[:1] in (b" ", b"\t") and response.headers:
            name, value = response.headers[-1]
            response.headers[-1] = (name, f"{value} {_text(line.strip())}")
            continue
        match = _FIELD_LINE.fullmatch(line)
        if not match:
            response.unread_lines.append(number)
        elif len(response.headers) >= MAX_FIELDS:
            response.fields_dropped += 1
        else:
            response.headers.append((_text(match[1]), _text(match[2].strip())))


def _status(line):
    """(version, status, status_text, reason) from a status line (bytes)."""
    match = _STATUS_LINE.match(line.rstrip(b"\r"))
    version, code, reason = match[1], match[2], match[3] or b""
    status = int(code) if re.fullmatch(rb"[0-9]{3}", code) else None
    return _text(version), status, _text(code)[:20], _text(reason.strip())


def _is_status_line(data):
    return _STATUS_LINE.match(data.split(b"\n", 1)[0].rstrip(b"\r")) is not None


def _read_plain(data, pasted):
    """curl -i output (one or more responses), or headers from a browser's panel."""
    if not _is_status_line(data):
        return Capture("headers", [_read_panel(data)], 0)
    responses = []
    position = 0
    while position < len(data) and len(responses) < MAX_ENTRIES:
        end = _HEAD_END.search(data, position)
        head = data[position : end.start() if end else len(data)]
        lines = head.split(b"\n")
        version, status, status_text, reason = _status(lines[0])
        response = Response(status, status_text, reason, version, exact=not pasted)
        line_number = data.count(b"\n", 0, position) + 2
        _fields(lines[1:], response, line_number)
        responses.append(response)
        rest = data[end.end() :] if end else b""
        following = _next_response(rest, response)
        content = rest[:following]
        position = (end.end() + following) if end else len(data)
        if end is None:
            response.body_note = "Only the header section was sent, so the content is not checked."
        elif following < len(rest) or not content.strip(b"\r\n"):
            # curl prints no content for interim responses, HEAD (-I), redirects it
            # follows, 204 and 304: none to check, which is not the same as empty.
            response.body_note = "No content was included, so its length is not checked."
        else:
            response.body = content
    return Capture("text", responses, len(responses) - 1)


def _next_response(rest, response):
    """Where the next response starts in ``rest`` (its length if none does)."""
    if rest.startswith(b"HTTP/") and _is_status_line(rest):
        return 0
    length = {n.lower(): v for n, v in response.headers}.get("content-length", "")
    if length.isdigit() and int(length) < len(rest):
        after = rest[int(length) :]
        stripped = after.lstrip(b"\r\n")
        if stripped.startswith(b"HTTP/") and _is_status_line(stripped):
            return int(length) + (len(after) - len(stripped))
    return len(rest)


def _is_field(line):
    """A "Name: value" line, and not a URL such as a Location's value on a line of its own."""
    return bool(_FIELD_LINE.fullmatch(line)) and not re.match(rb"[A-Za-z][\w+.-]*://", line)


def _panel_lines(data):
    """Non-empty lines, each field on one line.

    Chromium's panel, out of its raw view, copies a field as its name (or "name:") and
    its value on two lines, and the "General" lines ("Status Code") likewise.
    """
    raw = [(number, line.strip()) for number, line in enumerate(data.split(b"\n"), 1)]
    raw = [(number, line) for number, line in raw if line]
    lines = []
    index = 0
    while index < len(raw):
        number, line = raw[index]
        following = raw[index + 1][1] if index + 1 < len(raw) else None
        label = _LABEL.fullmatch(line)
        # A "General" label always takes the next line; a field's name unless that line is
        # a field itself (an empty "X-Empty:" in the raw view is followed by one).
        takes = label and (b" " in label[1] or not _is_field(following or b""))
        if (
            following is not None
            and takes
            and not _SECTION_TITLE.fullmatch(line)
            and not line.isdigit()
        ):
            lines.append((number, label[1] + b": " + following))
            index += 2
        else:
            lines.append((number, line))
            index += 1
    return lines


def _read_panel(data):
    """Headers copied from a browser's network panel, with or without its "General" lines."""
    response = Response(None, "", "", "")
    method = url = None
    section = b"response headers"
    for number, line in _panel_lines(data):
        title = _SECTION_TITLE.fullmatch(line)
        general = _GENERAL.fullmatch(line)
        if title:
            section = title[1].lower()
        elif general:
            name, value = general[1].lower(), general[2].strip()
            if name == b"status code":
                code = value.split(None, 1)
                if code and re.fullmatch(rb"[0-9]{3}", code[0]):
                    response.status = int(code[0])
                    response.reason = _text(code[1]) if len(code) > 1 else ""
            elif name == b"request method":
                method = _text(value)[:20]
            elif name == b"request url":
                url = _text(value)
        elif section != b"request headers" and line.lower().startswith(b":status:"):
            code = line.split(b":", 2)[2].strip()
            if re.fullmatch(rb"[0-9]{3}", code):
                response.status = int(code)
        elif section == b"response headers":
            _fields([line], response, number)
    if response.status is None and not response.headers:
        raise Unreadable("Neither a status line nor any “Name: value” header line was found.")
    if method or url:
        response.request = Request((method or "GET").upper(), url or "")
    response.body_note = "Headers only: there is no content to check."
    return response


# -- curl -v ---------------------------------------------------------------------------

_EXCESS = re.compile(r"Excess found(?: in a read)?: excess = (\d+)")
_SHORT = re.compile(r"transfer closed with (\d+) bytes remaining to read")
_CURL_TROUBLE = re.compile(r"excess|remaining|illegal|error|fail|invalid|malformed|weird", re.I)


def _read_verbose(data):
    """curl -v: "> " the request, "< " the response(s), "* " curl's remarks."""
    responses = []
    request = None
    response = None
    head = []  # the current response's field lines
    tls = False
    in_head = False
    for raw in data.split(b"\n"):
        line = raw.rstrip(b"\r")
        if line.startswith(b"> ") or line == b">":
            text = line[2:]
            if re.fullmatch(rb"[A-Z]+ \S+ HTTP/\S+", text):
                method, target, version = _text(text).split(" ")
                request = Request(method, target, version.removeprefix("HTTP/"))
            elif request and (match := _FIELD_LINE.fullmatch(text)):
                request.headers.append((_text(match[1]), _text(match[2].strip())))
        elif line.startswith(b"< ") or line == b"<":
            text = line[2:]
            if text.startswith(b"HTTP/") and _is_status_line(text):
                if len(responses) >= MAX_ENTRIES:
                    break
                version, status, status_text, reason = _status(text)
                response = Response(status, status_text, reason, version, request=request)
                response.body_note = (
                    "curl -v mixes the content with its own lines, so its length is not "
                    "checked here; curl's own remarks on the transfer are shown instead."
                )
                responses.append(response)
                head = []
                in_head = True
            elif response is not None and in_head:
                if text.strip():
                    head.append(text)
                else:
                    _fields(head, response)
                    in_head = False
        elif line.startswith(b"* "):
            remark = _text(line[2:]).strip()
            if remark.startswith(("SSL connection", "ALPN", "TLSv", "Server certificate")):
                tls = True
            if response is not None and not in_head and _CURL_TROUBLE.search(remark):
                response.remarks.append(remark[:200])
    if response is not None and in_head:
        _fields(head, response)
    for response in responses:
        if response.request and response.request.url.startswith("/"):
            host = {n.lower(): v for n, v in response.request.headers}.get("host", "")
            scheme = "https" if tls else "http"
            response.request.url = f"{scheme}://{host}{response.request.url}" if host else ""
    return Capture("curl -v", responses, len(responses) - 1 if responses else 0)


def curl_problems(response):
    """What curl's remarks say about the framing, in plain words: (level, text) pairs."""
    problems = []
    for remark in response.remarks:
        excess = _EXCESS.search(remark)
        short = _SHORT.search(remark)
        if excess and "zero-length body" in remark:
            problems.append(
                f"The server sent {excess[1]} bytes of content after a {response.status}, "
                "which has none: curl dropped them (“Excess found”). The next response on "
                "this connection would start with them."
            )
        elif excess:
            problems.append(
                f"The server sent {excess[1]} bytes more than its Content-Length: curl "
                "stopped at the announced length (“Excess found”)."
            )
        elif short:
            problems.append(
                f"The connection closed {short[1]} bytes short of the Content-Length: "
                "the content is incomplete (curl: “transfer closed with bytes remaining”)."
            )
        else:
            problems.append(f"curl said: {remark}")
    return problems


# -- HAR -------------------------------------------------------------------------------


def _read_har(data):
    try:
        document = json.loads(data)
    except ValueError as error:
        raise Unreadable(
            "This looks like JSON, but it does not parse "
            f"({str(error)[:120]}): a HAR file must be whole, as the browser saved it."
        ) from None
    except RecursionError:
        raise Unreadable("This JSON is nested too deeply to be a HAR file.") from None
    if isinstance(document, dict) and isinstance(document.get("log"), dict):
        entries = document["log"].get("entries")
    elif isinstance(document, dict) and "response" in document:
        entries = [document]
    elif isinstance(document, list):
        entries = document
    else:
        entries = None
    if not isinstance(entries, list):
        raise Unreadable(
            'This is JSON, but not a HAR file: expected {"log": {"entries": […]}} as '
            "browsers save it, or one entry with “request” and “response”."
        )
    responses = []
    default = None
    for entry in entries:
        if len(responses) >= MAX_ENTRIES:
            break
        response = _har_entry(entry)
        if response is None:
            continue
        if default is None and isinstance(entry, dict) and entry.get("_resourceType") == "document":
            default = len(responses)
        responses.append(response)
    if not responses:
        raise Unreadable(
            "This HAR file has no entry with a response (each needs “response” with a "
            "numeric “status” and a list of “headers”)."
        )
    dropped = max(0, len(entries) - MAX_ENTRIES)
    return Capture("HAR", responses, default or 0, entries_dropped=dropped)


def _pairs(headers):
    """HAR's [{"name", "value"}] as (name, value), leaving out HTTP/2 pseudo-fields."""
    if not isinstance(headers, list):
        return None
    pairs = []
    for item in headers[:MAX_FIELDS]:
        if not isinstance(item, dict):
            return None
        name, value = item.get("name"), item.get("value")
        if not isinstance(name, str) or not isinstance(value, str):
            return None
        if not name.startswith(":"):
            pairs.append((name, value))
    return pairs


def _version(text):
    text = text if isinstance(text, str) else ""
    return _VERSIONS.get(text.strip().lower(), text.removeprefix("HTTP/")[:10])


def _har_entry(entry):
    if not isinstance(entry, dict) or not isinstance(entry.get("response"), dict):
        return None
    har = entry["response"]
    status = har.get("status")
    headers = _pairs(har.get("headers"))
    if not isinstance(status, int) or isinstance(status, bool) or headers is None:
        return None
    reason = har.get("statusText") if isinstance(har.get("statusText"), str) else ""
    code = status if 0 <= status <= 999 else None
    response = Response(code, str(status)[:20], reason[:200], _version(har.get("httpVersion")))
    response.headers = headers
    request = entry.get("request")
    if isinstance(request, dict):
        method = request.get("method") if isinstance(request.get("method"), str) else "GET"
        url = request.get("url") if isinstance(request.get("url"), str) else ""
        pairs = _pairs(request.get("headers")) or []
        response.request = Request(method[:20], url, _version(request.get("httpVersion")), pairs)
    response.body, response.body_note = _har_content(har.get("content"), headers)
    return response


def _har_content(content, headers):
    """The entry's content as bytes, when the HAR holds it as sent (not decoded from gzip)."""
    if not isinstance(content, dict) or not isinstance(content.get("text"), str):
        return None, "This entry holds no content (saved without it), so it is not checked."
    fields = {name.lower(): value for name, value in headers}
    if fields.get("content-encoding", "identity").strip().lower() != "identity":
        return None, (
            "The HAR holds the content decoded (without its Content-Encoding), so its "
            "length cannot be compared with Content-Length."
        )
    text = content["text"]
    if content.get("encoding") == "base64":
        try:
            return base64.b64decode(text, validate=False), ""
        except (binascii.Error, ValueError):
            return None, "This entry's content is not valid base64, so it is not checked."
    charset = re.search(r"charset=\"?([\w.:-]+)", fields.get("content-type", ""), re.I)
    try:
        return text.encode(charset[1] if charset else "utf-8"), ""
    except (LookupError, UnicodeError):
        return None, "This entry's content cannot be encoded back to its charset."
