"""Explain a captured response: its status, each header in one line, what is wrong or
missing, who may cache it and for how long, and what its CORS headers allow.

The checks are httplint's (the HTTP linter behind REDbot): its notes are shown by
their one-line summaries, as text. Around them, from what the code pages use: the
header fields a code needs (``protocol``), whether a code is heuristically
cacheable (the data, RFC 9110 §15.1), and curl's own remarks on framing.
Cookie and credential values are masked in everything shown back; nothing is
kept or logged, not even when httplint fails.
"""

import logging
import re
import textwrap
from functools import lru_cache

import httplint
from django.db import DatabaseError
from httplint import HttpRequestLinter, HttpResponseLinter, get_field_description
from httplint.cache import HEURISTIC_CACHEABLE_STATUS
from httplint.cli.http_parser import terminal_safe
from httplint.note import categories, levels
from httplint.util import relative_time

from . import capture, catalogue, protocol

logger = logging.getLogger(__name__)

MASK = "•••"
CORS_NAME = str(categories.CORS.value)
LEVELS = {levels.BAD: "bad", levels.WARN: "warning", levels.GOOD: "good", levels.INFO: "info"}
LABELS = {"bad": "Problem", "warning": "Warning", "good": "Good", "info": "Note"}
MAX_VALUE = 2000  # characters of a header value shown back
# What httplint reads of each field value: real servers refuse fields far shorter
# (8 to 16 KB), and a 1 MB cookie would cost it minutes and a million notes.
MAX_LINTED_VALUE = 16384
MAX_NOTES = 200
# Notes httplint writes when it thinks a status is not heuristically cacheable; its list
# predates RFC 9110 §15.1 (which adds 204, 308, 404, 405, 414, 501), so where the data
# says a code is, these two are replaced by our own lines.
NOT_CACHEABLE_NOTES = {"STORE_UNSTORABLE", "FRESHNESS_NONE"}
# httplint's caching notes that our lines restate from the same figures (its checker's).
RESTATED = {
    "STORE_NO_STORE",
    "STORE_PRIVATE_CC",
    "STORE_PRIVATE_AUTH",
    "STORE_STORABLE",
    "STORE_PUBLIC_AUTH",
    "STORE_STORABLE_SHARED_ONLY",
    "STORE_UNSTORABLE",
    "FRESHNESS_FRESH",
    "FRESHNESS_SHARED_PRIVATE",
    "FRESHNESS_NO_CACHE",
    "CURRENT_AGE",
    "STALE_WHILE_REVALIDATE",
    "STALE_IF_ERROR",
    "FRESH_MUST_REVALIDATE",
    "STALE_MUST_REVALIDATE",
}
STORED_BY = {
    "STORE_NO_STORE": "none",
    "STORE_PRIVATE_CC": "private",
    "STORE_PRIVATE_AUTH": "private",
    "STORE_STORABLE": "all",
    "STORE_PUBLIC_AUTH": "all",
    "STORE_STORABLE_SHARED_ONLY": "shared",
    "STORE_UNSTORABLE": "none",
}
WHO = {
    "all": "Browsers and shared caches (proxies, CDNs) may store it.",
    "private": "Only the browser's own (private) cache may store it; shared caches such as "
    "proxies and CDNs may not.",
    "shared": "Only shared caches (proxies, CDNs) may store it: s-maxage gives them a "
    "lifetime, and nothing allows browsers to keep it.",
    "none": "No cache may store it.",
}
# What the text was read as (capture.Capture.kind), in words.
KINDS = {
    "text": "a status line and headers (curl -i, or a browser's raw headers)",
    "curl -v": "curl -v output",
    "headers": "headers copied from a browser's network panel",
    "HAR": "a HAR file",
}


# -- Shown back: masked, one line ----------------------------------------------------


def _masked_pair(pair):
    """A cookie's "name=value" with the value hidden; with no "=", it is all value."""
    name, equals, value = pair.strip().partition("=")
    if not (value.strip() if equals else name):
        return pair.strip()
    return f"{name}={MASK}" if equals else MASK


