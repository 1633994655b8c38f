"""Template tags for the code page's extra sections (snippets, try-it)."""

from django import template

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
