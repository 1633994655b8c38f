"""The page cache: each page rendered once per data version, URL and representation.

Pages are stored gzip-compressed (pages without a query string also
uncompressed), under a hash of an unambiguous encoding of the exact URL and the
representation (``html``, or ``text`` for the terminal's plain text,
reference.terminal), for ``CACHE_TIMEOUT`` seconds (the cache's TIMEOUT), in
Django's cache (LocMem in each process, or Redis shared by every instance).
"""

import gzip
import hashlib
import json

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

from . import catalogue
from .decorators import in_outage, is_editor
from .middleware import accepts_gzip

# Part of every key: a shared cache (Redis) may still hold entries of the shape
# an older release stored, which a new one must not read. Change it with the shape.
PAGE_CACHE_FORMAT = "gzip+plain"


def page_cache_key(request, template_name, extra=None, variant="html") -> str:
    """The exact URL (no case folding), host, template, representation and data version, hashed.

    JSON of a list is unambiguous where joining with a separator is not.
    """
    parts = [
        PAGE_CACHE_FORMAT,
        catalogue.for_request(request).version,
        variant,
        request.scheme,
        request.get_host(),
        request.path,
        request.META.get("QUERY_STRING", ""),
        template_name,
        extra,
    ]
    encoded = json.dumps(parts, ensure_ascii=False, default=str).encode()
    return "page:" + hashlib.blake2b(encoded, digest_size=20).hexdigest()


def render_page(request, template_name, build_context, *, cache_key=None, status=200):
    """Render, or reuse this URL's rendering for this data version.

    ``build_context`` is only called on a miss: searching and building links
    is most of a page's cost. Editors and outage pages bypass the cache.
    Searches are stored gzip-compressed only (a fifth of the memory), so the
    rare client that refuses gzip gets them decompressed. BREACH needs a secret
    in the page, and these pages have none (editors bypass this cache).
    """
    if is_editor(request):
        return render(request, template_name, {**build_context(), "editor": True}, status=status)
    if in_outage(request):
        return render(request, template_name, build_context(), status=status)
    key = page_cache_key(request, template_name, cache_key)

    def build():
        return render_to_string(template_name, build_context(), request)

    return _stored(request, key, build, status)


def render_text(request, name, build_text, *, status=200):
    """Plain text for a terminal (reference.terminal), kept like a page under its own key.

    ``name`` stands where a page has its template; the key also names the
    ``text`` representation, so text and HTML of one URL never meet.
    """
    if is_editor(request) or in_outage(request):
        response = HttpResponse(build_text(), status=status)
    else:
        key = page_cache_key(request, name, variant="text")
        response = _stored(request, key, build_text, status)
    response["Content-Type"] = "text/plain; charset=utf-8"
    return response


def _stored(request, key, build, status):
    """The response for ``key``: from the cache, or ``build()`` (a str) stored there first."""
    searched = bool(request.META.get("QUERY_STRING"))
    stored = cache.get(key)
    if stored is None:
        content = build().encode()
        if searched:
            # A search is made on every keystroke and read about once: compress
            # it fast, and keep only that (a unique-URL flood stays small).
            stored = (gzip.compress(content, compresslevel=1, mtime=0), None)
        else:
            # Compressed hard, and kept as is too, so a client refusing gzip
            # costs no decompression.
            stored = (gzip.compress(content, compresslevel=6, mtime=0), content)
        cache.set(key, stored)  # expires after CACHES' TIMEOUT
    compressed, plain = stored
    if accepts_gzip(request):
        response = HttpResponse(compressed, status=status)
        response["Content-Encoding"] = "gzip"
    else:
        body = plain if plain is not None else gzip.decompress(compressed)
        response = HttpResponse(body, status=status)
    patch_vary_headers(response, ["Accept-Encoding"])
    return response
