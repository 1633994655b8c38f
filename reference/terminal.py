"""Plain text for the terminal: ``curl host/404/``, ``curl 'host/?q=timeout'``, ``curl host/``.

A code's page and the index answer a browser with HTML and curl with a summary
in plain text, wrapped to 78 columns, under the same URL: the ``Accept`` header
decides (never User-Agent), and both answers say ``Vary: Accept``. The text is
kept in the page cache under its own key and carries an ETag of its own
(``-text-``), so a cache never hands one client the other's representation and
a text ETag never validates the page (reference.pagecache, reference.decorators).
Every 404 follows the same choice (``handler404``), so ``curl host/abc/`` gets a
404 that says what was asked and how to search.
"""

import textwrap
from functools import wraps
from urllib.parse import urlencode

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.http.request import MediaType
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from httplint.cli.http_parser import terminal_safe

from . import catalogue, search, views
from .decorators import finish, no_store, public
from .models import CLASSES
from .pagecache import render_text

WIDTH = 78  # columns: a terminal's 80, less a margin (as /explain/'s text answer)
HTML_TYPES = ("text/html", "application/xhtml+xml")
TEXT_TYPE = "text/plain"
TEXT = "text/plain; charset=utf-8"


# -- Which representation ------------------------------------------------------------


def _quality(ranges, media_type):
    """(q, named) the client gives ``media_type``: the q of the most specific range that
    matches it, q=0 included (RFC 9110 §12.5.1), and whether that range names it."""
    wanted = MediaType(media_type)
    matching = [accepted for accepted in ranges if wanted.match(accepted)]
    if not matching:
        return 0, False
    best = max(matching, key=lambda accepted: accepted.specificity)
    return best.quality, best.specificity >= 2


def variant(request: HttpRequest) -> str | None:
    """``"html"``, ``"text"``, or ``None`` when the client accepts neither (a 406).

    HTML when the client gives text/html (or application/xhtml+xml) a higher q than
    text/plain, or the same q and names it: browsers list text/html, while curl's
    ``*/*`` gets text. htmx's requests, and those without Accept (HTTP libraries'
    default; a request that states no preference gets the page as before), get HTML.
    """
    accept = request.headers.get("Accept", "").strip()
    if getattr(request, "htmx", False) or not accept:
        return "html"
    ranges = [MediaType(token) for token in accept.split(",") if token.strip()]
    html_q, named = max(_quality(ranges, media_type) for media_type in HTML_TYPES)
    text_q, _ = _quality(ranges, TEXT_TYPE)
    if html_q and (html_q > text_q or (html_q == text_q and named)):
        return "html"
    return "text" if text_q else None


def negotiated(page, text):
    """One URL, two representations: ``page`` (the HTML view) or ``text``, by Accept.

    Both say ``Vary: Accept``; a client accepting neither gets a 406 that lists them.
    """

    @wraps(page)
    def view(request, *args, **kwargs):
        chosen = variant(request)
        handler = page if chosen == "html" else text if chosen == "text" else not_acceptable
        response = handler(request, *args, **kwargs)
        patch_vary_headers(response, ("Accept",))
        return response

    return view


# -- Writing for a terminal ----------------------------------------------------------


class Text:
    """Lines of plain text, wrapped to WIDTH; whatever the data holds is made terminal-safe
    (no escape sequences, no bidirectional controls), since curl prints it as it comes."""

    def __init__(self):
        self.lines = []

    def para(self, text, indent="", hang=""):
        wrapped = textwrap.wrap(
            terminal_safe(" ".join(text.split())),  # curated text may hold line breaks
            WIDTH,
            initial_indent=indent,
            subsequent_indent=indent + hang,
            break_on_hyphens=False,
        )
        self.lines.extend(wrapped or [""])

    def item(self, text, indent="  "):
        self.para(f"- {text}", indent, "  ")

    def line(self, text=""):
        """A line as it is (a URL or a command, never cut), or a blank one."""
        self.lines.append(terminal_safe(text))

    def heading(self, text):
        self.lines.extend(["", terminal_safe(text)])

    def __str__(self):
        return "\n".join(self.lines) + "\n"


def _base(request):
    return request.build_absolute_uri("/").rstrip("/")


def _class_label(entry):
    return (
        f"{entry.class_slug} {entry.class_name}"
        if entry.class_digit in CLASSES
        else entry.class_name
    )


def code_text(entry, base):
    """A code's summary: name, meaning, when to use it, headers, other meanings, its page."""
    out = Text()
    out.para(f"{entry.code} {entry.display_name}")
    if entry.display_name != entry.phrase:
        out.para(f"Registry name: {entry.phrase}")
    out.para(entry.summary)
    origin = "official (IANA registry)" if entry.official else f"unofficial: {entry.origin}"
    out.para(f"{_class_label(entry)}, {origin}")
    if entry.not_sent_reason:
        out.heading("Do not send it")
        out.para(entry.not_sent_reason, "  ")
    if entry.use_case_list:
        out.heading("When to use it")
        for use in entry.use_case_list:
            out.item(use)
    if entry.header_list:
        out.heading("Headers that matter")
        for name, why in entry.header_list:
            out.item(f"{name}: {why}")
    meanings = list(entry.meanings.all())
    if entry.vendor or meanings:
        out.heading("Also used as" if meanings else "Who sends it")
        if entry.vendor:
            vendor_url = base + reverse("reference:vendor", args=[entry.vendor.slug])
            out.para(f"{entry.code} is sent by {entry.vendor.name}: {vendor_url}", "  ")
        for meaning in meanings:
            when = f" When you meet it: {meaning.when}" if meaning.when else ""
            out.item(f"“{meaning.phrase}” ({meaning.used_by}): {meaning.description}{when}")
    out.line()
    out.line(f"Page: {base}{entry.get_absolute_url()}")
    out.line(f"JSON: {base}{reverse('reference:api-code', args=[entry.code])}")
    return str(out)


