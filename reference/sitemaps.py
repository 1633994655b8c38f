"""sitemap.xml: the reference, one page per code, the comparisons and the vendors."""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.urls import reverse

from . import catalogue, compare
from .decorators import public


class ReferenceSitemap(Sitemap):
    changefreq = "weekly"
    priority = 1.0

    def items(self):
        # Pages built from all the codes: the reference, the comparisons, the vendors.
        return [
            ("reference:index", []),
            ("reference:compare-index", []),
            *[("reference:compare", [c.slug]) for c in compare.COMPARISONS],
            ("reference:vendors", []),
            *[("reference:vendor", [slug]) for slug in _vendor_slugs()],
        ]

    def location(self, item):
        name, args = item
        return reverse(name, args=args)

    def lastmod(self, item):
        return catalogue.current().last_modified


class CodeSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return catalogue.current().codes

    def lastmod(self, entry):
        return entry.updated


def _vendor_slugs():
    current = catalogue.current()
    slugs = {e.vendor.slug for e in current.codes if e.vendor}
    slugs |= {m.vendor.slug for e in current.codes for m in e.meanings.all() if m.vendor}
    return sorted(slugs)


SITEMAPS = {"reference": ReferenceSitemap, "codes": CodeSitemap}


# Django's view, answering like every public URL: 405 for POST, validators from the data.
sitemap_view = public(sitemap, vary=("Accept-Encoding",))
