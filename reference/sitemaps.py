"""sitemap.xml: the reference page and one page per code."""

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap
from django.urls import reverse

from . import catalogue
from .conditional import public


class ReferenceSitemap(Sitemap):
    changefreq = "weekly"
    priority = 1.0

    def items(self):
        return ["reference:index"]

    def location(self, item):
        return reverse(item)

    def lastmod(self, item):
        return catalogue.current().last_modified


class CodeSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return catalogue.current().codes

    def lastmod(self, entry):
        return entry.updated


SITEMAPS = {"reference": ReferenceSitemap, "codes": CodeSitemap}


# Django's view, answering like every public URL: 405 for POST, validators from the data.
sitemap_view = public(sitemap, vary=("Accept-Encoding",))
