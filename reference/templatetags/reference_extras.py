"""Template tags: the list items of the index and vendor pages, rendered once per data
version, the index's title, and a code's summary as its vendor's page shows it."""

import re
from collections import Counter

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from reference import catalogue
from reference.models import CLASSES

register = template.Library()

SITE_NAME = "HTTP Status Code Reference"


@register.simple_tag(takes_context=True)
def list_items(context, entries, view=""):
    """``reference/_item.html`` for each entry, each rendered once per data version and view.

    Live search renders a new result list on every keystroke, and rendering the
    items was most of its cost. The renderings are kept by the request's
    catalogue (one data version), so they can never serve stale text; the item
    reads nothing from the request.
    """
    rendered = catalogue.for_request(context["request"]).rendered_items
    html = []
    for entry in entries:
        key = (entry.code, view)
        if key not in rendered:
            rendered[key] = render_to_string("reference/_item.html", {"entry": entry, "view": view})
        html.append(rendered[key])
    return mark_safe("".join(html))


@register.simple_tag
def search_title(query):
    """The index's title: it names the search, so that history entries can be told apart.

    "timeout — search — …", "timeout in 5xx — search — …", "5xx Server Error — …".
    """
    if query.text:
        where = f" in {query.class_slug}" if query.class_slug else ""
        return f"{query.text}{where} — search — {SITE_NAME}"
    if query.class_slug:
        return f"{query.class_slug} {CLASSES[int(query.class_slug[0])]} — {SITE_NAME}"
    return SITE_NAME


# Sentences end before a capital: "e.g. several", "v1.1" and "19 s, or" go on.
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")
# "Not IANA-registered; treat it as ..." / "Not registered." / "Not an IANA-registered status code."
NOT_REGISTERED = re.compile(r"^Not (?:an )?(?:IANA-)?registered\b[^;]*(?:;\s*|\.$)")


@register.filter
def on_vendor_page(entry, codes):
    """The summary of one of a vendor's ``codes``, without what its page says once for all.

    That page names the vendor, says its codes are unofficial and states what
    holds for all of them: a sentence that two of its codes share goes, and so
    does "Not IANA-registered" (advice after it stays), and "Cloudflare: " before
    the rest.
    """
    counts = Counter(s for other in codes for s in set(SENTENCE_END.split(other.summary)))
    kept = []
    for sentence in SENTENCE_END.split(entry.summary):
        if counts[sentence] > 1:
            continue
        advice = NOT_REGISTERED.sub("", sentence)
        if advice != sentence:
            sentence = advice[:1].upper() + advice[1:]
        if sentence:
            kept.append(sentence)
    summary = " ".join(kept)
    # "Cloudflare: it ..." -> "It ...", "Cloudflare (obsolete): the ..." -> "Obsolete: the ..."
    label = re.match(rf"{re.escape(entry.vendor.name)}(?: \(([^)]+)\))?: ", summary)
    if label:
        rest = summary[label.end() :]
        summary = f"{label[1]}: {rest}" if label[1] else rest
        summary = summary[:1].upper() + summary[1:]
    return summary or entry.summary


@register.filter
def aliases(entry):
    """A code's other names, without the one its page is headed with."""
    heading = entry.display_name.casefold()
    return [name for name in entry.former_name_list if name.casefold() != heading]