def mask(name, value):
    """``value`` with cookie and credential values hidden: (shown value, masked?)."""
    lower = name.lower()
    if lower == "set-cookie":
        pair, separator, attributes = value.partition(";")
        shown = _masked_pair(pair)
        return f"{shown}{separator}{attributes}", shown != pair.strip()
    if lower == "cookie":
        pairs = value.split(";")
        shown = [_masked_pair(pair) for pair in pairs]
        return "; ".join(shown), shown != [pair.strip() for pair in pairs]
    if lower in ("authorization", "proxy-authorization"):
        scheme, space, credentials = value.strip().partition(" ")
        return (f"{scheme} {MASK}" if space else MASK), True
    return value, False


def _secrets(response):
    """The values masked in this response (and its request), to scrub from any text."""
    found = []
    fields = list(response.headers) + (list(response.request.headers) if response.request else [])
    for name, value in fields:
        lower = name.lower()
        if lower in ("set-cookie", "cookie"):
            pairs = value.split(";", 1)[:1] if lower == "set-cookie" else value.split(";")
            for pair in pairs:
                cookie, equals, secret = pair.partition("=")
                found.append((secret if equals else cookie).strip())
        elif lower in ("authorization", "proxy-authorization"):
            found.append(value.strip().partition(" ")[2].strip() or value.strip())
    # Short values would mangle ordinary words; these are never in httplint's summaries.
    return sorted({secret for secret in found if len(secret) >= 6}, key=len, reverse=True)


def _scrub(text, secrets):
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def _shorten(value):
    return value if len(value) <= MAX_VALUE else value[: MAX_VALUE - 1] + "…"


