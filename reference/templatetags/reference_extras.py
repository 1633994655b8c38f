"""Template tags: the code page's extra sections (snippets, try-it) and list items."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from reference import catalogue, protocol, snippets, tryit

register = template.Library()


@register.simple_tag
def snippets_for(entry):
    """The per-framework snippets (or 1xx notes) for ``entry``."""
    return snippets.snippets_for(entry)


@register.simple_tag
def try_it_for(entry):
    """What ``/try/<code>/`` answers to a GET: content or none, header fields."""
    return tryit.describe(entry)


@register.simple_tag
def protocol_facts(entry):
    """What HTTP says about ``entry.code``: content or none, the header fields it needs."""
    return protocol.facts(entry.code)


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