def _search_help(out, base):
    out.line("Search by words, a code, 40 for 400-409, or a class (4xx):")
    out.line(f"  curl '{base}/?q=timeout'")
    out.line(f"All codes: curl {base}/")


def index_text(query, results, base, total):
    """Search results (code, name, summary, URL), or every code by class, one a line."""
    out = Text()
    for note in query.notes:
        out.para(f"Note: {note}")
    scope = f" in {query.class_slug}" if query.class_slug else ""
    if query.text:
        asked = f"“{query.text}”{scope}"
        if not results:
            out.para(f"No code matches {asked}.")
        elif len(results) == 1:
            out.para(f"1 code matches {asked}:")
        else:
            out.para(f"{len(results)} codes match {asked}:")
        for entry in results:
            out.line()
            out.para(f"{entry.code} {entry.display_name}")
            out.para(entry.summary, "    ")
            out.line(f"    {base}{entry.get_absolute_url()}")
        out.line()
        if not results:
            out.para("Try other words, a number such as 404, or fewer words.")
        _search_help(out, base)
        return str(out)
    out.para(f"HTTP status codes{scope}: {len(results)} of {total}, by class.")
    out.line(f"Each code's page: curl {base}/404/")
    group = None
    for entry in [e for e in results if e.code] + [e for e in results if not e.code]:
        if _class_label(entry) != group:
            group = _class_label(entry)
            out.heading(group)
        line = terminal_safe(f"{entry.code:>3}  {entry.display_name} — {entry.summary}")
        out.lines.append(line if len(line) <= WIDTH else line[: WIDTH - 1] + "…")
    out.line()
    _search_help(out, base)
    return str(out)


def _outage_note(request, body):
    if catalogue.for_request(request).outage:
        return body + "\n(The database is not answering: this is the last data loaded.)\n"
    return body


# -- The views -----------------------------------------------------------------------


@public(validators="text")
def code(request: HttpRequest, code: int) -> HttpResponse:
    """``/404/`` (and ``/404``, where a browser is redirected) as plain text."""
    entry = catalogue.for_request(request).by_code.get(code)
    if entry is None:
        raise views.UnknownCode(code)
    url = entry.get_absolute_url()
    if request.path not in (url, url.rstrip("/")):  # 0404: one spelling per code
        location = _base(request) + url
        moved = f"Moved Permanently: {location}\n(curl -L follows redirects.)\n"
        return HttpResponsePermanentRedirect(url, content=moved, content_type=TEXT)
    base = _base(request)
    return render_text(request, "code", lambda: _outage_note(request, code_text(entry, base)))


@public(validators="text")
def index(request: HttpRequest) -> HttpResponse:
    """``/`` as plain text: every code by class, or the matches of ``q`` and ``class``."""
    base = _base(request)
    try:
        query = search.parse(request.GET)
    except search.QueryTooLong as error:
        out = Text()
        out.para(f"400 Bad Request: {error}")
        out.line()
        _search_help(out, base)
        return HttpResponse(str(out), status=400, content_type=TEXT)
    current = catalogue.for_request(request)

    def build():
        results = current.index.search(query)
        return _outage_note(request, index_text(query, results, base, len(current.codes)))

    return render_text(request, "index", build)


@public(validators=None)
def not_acceptable(request: HttpRequest, code: int | None = None) -> HttpResponse:
    """406: the client accepts neither HTML nor plain text; say what there is."""
    base = _base(request)
    if code is not None:
        api = base + reverse("reference:api-code", args=[code])
    else:
        api = base + reverse("reference:api-codes")
        params = {
            k: v for k, v in (("q", request.GET.get("q")), ("class", request.GET.get("class"))) if v
        }
        api += f"?{urlencode(params)}" if params else ""
    out = Text()
    out.para(
        "406 Not Acceptable: this URL is available as text/html (the page) or as "
        "text/plain (a summary for terminals), and your Accept header allows neither."
    )
    out.line()
    out.line(f"As JSON, from the API: {api}")
    return HttpResponse(str(out), status=406, content_type=TEXT)


@public(validators=None)
def with_slash(request: HttpRequest, code: int) -> HttpResponse:
    """``/404`` for a browser: to ``/404/``, as APPEND_SLASH did before curl got its text here."""
    return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))


def not_found(request: HttpRequest, exception=None) -> HttpResponse:
    """Every 404 (``handler404``): the page for browsers, plain text for terminals."""
    if variant(request) == "html":
        response = views.not_found(request, exception)
    else:
        base = _base(request)
        code = getattr(exception, "code", None)
        asked = request.path.strip("/")
        out = Text()
        if code is not None:
            out.para(f"404 Not Found: there is no status code {code} in this reference.")
        else:
            out.para(f"404 Not Found: there is nothing at {request.path[:200]}.")
        out.line()
        if asked and "/" not in asked and len(asked) <= search.MAX_QUERY_LENGTH:
            out.line(f"Search for it: curl '{base}/?{urlencode({'q': asked})}'")
        _search_help(out, base)
        response = HttpResponse(str(out), status=404, content_type=TEXT)
        try:
            catalogue.for_request(request)
        except DatabaseError:
            response = no_store(response)
        else:
            response = finish(request, response)
    patch_vary_headers(response, ("Accept",))
    return response