@lru_cache(maxsize=512)
def about(name):
    """What the header field is for, in one line (httplint's description of it)."""
    try:
        description = get_field_description(name)
    except Exception:  # a field name httplint's finder chokes on is simply unknown
        description = None
    if not description:
        if name.lower().startswith("x-"):
            return "Not a registered field: this server's or a vendor's own (X- prefix)."
        return "Not a field httplint knows: probably this server's or a vendor's own."
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", description).replace("`", "")
    text = " ".join(text.split("\n\n", 1)[0].split())
    return re.split(r"(?<=[a-z)])\. (?=[A-Z])", text, maxsplit=1)[0].rstrip(".") + "."


def codes_for(request):
    """The catalogue's entries by code; none when the database cannot be read."""
    try:
        return catalogue.for_request(request).by_code
    except DatabaseError:  # the explanation stands without the links to our pages
        return {}


# -- httplint ----------------------------------------------------------------------------


def _encoded(content, coding):
    """Whether ``content`` still looks encoded with ``coding`` (or was decoded for display)."""
    coding = coding.strip().lower()
    if coding in ("gzip", "x-gzip"):
        return content[:2] == b"\x1f\x8b"
    if coding == "zstd":
        return content[:4] == b"\x28\xb5\x2f\xfd"
    if coding == "deflate":
        return content[:1] == b"\x78"
    try:
        content.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _content(response):
    """(the content to check, or None; a note on it)."""
    content, note = response.body, response.body_note
    fields = {name.lower(): value for name, value in response.headers}
    coding = fields.get("content-encoding", "identity")
    encoded = coding.strip().lower() != "identity"
    if content is not None and encoded and not (response.exact and _encoded(content, coding)):
        return None, (
            f"The content shown is already decoded (Content-Encoding: {coding[:40]}; "
            "curl --compressed and browsers decode it), so its length is not compared "
            "with Content-Length."
        )
    length = fields.get("content-length", "").strip()
    if content is not None and not response.exact and length.isdigit():
        # A text box turns line breaks into CRLF, and terminals copy them as LF.
        for variant in (
            content,
            content.replace(b"\r\n", b"\n"),
            re.sub(rb"(?<!\r)\n", b"\r\n", content),
        ):
            if len(variant) == int(length):
                return variant, note
    return content, note


def _linted(headers):
    return [(name.encode(), value[:MAX_LINTED_VALUE].encode()) for name, value in headers]


def lint(response):
    """httplint's linter after reading ``response``, or None if httplint failed on it."""
    content, _ = _content(response)
    try:
        request_linter = None
        if response.request:
            request = response.request
            request_linter = HttpRequestLinter()
            request_linter.process_request_topline(
                request.method.encode(), (request.url or "/").encode(), request.version.encode()
            )
            request_linter.process_headers(_linted(request.headers))
            request_linter.finish_content(True)
        linter = HttpResponseLinter(_related=request_linter, no_content=content is None)
        linter.is_head_response = bool(response.request and response.request.method == "HEAD")
        if response.request and response.request.url:
            linter.base_uri = response.request.url
        linter.process_response_topline(
            (response.version or "1.1").encode(),
            (response.status_text or "").encode(),
            response.reason.encode(),
        )
        linter.process_headers(_linted(response.headers))
        if content:
            linter.feed_content(content)
        linter.finish_content(True)
        return linter
    except Exception as error:  # never a 500, and nothing of the text in the log
        logger.warning("httplint failed on a pasted response: %s", type(error).__name__)
        return None


def _note(note, secrets):
    try:
        text = note.summary
        children = [_scrub(child.summary, secrets) for child in note.subnotes]
    except Exception:  # a note httplint cannot word: leave it out
        return None
    subjects = [
        subject.removeprefix("field-").removeprefix("header-")
        for subject in note.subject.split()
        if subject.startswith(("field-", "header-"))
    ]
    level = LEVELS.get(note.level, "info")
    return {
        "level": level,
        "label": LABELS[level],
        "category": str(note.category.value),
        "text": _scrub(text, secrets),
        "details": children,
        "id": type(note).__name__,
        "field": subjects[0] if subjects else "",
    }


# -- The explanation ---------------------------------------------------------------------


def explain(captured, number=None, by_code=None):
    """Everything we say about response ``number`` (1-based; the capture's default if None).

    ``by_code``: the catalogue's entries by code, for the status's page and whether it
    is heuristically cacheable; empty when the database cannot be read.
    """
    by_code = by_code or {}
    count = len(captured.responses)
    if number is None or not 1 <= number <= count:
        number = captured.default + 1
    response = captured.responses[number - 1]
    entry = by_code.get(response.status) if response.status is not None else None
    secrets = _secrets(response)
    linter = lint(response)
    content, content_note = _content(response)
    present = {name.lower() for name, _ in response.headers}

    notes = []
    if linter is not None:
        notes = [n for n in (_note(note, secrets) for note in list(linter.notes)[:MAX_NOTES]) if n]
        notes = _corrected(notes, response, entry)
    problems = _problems(response, entry, present, notes, linter, content)
    headers = _headers(response, notes, present)
    caching = _caching(response, entry, linter, notes, present)
    notes = [n for n in notes if n["id"] not in RESTATED]
    cors = _cors(response, notes, present)
    placed = {id(n) for n in problems + caching["notes"] + (cors["notes"] if cors else [])}
    placed |= {id(n) for header in headers for n in header["notes"]}
    return {
        "read_as": KINDS.get(captured.kind, captured.kind),
        "entries": [
            {"number": index, "label": r.label, "status": r.status}
            for index, r in enumerate(captured.responses, 1)
        ],
        "entry": number,
        "entries_left_out": captured.entries_dropped,
        "request": (
            {"method": response.request.method, "url": capture.display_url(response.request.url)}
            if response.request
            else None
        ),
        "status": _status(response, entry, by_code),
        "problems": problems,
        "counts": {
            level: sum(n["level"] == level for n in problems) for level in ("bad", "warning")
        },
        "headers": headers,
        "caching": caching,
        "cors": cors,
        "notes": [n for n in notes if id(n) not in placed],
        "content": {
            "checked": content is not None,
            "length": len(content) if content is not None else None,
            "note": content_note,
        },
        "unread_lines": response.unread_lines[:20],
        "fields_left_out": response.fields_dropped,
        "masked": any(mask(n, v)[1] for n, v in response.headers),
        "checked_by": f"httplint {httplint.__version__}" if linter is not None else None,
    }


def _corrected(notes, response, entry):
    """httplint's notes, less those our facts contradict or it cannot know."""
    kept = []
    for note in notes:
        if note["id"] in NOT_CACHEABLE_NOTES and entry is not None and entry.cacheable:
            continue
        # Without the request, httplint takes any response as a non-preflight one.
        if note["id"] == "CORS_PREFLIGHT_ONLY" and response.request is None:
            continue
        kept.append(note)
    return kept


def _status(response, entry, by_code):
    code = response.status
    status = {
        "code": code,
        "text": response.status_text if code is None else str(code),
        "reason": response.reason,
        "version": response.version,
        "known": entry is not None,
        "class_digit": str(code // 100) if code is not None and 100 <= code <= 599 else "0",
    }
    if entry is not None:
        status.update(
            name=entry.display_name,
            phrase=entry.phrase,
            summary=entry.summary,
            class_slug=entry.class_slug,
            class_name=entry.class_name,
            official=entry.official,
            origin=entry.origin,
            path=entry.get_absolute_url(),
            meanings=[
                {"used_by": meaning.used_by, "phrase": meaning.phrase}
                for meaning in entry.meanings.all()
            ],
        )
    elif code is not None and 100 <= code <= 599:
        fallback = by_code.get(code // 100 * 100)
        status["class_slug"] = f"{code // 100}xx"
        if fallback is not None:
            status["fallback"] = {"code": fallback.code, "path": fallback.get_absolute_url()}
    return status


def _problem(level, text, source="", field=""):
    """One of our own findings, in the shape of httplint's notes, with its source."""
    return {
        "level": level,
        "label": LABELS[level],
        "category": "Reference",
        "text": text,
        "details": [],
        "id": "",
        "field": field,
        "source": source,
        "url": protocol.source_url(source) if source else "",
    }


def _problems(response, entry, present, notes, linter, content):
    """What is wrong or missing: httplint's bad and warning notes, then our own checks."""
    problems = [n for n in notes if n["level"] in ("bad", "warning")]
    code = response.status
    if code is None:
        problems.append(
            _problem(
                "warning",
                "No status line was found, so the status cannot be checked: include the first "
                "line (“HTTP/1.1 200 OK”), or Chromium's “Status Code: 200 OK”.",
            )
        )
    if linter is None:
        problems.append(_problem("warning", "httplint could not check this response."))
    flagged = {n["id"] for n in problems}
    subjects = {n["field"] for n in problems}
    if code is not None:
        for rule in protocol.header_rules(code):
            name = rule.name.lower()
            if rule.level == "MAY" or name in present or name in subjects:
                continue
            if response.version in ("2", "3") and name in ("connection", "upgrade"):
                continue  # HTTP/2 and HTTP/3 have no connection-specific fields
            why = re.sub(r"\s*\(here \w+\)$", "", rule.why)  # the example's own remark
            condition = {304: " (if the 200 would have carried one)"}.get(code, "")
            level = "bad" if rule.level == "MUST" and not condition else "warning"
            text = f"A {code} response {rule.level.lower()} carry {rule.name}{condition}: {why}."
            problems.append(_problem(level, text, rule.source, name))
        for name, source in protocol.forbidden_fields(code):
            if name.lower() in present:
                text = f"A {code} response must not carry {name}: it has no content to frame."
                problems.append(_problem("bad", text, source, name.lower()))
    for text in capture.curl_problems(response):
        problems.append(_problem("bad", text))
    if content is not None and not response.exact and "CL_INCORRECT" in flagged:
        problems.append(
            _problem(
                "info",
                "This was pasted: copying from a terminal or a page can change line endings "
                "and trailing spaces. Pipe curl's output to this page for an exact count.",
            )
        )
    problems += _cors_problems(response, present)
    order = {"bad": 0, "warning": 1, "info": 2, "good": 3}
    return sorted(problems, key=lambda n: order[n["level"]])


def _headers(response, notes, present):
    """Each header field: its value (masked), what it is for, httplint's notes on it."""
    by_field = {}
    for note in notes:
        if note["level"] in ("bad", "warning") or note["category"] in ("Caching", CORS_NAME):
            continue
        if note["field"] in present:
            by_field.setdefault(note["field"], []).append(note)
    rows = []
    seen = set()
    for name, value in response.headers:
        shown, masked = mask(name, value)
        lower = name.lower()
        field_notes = [] if lower in seen else list(by_field.get(lower, []))
        if len(value) > MAX_LINTED_VALUE:
            text = f"Only its first {MAX_LINTED_VALUE:,} characters were checked."
            field_notes.append(_problem("info", text, field=lower))
        rows.append(
            {
                "name": name,
                "value": _shorten(shown),
                "masked": masked,
                "about": about(name),
                "notes": field_notes,
            }
        )
        seen.add(lower)
    return rows


# -- Caching -------------------------------------------------------------------------------


def _duration(seconds):
    """httplint's words for a span ("10 minutes"), with the exact seconds when they differ."""
    seconds = int(seconds)
    words = str(relative_time(seconds, 0, 0))
    return f"{seconds:,} s" if words.endswith("seconds") else f"{words} ({seconds:,} s)"


def _caching(response, entry, linter, notes, present):
    code = response.status
    method = response.request.method if response.request else None
    # For a code the reference does not know, httplint's list.
    heuristic_code = entry.cacheable if entry is not None else code in HEURISTIC_CACHEABLE_STATUS
    ids = {n["id"] for n in notes}
    lines = []
    stored_by = next((STORED_BY[i] for i in STORED_BY if i in ids), None)
    checker = getattr(linter, "caching", None)
    cc = checker.cc_dict if checker is not None else {}
    # httplint stops checking once it finds a response cannot be stored.
    explicit = bool(getattr(checker, "has_explicit_freshness", False))
    if code is not None and code < 200:
        stored_by = "none"
        lines.append("Interim (1xx) responses are never stored.")
    elif method and method not in ("GET", "HEAD"):
        stored_by = "none"
        lines.append(f"Caches keep responses to GET and HEAD; this one answered a {method}.")
    elif checker is not None and "*" in checker.vary_value:
        stored_by = "none"
        lines.append("Vary: * means no stored copy can ever match a request.")
    elif stored_by is None:
        # httplint's "cannot be stored" was left out (see _corrected), or it did not run.
        stored_by = "all" if heuristic_code or explicit else "none"
    if code is None:
        lines.append("Without the status line, whether a cache may pick a lifetime is unknown.")
    who = WHO[stored_by]
    if stored_by == "none" and "no-store" in cc:
        who = "No cache may store it (Cache-Control: no-store)."
    elif stored_by == "none" and not lines and code is not None:
        who = (
            "No cache may store it: it has no explicit lifetime (max-age, s-maxage or "
            f"Expires), and {code} is not heuristically cacheable (RFC 9110 §15.1)."
        )
    lines.insert(0, who)
    if code == 304:
        lines.insert(
            0,
            "A 304 is not stored itself: it tells a cache to reuse the copy it holds, "
            "refreshed with these headers (RFC 9111 §4.3.4). For that copy:",
        )
    fresh = {"private": None, "shared": None}
    heuristic = False
    if stored_by != "none" and checker is not None:
        age = checker.age
        if "no-cache" in cc:
            lines.append(
                "Before each reuse, a cache must check with the server that it is still "
                "current (no-cache)."
            )
        elif explicit and not getattr(checker, "freshness_unknown", False):
            private = max(0, checker.freshness_lifetime_private - age)
            shared = max(0, checker.freshness_lifetime_shared - age)
            fresh = {
                "private": private if stored_by in ("all", "private") else None,
                "shared": shared if stored_by in ("all", "shared") else None,
            }
            lines.append(_lifetime_line(fresh, age))
        elif explicit:
            lines.append("Expires without a Date: its lifetime cannot be worked out.")
        elif heuristic_code:
            heuristic = True
            lines.append(_heuristic_line(code, checker))
        if age:
            lines.append(f"It has already spent {_duration(age)} in a cache (Age).")
    if stored_by != "none":
        lines += _reuse_lines(cc, present)
    vary = [
        token.strip()
        for name, value in response.headers
        if name.lower() == "vary"
        for token in value.split(",")
        if token.strip() and token.strip() != "*"
    ]
    if vary and stored_by != "none":
        lines.append(f"Caches keep one copy per value of: {', '.join(vary)[:300]} (Vary).")
    caching_notes = [
        n
        for n in notes
        if n["category"] == "Caching" and n["level"] in ("good", "info") and n["id"] not in RESTATED
    ]
    return {
        "stored_by": stored_by,
        "fresh_for": fresh,
        "heuristic": heuristic,
        "lines": [line for line in lines if line],
        "notes": caching_notes,
    }


def _lifetime_line(fresh, age):
    since = "from now" if age else "from when it was sent"
    parts = []
    for who, left in (("in a browser", fresh["private"]), ("in shared caches", fresh["shared"])):
        if left is not None:
            parts.append(f"fresh for {_duration(left)} {who}" if left else f"already stale {who}")
    if len(parts) == 2 and fresh["private"] == fresh["shared"]:
        parts = [parts[0].removesuffix(" in a browser")]
    text = " and ".join(parts)
    if not any(fresh.values()):
        return f"It is {text}: a cache must check with the server before reusing it."
    return f"It is {text}, {since}: reused without asking the server until then."


def _heuristic_line(code, checker):
    line = (
        f"No explicit lifetime, but {code} is heuristically cacheable (RFC 9110 §15.1), so "
        "caches pick one themselves (RFC 9111 §4.2.2)"
    )
    if checker.lm_value is not None and checker.date_value is not None:
        interval = checker.date_value - checker.lm_value
        if interval > 0:
            return (
                f"{line}: commonly 10 % of the time since Last-Modified, here "
                f"{_duration(interval / 10)} (Last-Modified is {_duration(interval)} before Date)."
            )
    missing = "Last-Modified" if checker.lm_value is None else "Date"
    return f"{line}; with no {missing} to base it on, caches differ widely."


def _reuse_lines(cc, present):
    lines = []
    if "stale-while-revalidate" in cc:
        window = _duration(_seconds(cc, "stale-while-revalidate"))
        lines.append(
            f"Once stale, it may still be served for {window} while a cache fetches a fresh "
            "copy (stale-while-revalidate)."
        )
    if "stale-if-error" in cc:
        window = _duration(_seconds(cc, "stale-if-error"))
        lines.append(f"If the server fails, it may be served stale for {window} (stale-if-error).")
    if "must-revalidate" in cc:
        lines.append("Once stale, it must never be served without checking (must-revalidate).")
    validators = [name for name in ("ETag", "Last-Modified") if name.lower() in present]
    if validators:
        asks = {"ETag": "If-None-Match", "Last-Modified": "If-Modified-Since"}
        how = " or ".join(f"{asks[name]} (from {name})" for name in validators)
        lines.append(f"To check it, a cache asks with {how}; “304 Not Modified” means reuse it.")
    else:
        lines.append("No ETag or Last-Modified: once stale it is fetched whole again.")
    return lines


def _seconds(cc, directive):
    value = cc.get(directive)
    return value if isinstance(value, int) else 0


# -- CORS -------------------------------------------------------------------------------


def _cors_fields(response):
    return {
        n.lower(): v.strip() for n, v in response.headers if n.lower().startswith("access-control-")
    }


def _origin(response):
    if not response.request:
        return None
    return {n.lower(): v for n, v in response.request.headers}.get("origin")


def _cors(response, notes, present):
    fields = _cors_fields(response)
    origin = _origin(response)
    cors_notes = [n for n in notes if n["category"] == CORS_NAME and n["level"] in ("good", "info")]
    if not fields and not origin and not cors_notes:
        return None
    lines = []
    allow = fields.get("access-control-allow-origin")
    credentials = fields.get("access-control-allow-credentials", "").lower() == "true"
    if origin:
        lines.append(f"The request came from a page at {origin[:100]} (Origin).")
    if allow is None:
        if origin:
            lines.append(
                "No Access-Control-Allow-Origin: the browser will not let that page's "
                "scripts read this response."
            )
    elif allow == "*":
        lines.append(
            "Any site's scripts may read this response, as long as they send no cookies or "
            "credentials (Access-Control-Allow-Origin: *)."
        )
    elif allow == "null":
        lines.append("Only documents with an opaque origin (sandboxed, file:) may read it.")
    else:
        lines.append(f"Only scripts on {allow[:100]} may read this response.")
    if credentials and allow not in (None, "*"):
        lines.append(
            "Requests with cookies or HTTP authentication may be read too "
            "(Access-Control-Allow-Credentials: true)."
        )
    if "access-control-expose-headers" in fields:
        lines.append(
            "Scripts may also read these headers: "
            f"{fields['access-control-expose-headers'][:200]} (Access-Control-Expose-Headers)."
        )
    preflight = [
        ("access-control-allow-methods", "methods {}"),
        ("access-control-allow-headers", "request headers {}"),
    ]
    allowed = [text.format(fields[name][:200]) for name, text in preflight if name in fields]
    if allowed:
        lines.append(f"As the answer to a preflight (OPTIONS): allows {' and '.join(allowed)}.")
    max_age = fields.get("access-control-max-age", "")
    if max_age.isdigit():
        lines.append(f"Browsers may reuse that preflight answer for {_duration(int(max_age))}.")
    return {"lines": lines, "notes": cors_notes}


def _cors_problems(response, present):
    fields = _cors_fields(response)
    allow = fields.get("access-control-allow-origin")
    problems = []
    if allow == "*" and fields.get("access-control-allow-credentials", "").lower() == "true":
        problems.append(
            _problem(
                "bad",
                "Access-Control-Allow-Origin: * with Access-Control-Allow-Credentials: true: "
                "browsers refuse to share a credentialed response with any origin; name the "
                "origin instead.",
            )
        )
    vary = {
        token.strip().lower()
        for name, value in response.headers
        if name.lower() == "vary"
        for token in value.split(",")
    }
    if allow not in (None, "*", "null") and "origin" not in vary and "*" not in vary:
        problems.append(
            _problem(
                "warning",
                "Access-Control-Allow-Origin names one origin but Vary does not list Origin: "
                "a cache could hand this answer to a page on another origin, whose scripts "
                "are then refused.",
            )
        )
    return problems


# -- Plain text, for the terminal ------------------------------------------------------

MARKS = {"bad": "[bad]", "warning": "[warn]", "info": "[info]", "good": "[ok]"}


def as_text(result, base_url):
    """The explanation as plain text, wrapped for a terminal; nothing in it is markup."""
    safe = terminal_safe
    out = []

    def para(text, indent=""):
        out.extend(
            textwrap.wrap(safe(text), 78, initial_indent=indent, subsequent_indent=indent + "  ")
            or [""]
        )

    def notes(items, indent="  "):
        for note in items:
            para(f"{MARKS[note['level']]} {note['text']}", indent)

    status = result["status"]
    heading = f"{status['text']} {status.get('name') or status['reason']}".strip()
    version = f"HTTP/{status['version']}, " if status["version"] else ""
    out.append(safe(heading))
    para(
        f"({version}read as {result['read_as']}; response {result['entry']} of "
        f"{len(result['entries'])})"
    )
    if result["request"]:
        para(f"Request: {result['request']['method']} {result['request']['url']}")
    if status.get("summary"):
        para(status["summary"])
    if status.get("path"):
        out.append(f"More: {base_url}{status['path']}")
    elif status.get("fallback"):
        fallback = status["fallback"]
        para(
            f"Not a code this reference knows: clients treat it as {fallback['code']} "
            f"(RFC 9110 §15): {base_url}{fallback['path']}"
        )
    for meaning in status.get("meanings", []):
        para(f"Also: {meaning['used_by']}: {meaning['phrase']}", "  ")

    out += ["", "What is wrong or missing"]
    notes(result["problems"])
    if not result["problems"]:
        out.append("  Nothing found.")
    out += ["", "Headers"]
    for header in result["headers"]:
        out.append("  " + safe(f"{header['name']}: {header['value']}"))
        para(header["about"], "      ")
        notes(header["notes"], "      ")
    out += ["", "Caching"]
    for line in result["caching"]["lines"]:
        para(f"- {line}", "  ")
    notes(result["caching"]["notes"])
    if result["cors"]:
        out += ["", "CORS"]
        for line in result["cors"]["lines"]:
            para(f"- {line}", "  ")
        notes(result["cors"]["notes"])
    if result["notes"]:
        out += ["", "Other notes"]
        notes(result["notes"])
    out += ["", "Content"]
    content = result["content"]
    para(f"{content['length']:,} bytes, checked." if content["checked"] else content["note"], "  ")
    if len(result["entries"]) > 1:
        out += ["", "Responses in what you sent (pick one with ?entry=N):"]
        for item in result["entries"]:
            mark = "*" if item["number"] == result["entry"] else " "
            para(f"{mark} {item['number']}. {item['label']}", "  ")
    if result["masked"]:
        out += ["", f"Cookie and credential values are masked ({MASK})."]
    if result["checked_by"]:
        out.append(f"Checks: {result['checked_by']}, the linter behind REDbot.")
    return "\n".join(out) + "\n"


def usage(url, api_url):
    """What ``GET /explain/`` answers a terminal: how to use it from one."""
    return f"""Explain an HTTP response: send what curl printed to this URL.

  curl -si https://example.com/ | curl --data-binary @- {url}
  curl -sv https://example.com/ 2>&1 | curl --data-binary @- {url}
  curl --data-binary @page.har '{url}?entry=3'

It reads curl -i, -I and -v output, response headers copied from a browser's
network panel, and HAR files (a whole file, or one entry), up to 1 MB. The
answer: the status and its page on this site, each header in one line, what is
wrong or missing, who may cache it and for how long, and what CORS allows.
Cookie and credential values are masked; nothing sent is stored or logged.

As JSON: POST {api_url}
"""
