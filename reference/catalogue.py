"""All status codes in memory, reloaded whenever the data version changes.

A public page costs one query (the data version) when its rendering is cached,
and three on a cold start (the version, then every code with its related codes and vendor
in a single joined query). The in-process copy is keyed by the database's data
version, so it is never stale across workers or after an editor's save.
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import F, Prefetch
from django.utils.dateparse import parse_datetime

from .models import Meaning, StatusCode


@dataclass
class Catalogue:
    version: str
    last_modified: datetime | None
    codes: list[StatusCode]  # in code order, each with .related_codes
    by_code: dict[int, StatusCode]
    # True when the database did not answer and this is the last data loaded:
    # readers still get pages, but nothing a cache could keep as current.
    outage: bool = False

    @property
    def etag(self):
        """A short opaque tag for this data version, for ETags."""
        return hashlib.blake2s(self.version.encode(), digest_size=8).hexdigest()


def data_version():
    """(version token, newest update) for the whole data set, in one query.

    Raw SQL because it runs on every public request, where building the ORM
    aggregate cost more than the query itself.
    """
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*), MAX(updated) FROM {StatusCode._meta.db_table}")
        count, updated = cursor.fetchone()
    if isinstance(updated, str):  # SQLite returns text; stored in UTC
        updated = parse_datetime(updated).replace(tzinfo=UTC)
    token = f"{count}-{updated.timestamp() if updated else 0}"
    return token, updated


def _load(version, last_modified):
    by_code = {}
    rows = (
        StatusCode.objects.annotate(related_code=F("related__code"))
        .select_related("vendor")
        # One query for all meanings, with their vendors joined in.
        .prefetch_related(Prefetch("meanings", Meaning.objects.select_related("vendor")))
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


def current():
    """The catalogue for the data as it is now in the database."""
    global _current
    version, last_modified = data_version()
    if _current is None or _current.version != version:
        _current = _load(version, last_modified)
    return _current


def for_request(request):
    """The catalogue, fetched once per request (the conditional checks need it too)."""
    if not hasattr(request, "_catalogue"):
        request._catalogue = current()
    return request._catalogue
