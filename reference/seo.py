"""robots.txt: crawl the reference, not the try-it responses.

The admin is not listed: its path is configurable so scanners do not find it,
and robots.txt would publish it.
"""

from django.http import HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import reverse

from .decorators import public


@public(validators="content", vary=("Accept-Encoding",))
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /try/",
        "",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@public(validators=None, vary=())
def favicon(request):
    """Browsers ask for /favicon.ico on pages without an icon link (the admin)."""
    return redirect(static("reference/favicon.svg"))
