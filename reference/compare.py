""" "Which one should I use?": the comparisons between codes that readers confuse.

Each comparison is defined once here (its slug, title, question, codes and the
columns it shows); the values in its table are curated data on the codes
(``permanent``, ``keeps_method``, ``cacheable``, ``safe_to_retry``,
``browser_behaviour``, ``summary``), which editors maintain in the admin. The
pages (``/compare/<slug>/``) and the API (``/api/compare/<slug>/``) are built
from these definitions, so they never disagree.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    field: str  # an attribute of StatusCode
    label: str
    help: str = ""

    @property
    def is_flag(self):
        return self.field in FLAGS


FLAGS = {"permanent", "keeps_method", "cacheable", "safe_to_retry"}

SUMMARY = Column("summary", "In one line")
PERMANENT = Column("permanent", "Permanent?", "Should clients and search engines update the URL?")
KEEPS_METHOD = Column(
    "keeps_method", "Method kept?", "Does the client repeat the same method and body?"
)
CACHEABLE = Column(
    "cacheable",
    "Cacheable by default?",
    "May a cache store it without explicit freshness headers (RFC 9110 §15.1)?",
)
SAFE_TO_RETRY = Column(
    "safe_to_retry", "Retry unchanged?", "May the client send the same request again as it is?"
)
CLIENTS = Column("browser_behaviour", "What clients do")


@dataclass(frozen=True)
class Comparison:
    slug: str
    title: str
    question: str
    codes: tuple[int, ...]
    columns: tuple[Column, ...]

    def entries(self, by_code):
        """The codes of this comparison that the catalogue has, in order."""
        return [by_code[code] for code in self.codes if code in by_code]

    def rows(self, by_code):
        """(entry, [(column, value), …]) for the table, one row per code."""
        return [
            (entry, [(column, getattr(entry, column.field)) for column in self.columns])
            for entry in self.entries(by_code)
        ]


COMPARISONS = (
    Comparison(
        "redirects",
        "301 vs 302 vs 303 vs 307 vs 308",
        "Which redirect? Permanent or temporary, and does the client keep the method?",
        (301, 302, 303, 307, 308),
        (SUMMARY, PERMANENT, KEEPS_METHOD, CACHEABLE, CLIENTS),
    ),
    Comparison(
        "access",
        "401 vs 403 vs 404",
        "Not signed in, not allowed, or not there at all?",
        (401, 403, 404),
        (SUMMARY, SAFE_TO_RETRY, CACHEABLE, CLIENTS),
    ),
    Comparison(
        "bad-input",
        "400 vs 422",
        "Malformed request, or well-formed but invalid data?",
        (400, 422),
        (SUMMARY, SAFE_TO_RETRY, CLIENTS),
    ),
    Comparison(
        "conflicts",
        "409 vs 412",
        "A conflict with the resource's state, or a failed precondition?",
        (409, 412),
        (SUMMARY, SAFE_TO_RETRY, CLIENTS),
    ),
    Comparison(
        "server-errors",
        "500 vs 502 vs 503 vs 504",
        "Which server error? Whose fault is it, and should the client retry?",
        (500, 502, 503, 504),
        (SUMMARY, SAFE_TO_RETRY, CACHEABLE, CLIENTS),
    ),
    Comparison(
        "success",
        "200 vs 201 vs 202 vs 204",
        "Which success? Here it is, created, accepted for later, or nothing to send?",
        (200, 201, 202, 204),
        (SUMMARY, CACHEABLE, CLIENTS),
    ),
)
BY_SLUG = {comparison.slug: comparison for comparison in COMPARISONS}


def including(code):
    """The comparisons a code takes part in, for its page's "Compare with …" links."""
    return [comparison for comparison in COMPARISONS if code in comparison.codes]


# "I want to tell the client…": the decision guide on the reference page.
# (what you want to say, the codes that say it, the comparison that explains the choice)
DECISIONS = (
    ("here is what you asked for", (200,), "success"),
    ("I created it, and here is where it is", (201,), "success"),
    ("I accepted the job and will do it later", (202,), "success"),
    ("done, and there is nothing to send back", (204,), "success"),
    ("it has moved for good", (301, 308), "redirects"),
    ("it is somewhere else for now", (302, 307), "redirects"),
    ("done: see the result over there (after a POST)", (303,), "redirects"),
    ("your cached copy is still good", (304,), None),
    ("I cannot parse your request", (400,), "bad-input"),
    ("I understood it, but the data is invalid", (422,), "bad-input"),
    ("who are you? Sign in first", (401,), "access"),
    ("I know who you are, and the answer is no", (403,), "access"),
    ("there is nothing here", (404,), "access"),
    ("it was here, and it is gone for good", (410,), None),
    ("that clashes with the current state (an edit conflict)", (409,), "conflicts"),
    ("your If-Match or If-Unmodified-Since no longer holds", (412,), "conflicts"),
    ("slow down, you are sending too many requests", (429,), None),
    ("something broke on my side", (500,), "server-errors"),
    ("the server behind me answered badly", (502,), "server-errors"),
    ("I am down or overloaded for now: retry later", (503,), "server-errors"),
    ("the server behind me did not answer in time", (504,), "server-errors"),
)
