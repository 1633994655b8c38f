"""All status codes in memory, reloaded whenever the data version changes: the one
owner of what a worker remembers.

Everything a worker keeps hangs off the ``Catalogue`` of one data version (the
codes, their search index, their rendered list items) and is dropped with it
when the version changes; ``reset()`` forgets it all at once. The version is
bumped by the database on every write (``models.DataVersion``), so nothing kept
can outlive an edit. The page cache (Django's cache) keys on the same version.

A public page costs one query (the data version) when its rendering is cached,
and three on a cold start (the version, then every code with its related codes and vendor
in a single joined query). The in-process copy is keyed by the database's data
version, so it is never stale across workers or after an editor's save.

When the database does not answer, readers keep reading: the last catalogue
this worker loaded is served with ``outage=True`` (pages show a notice, and
nothing of it is cached as current). A worker that never loaded data has
nothing to serve and lets the DatabaseError through (the 503 page).
"""

import dataclasses
import hashlib
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from django.db import DatabaseError, connection
from django.db.models import F, Prefetch
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from . import search
from .models import Meaning, StatusCode

logger = logging.getLogger(__name__)


@dataclass
class Catalogue:
    version: str
    last_modified: datetime | None
    codes: list[StatusCode]  # in code order, each with .related_codes
    by_code: dict[int, StatusCode]
    # True when the database did not answer and this is the last data loaded:
    # readers still get pages, but nothing a cache could keep as current.
    outage: bool = False
    # (code, view) → the list item's HTML: live search lists them on every keystroke.
    rendered_items: dict = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def index(self):
        """The search index over these codes, built by the first search of this version."""
        return search.Index(self.codes)

    @cached_property
    def etag(self):
        """A short opaque tag for this data version, for ETags."""
        return hashlib.blake2s(self.version.encode(), digest_size=8).hexdigest()

    @cached_property
    def last_modified_http(self):
        """``last_modified`` as a Last-Modified header value (None without data)."""
        return http_date(self.last_modified.timestamp()) if self.last_modified else None


def data_version():
    """(number, nonce, time) of the last write to the curated data, in one primary-key look-up.

    The database bumps it on every write (``models.DataVersion``). Raw SQL because
    it runs on every public request, where building the ORM query cost more than
    the query itself; the time is parsed only when the version changes. A table
    emptied by a test's flush has no row until the next write: version 0.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT number, nonce, changed FROM reference_dataversion WHERE id = 1")
        return cursor.fetchone() or (0, "", None)


def _as_datetime(updated):
    """The time of the last write, aware: SQLite gives text or a naive datetime, in UTC."""
    if isinstance(updated, str):
        updated = parse_datetime(updated)
    if updated is not None and updated.tzinfo is None:
        updated = updated.replace(tzinfo=UTC)
    return updated


def _load(version, last_modified):
    by_code = {}
    rows = (
        StatusCode.objects.annotate(related_code=F("related__code"))
        .select_related("vendor")
        # One query for all meanings, with their vendors joined in.
        .prefetch_related(
            Prefetch("meanings", Meaning.objects.select_related("vendor")), "behaviours"
        )
        .order_by("code", "related_code")
    )
    related = {}
    for row in rows:
        entry = by_code.setdefault(row.code, row)
        if row.related_code is not None:
            related.setdefault(row.code, []).append(row.related_code)
    for code, entry in by_code.items():
        entry.related_codes = [by_code[c] for c in related.get(code, []) if c in by_code]
    return Catalogue(version, last_modified, list(by_code.values()), by_code)


_current = None
_outage_copy = None  # _current marked as outage, made once (it may carry lazy indexes)
_in_outage = False  # so an outage is logged once per worker, not once per request


def reset():
    """Forget everything this process remembers (tests; in production the version does it)."""
    global _current, _outage_copy, _in_outage
    _current = _outage_copy = None
    _in_outage = False
    search.forget()


def current():
    """The catalogue for the data as it is now in the database.

    During a database outage: the last catalogue loaded, marked ``outage``, under
    its own version (so its pages and ETags are never mistaken for current ones).
    """
    global _current, _outage_copy, _in_outage
    try:
        number, nonce, updated = data_version()
        version = f"{number}-{nonce}"
        if _current is None or _current.version != version:
            _current = _load(version, _as_datetime(updated))
    except DatabaseError as error:
        if _current is None:
            raise
        if not _in_outage:
            _in_outage = True
            logger.error("Database unavailable, serving the last data loaded: %s", error)
        if _outage_copy is None or _outage_copy.codes is not _current.codes:
            version = f"{_current.version}-outage"
            _outage_copy = dataclasses.replace(_current, version=version, outage=True)
        return _outage_copy
    if _in_outage:
        _in_outage = False
        logger.warning("Database back, serving current data.")
    return _current


def for_request(request):
    """The catalogue, fetched once per request (the conditional checks need it too).

    ``request.catalogue_outage`` tells templates (the notice in base.html) whether
    this is the last data loaded rather than the database's.
    """
    if not hasattr(request, "_catalogue"):
        request._catalogue = current()
        request.catalogue_outage = request._catalogue.outage
    return request._catalogue
