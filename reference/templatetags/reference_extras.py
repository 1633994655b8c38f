"""Template tags: the list items of the index and vendor pages, rendered once per data version."""

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from reference import catalogue

register = template.Library()


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
