"""Template tags: the code page's extra sections (snippets, try-it) and list items."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from reference import protocol, snippets, tryit

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


@register.simple_tag
def list_items(entries, view=""):
    """``reference/_item.html`` for each entry, each rendered once per loaded entry and view.

    Live search renders a new result list on every keystroke, and rendering the
    items was most of its cost. An entry object belongs to one catalogue (one
    data version, reference.catalogue), so keeping its rendering on the object
    can never serve stale text; the item reads nothing from the request.
    """
    return mark_safe("".join(_list_item(entry, view) for entry in entries))


def _list_item(entry, view):
    rendered = entry.__dict__.setdefault("_rendered_list_item", {})
    if view not in rendered:
        rendered[view] = render_to_string("reference/_item.html", {"entry": entry, "view": view})
    return rendered[view]
